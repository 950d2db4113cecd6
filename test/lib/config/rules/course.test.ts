import { courseRule } from '../../../../lib/config/rules';
import { COHORT, CONTEXT, messages, SANDBOX } from './support';

describe('courseRule', () => {
  test('accepts a course that ends in the future within the profile limit', () => {
    // GIVEN
    const doc = { course: { start: '2027-01-04', end: '2027-03-26' } };

    // WHEN
    const problems = courseRule(doc, COHORT, CONTEXT);

    // THEN
    expect(problems).toEqual([]);
  });

  test('accepts an expiry of today', () => {
    // GIVEN
    const doc = { course: { start: '2026-09-01', end: CONTEXT.today } };

    // WHEN / THEN
    expect(courseRule(doc, COHORT, CONTEXT)).toEqual([]);
  });

  test('fails when the end is before the start, and says nothing more about that end', () => {
    // GIVEN an end that is also in the past
    const doc = { course: { start: '2027-03-26', end: '2026-01-04' } };

    // WHEN
    const problems = courseRule(doc, COHORT, CONTEXT);

    // THEN
    expect(messages(problems)).toEqual([
      'cohort.yaml: course.end: is before course.start (2027-03-26) (got "2026-01-04")',
    ]);
  });

  test('fails when the end is in the past', () => {
    // GIVEN
    const doc = { course: { start: '2026-09-01', end: '2026-11-27' } };

    // WHEN
    const problems = courseRule(doc, COHORT, CONTEXT);

    // THEN
    expect(messages(problems)).toEqual([
      'cohort.yaml: course.end: is in the past (today is 2026-11-29); the expiry must be today or later; to tear it down, allowExpired=true (got "2026-11-27")',
    ]);
  });

  test('accepts an end in the past when allowExpired is set (teardown)', () => {
    // GIVEN
    const doc = { course: { start: '2026-09-01', end: '2026-11-27' } };

    // WHEN
    const problems = courseRule(doc, COHORT, { ...CONTEXT, allowExpired: true });

    // THEN
    expect(problems).toEqual([]);
  });

  test('counts both the first and the last day: 31 days is a sandbox at its limit', () => {
    // GIVEN
    const doc = { course: { start: '2027-01-01', end: '2027-01-31' } };

    // WHEN / THEN
    expect(courseRule(doc, SANDBOX, CONTEXT)).toEqual([]);
  });

  test('fails when the course is longer than the profile allows', () => {
    // GIVEN
    const doc = { course: { start: '2027-01-01', end: '2027-02-01' } };

    // WHEN
    const problems = courseRule(doc, SANDBOX, CONTEXT);

    // THEN
    expect(messages(problems)).toEqual([
      'cohort.yaml: course.end: makes the course 32 days long; profile sandbox allows at most 31 (got "2027-02-01")',
    ]);
  });

  test('fails twice when the end is both in the past and too far from the start', () => {
    // GIVEN
    const doc = { course: { start: '2025-01-01', end: '2026-11-01' } };

    // WHEN
    const problems = courseRule(doc, COHORT, CONTEXT);

    // THEN
    expect(messages(problems)).toEqual([
      'cohort.yaml: course.end: is in the past (today is 2026-11-29); the expiry must be today or later; to tear it down, allowExpired=true (got "2026-11-01")',
      'cohort.yaml: course.end: makes the course 670 days long; profile cohort allows at most 366 (got "2026-11-01")',
    ]);
  });
});
