import { peopleRule, principalPartitionRule } from '../../../../lib/config/rules';
import { COHORT, CONTEXT, messages, SANDBOX } from './support';

const ADA = { id: 'ada', email: 'ada@example.edu' };
const GRACE = { id: 'grace.hopper', email: 'grace@example.edu', displayName: 'Grace Hopper' };

/** `count` distinct learners. */
function learners(count: number) {
  return Array.from({ length: count }, (_, i) => ({
    id: `l${i}`,
    email: `l${i}@example.edu`,
    displayName: `L${i}`,
  }));
}

describe('peopleRule', () => {
  test('accepts an instructor and a learner with ids, emails and principals of their own', () => {
    // GIVEN
    const doc = {
      instructors: [{ ...ADA, iamPrincipalArn: 'arn:aws:iam::111122223333:role/Ada' }],
      learners: [{ ...GRACE, iamPrincipalArn: 'arn:aws:iam::111122223333:role/Grace' }],
    };

    // WHEN / THEN
    expect(peopleRule(doc, COHORT, CONTEXT)).toEqual([]);
  });

  test('accepts a sandbox without instructors', () => {
    // WHEN / THEN
    expect(peopleRule({ instructors: [], learners: [GRACE] }, SANDBOX, CONTEXT)).toEqual([]);
  });

  test('fails when a cohort has no instructor and no learner', () => {
    // WHEN
    const problems = peopleRule({ instructors: [], learners: [] }, COHORT, CONTEXT);

    // THEN
    expect(messages(problems)).toEqual([
      'cohort.yaml: instructors: must list at least one instructor for profile cohort (got [])',
      'cohort.yaml: learners: must list at least one learner (got [])',
    ]);
  });

  test('fails when a sandbox has more learners than its profile allows', () => {
    // WHEN
    const problems = peopleRule({ instructors: [], learners: learners(6) }, SANDBOX, CONTEXT);

    // THEN
    expect(messages(problems)).toEqual([
      'cohort.yaml: learners: has 6 learners; profile sandbox allows at most 5',
    ]);
  });

  test('fails when two ids normalise to the same slug, across the two lists', () => {
    // GIVEN
    const doc = {
      instructors: [{ id: 'Grace_Hopper', email: 'gh@example.edu' }],
      learners: [GRACE],
    };

    // WHEN
    const problems = peopleRule(doc, COHORT, CONTEXT);

    // THEN
    expect(messages(problems)).toEqual([
      'cohort.yaml: learners[0].id: collides with instructors[0].id (both normalise to "grace-hopper") (got "grace.hopper")',
    ]);
  });

  test.each([
    ['2fast', 'normalises to "2fast", which must start with a letter and end with a letter or digit'],
    ['_Admin_', 'normalises to "admin", which is reserved for the MLflow admin'],
    ['---', 'normalises to an empty name'],
    ['a'.repeat(41), `normalises to "${'a'.repeat(41)}", longer than 40 characters`],
  ])('fails when an id normalises to an unusable slug (%s)', (id, message) => {
    // GIVEN
    const doc = { instructors: [ADA], learners: [{ ...GRACE, id }] };

    // WHEN
    const problems = peopleRule(doc, COHORT, CONTEXT);

    // THEN
    expect(messages(problems)).toEqual([
      `cohort.yaml: learners[0].id: ${message} (got ${JSON.stringify(id)})`,
    ]);
  });

  test('fails when an email is given twice, in any case', () => {
    // GIVEN
    const doc = {
      instructors: [ADA],
      learners: [GRACE, { id: 'alan', email: 'Grace@Example.edu', displayName: 'Alan' }],
    };

    // WHEN
    const problems = peopleRule(doc, COHORT, CONTEXT);

    // THEN
    expect(messages(problems)).toEqual([
      'cohort.yaml: learners[1].email: duplicates learners[0].email (got "Grace@Example.edu")',
    ]);
  });

  test('fails when an IAM principal is given twice', () => {
    // GIVEN
    const arn = 'arn:aws:iam::111122223333:role/Shared';
    const doc = {
      instructors: [{ ...ADA, iamPrincipalArn: arn }],
      learners: [{ ...GRACE, iamPrincipalArn: arn }],
    };

    // WHEN
    const problems = peopleRule(doc, COHORT, CONTEXT);

    // THEN
    expect(messages(problems)).toEqual([
      `cohort.yaml: learners[0].iamPrincipalArn: duplicates instructors[0].iamPrincipalArn (got "${arn}")`,
    ]);
  });

  test('fails on a repeated email even where the id is unusable', () => {
    // GIVEN
    const doc = {
      instructors: [ADA],
      learners: [GRACE, { id: '2fast', email: 'GRACE@example.edu', displayName: 'Two' }],
    };

    // WHEN
    const problems = peopleRule(doc, COHORT, CONTEXT);

    // THEN
    expect(messages(problems)).toEqual([
      'cohort.yaml: learners[1].id: normalises to "2fast", which must start with a letter and end with a letter or digit (got "2fast")',
      'cohort.yaml: learners[1].email: duplicates learners[0].email (got "GRACE@example.edu")',
    ]);
  });

  test('skips the fields an entry lacks (the schema reported them), and still counts the entry', () => {
    // GIVEN entries whose other fields failed the schema
    const doc = {
      instructors: [{}],
      learners: [GRACE, { id: 'Grace_Hopper' }, { email: 'grace@example.edu' }],
    };

    // WHEN
    const problems = peopleRule(doc, COHORT, CONTEXT);

    // THEN no "at least one instructor", and each check where its field is there
    expect(messages(problems)).toEqual([
      'cohort.yaml: learners[1].id: collides with learners[0].id (both normalise to "grace-hopper") (got "Grace_Hopper")',
      'cohort.yaml: learners[2].email: duplicates learners[0].email (got "grace@example.edu")',
    ]);
  });

  test.each([
    ['in another case', 'arn:aws:iam::111122223333:role/SHARED', 'IAM names are case-insensitive'],
    [
      'under another path',
      'arn:aws:iam::111122223333:role/course/Shared',
      'a role name is unique in its account, whatever its path',
    ],
  ])('fails when an IAM principal is given twice, %s', (_how, second, why) => {
    // GIVEN
    const doc = {
      instructors: [{ ...ADA, iamPrincipalArn: 'arn:aws:iam::111122223333:role/Shared' }],
      learners: [{ ...GRACE, iamPrincipalArn: second }],
    };

    // WHEN
    const problems = peopleRule(doc, COHORT, CONTEXT);

    // THEN
    expect(messages(problems)).toEqual([
      `cohort.yaml: learners[0].iamPrincipalArn: duplicates instructors[0].iamPrincipalArn (${why}) (got "${second}")`,
    ]);
  });

  test('accepts a role and a user of the same name, and one name in two accounts', () => {
    // GIVEN
    const doc = {
      instructors: [{ ...ADA, iamPrincipalArn: 'arn:aws:iam::111122223333:role/Ada' }],
      learners: [
        { ...GRACE, iamPrincipalArn: 'arn:aws:iam::111122223333:user/Ada' },
        {
          id: 'alan',
          email: 'alan@example.edu',
          displayName: 'Alan',
          iamPrincipalArn: 'arn:aws:iam::444455556666:role/Ada',
        },
      ],
    };

    // WHEN / THEN
    expect(peopleRule(doc, COHORT, CONTEXT)).toEqual([]);
  });
});

