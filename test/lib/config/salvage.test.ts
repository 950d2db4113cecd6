import { validateCohort } from '../../../lib/config';
import { salvageSections } from '../../../lib/config/salvage';
import { baseDocument, TODAY } from '../../support/cohort';

describe('salvageSections', () => {
  test('keeps every section of a file that passes the schema', () => {
    // GIVEN
    const raw = baseDocument();

    // WHEN
    const { doc, passed } = salvageSections(raw);

    // THEN optional sections left out are there with their defaults
    expect(passed.has('course')).toBe(true);
    expect(passed.has('region')).toBe(true);
    expect(doc.region).toBeUndefined();
    expect(doc.compute).toEqual({});
    expect(doc.learners).toEqual([
      { id: 'grace.hopper', email: 'grace@example.edu', displayName: 'Grace Hopper' },
    ]);
  });

  test('leaves out a section that fails, and only that one', () => {
    // GIVEN
    const raw = {
      ...baseDocument(),
      cluster: { endpointAccess: 'public', publicAccessCidrs: ['1.2.3.0/33'] },
    };

    // WHEN
    const { doc, passed } = salvageSections(raw);

    // THEN
    expect(passed.has('cluster')).toBe(false);
    expect(doc.cluster).toBeUndefined();
    expect(passed.has('mlflow')).toBe(true);
  });

  test('keeps every entry of a roster that fails, with the fields that pass', () => {
    // GIVEN
    const raw = {
      ...baseDocument(),
      learners: [
        { id: 'grace', email: 'not-an-email', displayName: 'Grace' },
        'alan',
        { id: 7, email: 'k@example.edu', displayName: 'K', emial: 'typo' },
      ],
    };

    // WHEN
    const { doc, passed } = salvageSections(raw);

    // THEN indexes and count stay those of the file
    expect(passed.has('learners')).toBe(true);
    expect(doc.learners).toEqual([
      { id: 'grace', displayName: 'Grace' },
      {},
      { email: 'k@example.edu', displayName: 'K' },
    ]);
  });

  test('leaves out a roster that is not a list', () => {
    // WHEN
    const { passed } = salvageSections({ ...baseDocument(), learners: 'grace' });

    // THEN
    expect(passed.has('learners')).toBe(false);
  });

  test('gives a missing section no default when the file has a field the schema does not know', () => {
    // GIVEN the MLflow section under a misspelt name
    const { mlflow, ...rest } = baseDocument();
    const raw = { ...rest, mlfow: mlflow };

    // WHEN
    const { passed } = salvageSections(raw);

    // THEN neither mlflow nor any other missing section passes as its default
    expect(passed.has('mlflow')).toBe(false);
    expect(passed.has('compute')).toBe(false);
    expect(passed.has('instructors')).toBe(true);
  });

  test.each([null, 'cohort', [1, 2]])('keeps nothing of a document that is not a mapping (%j)', (raw) => {
    // WHEN / THEN
    expect(salvageSections(raw).passed.size).toBe(0);
  });
});

describe('validateCohort on a file that fails the schema', () => {
  test('also reports what the rules find in the sections that passed', () => {
    // GIVEN a bad tag key and a course that ends before it starts
    const raw = {
      ...baseDocument(),
      tags: { 'aws:x': 'y' },
      course: { start: '2027-03-26', end: '2027-01-04' },
    };

    // WHEN
    const result = validateCohort(raw, { file: 'both.yaml', today: TODAY });

    // THEN
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'tags["aws:x"]: tag keys starting with "aws:" or "lab:" are reserved',
      'course.end: is before course.start (2027-03-26)',
    ]);
  });

  test('runs no rule without a profile: the profile sets their limits', () => {
    // GIVEN an unknown profile and a course that ends before it starts
    const raw = {
      ...baseDocument(),
      profile: 'classroom',
      course: { start: '2027-03-26', end: '2027-01-04' },
    };

    // WHEN
    const result = validateCohort(raw, { file: 'profile.yaml', today: TODAY });

    // THEN
    expect(!result.ok && result.problems.map((p) => p.path)).toEqual(['profile']);
  });
});
