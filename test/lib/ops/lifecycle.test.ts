import { parseDestination } from '../../../lib/ops/export';
import { calendarDate } from '../../../lib/ops/input-error';
import { LabResource } from '../../../lib/ops/inventory';
import { classify } from '../../../lib/ops/sweep';
import { planTeardown } from '../../../lib/ops/teardown';

const tags = (cohort: string, extra: Record<string, string> = {}) => ({
  'lab:cohort': cohort,
  'lab:expires': '2026-09-30',
  ...extra,
});
const r = (
  kind: LabResource['kind'],
  id: string,
  cohort: string,
  extra: Record<string, string> = {},
): LabResource => ({
  kind,
  id,
  cohort,
  tags: tags(cohort, extra),
});

describe('sweep classification', () => {
  const inventory = [
    r('stack', 'cohortlab-live-data', 'live'),
    r('volume', 'vol-live', 'live'),
    r('bucket', 'old-artifacts', 'old', { 'lab:retention': 'retain' }),
    r('kms-key', 'key-old', 'old'),
    r('db-snapshot', 'cohortlab-old-final', 'old'),
    r('load-balancer', 'arn:lb-old', 'old'),
    r('db-instance', 'db-old', 'old'),
  ];

  test('within 90 days of lab:expires, what teardown keeps stays; the rest is a leftover; a live cohort is skipped', () => {
    // GIVEN expiry 2026-09-30, WHEN classified on 2026-12-06 (67 days later)
    const verdicts = classify(inventory, '2026-12-06').map((i) => [i.resource.id, i.verdict, i.why]);
    // THEN
    expect(verdicts).toEqual([
      ['vol-live', 'live-cohort', 'cohort live still has stacks: run cohort-lab teardown first'],
      ['old-artifacts', 'kept', 'kept for audit until 2026-12-29 (90 days after lab:expires)'],
      ['key-old', 'kept', 'kept for audit until 2026-12-29 (90 days after lab:expires)'],
      ['cohortlab-old-final', 'kept', 'kept for audit until 2026-12-29 (90 days after lab:expires)'],
      ['arn:lb-old', 'leftover', 'no stack owns it'],
      ['db-old', 'not-swept', 'a database instance: cohort-lab teardown snapshots and removes it'],
    ]);
  });

  test('past the audit period the retained bucket, its key and the snapshot are leftovers too', () => {
    const leftovers = classify(inventory, '2026-12-30')
      .filter((i) => i.verdict === 'leftover')
      .map((i) => i.resource.id);
    expect(leftovers).toEqual(['old-artifacts', 'key-old', 'cohortlab-old-final', 'arn:lb-old']);
  });
});

describe('teardown plan', () => {
  test('fails when the retention is export and no destination is named', () => {
    expect(() =>
      planTeardown([r('bucket', 'b', 'c1', { 'lab:retention': 'export' })], { cohort: 'c1' }),
    ).toThrow(
      'the artifact bucket of c1 has retention export: name where it goes with --export-to s3://<bucket>/<prefix>',
    );
  });

  test('retention delete: no final snapshot, and the bucket and key go', () => {
    const plan = planTeardown(
      [
        r('bucket', 'b', 'c1', { 'lab:retention': 'delete' }),
        r('kms-key', 'k', 'c1'),
        r('db-instance', 'd', 'c1'),
      ],
      { cohort: 'c1' },
    );
    expect(plan.steps.map((s) => s.name)).toEqual([
      'protection',
      'learners',
      'apps',
      'kubernetes',
      'cluster',
      'data',
    ]);
    expect(plan.going.map((g) => g.id)).toEqual(['b', 'k', 'd']);
    expect(plan.staying).toEqual([]);
  });
});

describe('inputs', () => {
  test.each([
    ['s3://audit-archive/spring', { bucket: 'audit-archive', prefix: 'spring/' }],
    ['s3://audit-archive', { bucket: 'audit-archive', prefix: '' }],
    ['https://audit-archive', undefined],
  ])('parses the export destination %s', (url, expected) => {
    expect(parseDestination(url)).toEqual(expected);
  });

  test.each(['2026-13-45', '2026-02-29', '26-01-01'])(
    'fails when a date flag is not a calendar date: %s',
    (value) => {
      expect(() => calendarDate('--today', value)).toThrow(
        `--today: must be a calendar date written YYYY-MM-DD (got "${value}")`,
      );
    },
  );
});