describe('principalPartitionRule', () => {
  const withArn = (iamPrincipalArn: string, region?: string) => ({
    region,
    instructors: [{ ...ADA, iamPrincipalArn }],
    learners: [GRACE],
  });

  test.each([
    ['arn:aws:iam::111122223333:role/Ada', 'eu-west-1'],
    ['arn:aws-cn:iam::111122223333:role/Ada', 'cn-north-1'],
    ['arn:aws-us-gov:iam::111122223333:role/Ada', 'us-gov-west-1'],
    ['arn:aws-iso-b:iam::111122223333:role/Ada', 'us-isob-east-1'],
    ['arn:aws-cn:iam::111122223333:role/Ada', undefined],
  ])('accepts %s with region %s', (arn, region) => {
    // WHEN / THEN
    expect(principalPartitionRule(withArn(arn, region), COHORT, CONTEXT)).toEqual([]);
  });

  test('accepts people without a principal', () => {
    // WHEN / THEN
    expect(
      principalPartitionRule(
        { region: 'cn-north-1', instructors: [ADA], learners: [GRACE] },
        COHORT,
        CONTEXT,
      ),
    ).toEqual([]);
  });

  test("fails when a principal is in another partition than the region's", () => {
    // GIVEN
    const doc = withArn('arn:aws:iam::111122223333:role/Ada', 'us-gov-east-1');

    // WHEN
    const problems = principalPartitionRule(doc, COHORT, CONTEXT);

    // THEN
    expect(messages(problems)).toEqual([
      'cohort.yaml: instructors[0].iamPrincipalArn: is in partition "aws", but region us-gov-east-1 is in partition "aws-us-gov" (the ARN must start arn:aws-us-gov:) (got "arn:aws:iam::111122223333:role/Ada")',
    ]);
  });

  test("fails when a principal's partition does not exist, naming the region's", () => {
    // GIVEN
    const doc = withArn('arn:awsbogus:iam::111122223333:role/Ada', 'eu-west-1');

    // WHEN
    const problems = principalPartitionRule(doc, COHORT, CONTEXT);

    // THEN
    expect(messages(problems)).toEqual([
      'cohort.yaml: instructors[0].iamPrincipalArn: names partition "awsbogus", which does not exist; region eu-west-1 is in partition "aws" (the ARN must start arn:aws:) (got "arn:awsbogus:iam::111122223333:role/Ada")',
    ]);
  });

  test("fails when a principal's partition does not exist and there is no region, listing the partitions", () => {
    // GIVEN
    const doc = withArn('arn:aws-moon:iam::111122223333:role/Ada');

    // WHEN
    const problems = principalPartitionRule(doc, COHORT, CONTEXT);

    // THEN
    expect(messages(problems)).toEqual([
      'cohort.yaml: instructors[0].iamPrincipalArn: names partition "aws-moon", which does not exist; the partitions are aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc (got "arn:aws-moon:iam::111122223333:role/Ada")',
    ]);
  });
});
