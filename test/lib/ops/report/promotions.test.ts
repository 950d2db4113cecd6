import { promotionEvents } from '../../../../lib/ops/report/promotions';

const event = (over: Record<string, unknown>) =>
  JSON.stringify({
    action: 'promote',
    alias: 'champion',
    version: '2',
    from_version: '1',
    who: 'grace-hopper',
    when: '2027-02-01T10:00:00Z',
    approval: 'run 7',
    environment: 'production',
    git_sha: 'abc',
    metrics: { accuracy: 0.9 },
    ...over,
  });

describe('promotionEvents', () => {
  test('lists every lab.event.* tag of every version, oldest first, and ignores other tags', () => {
    // GIVEN two versions: v2 promoted then rolled back to v1 (the rollback tag is on v1)
    const versions = [
      {
        name: 'promotion.grace-hopper',
        version: '2',
        tags: [
          { key: 'lab.git_sha', value: 'abc' },
          { key: 'lab.event.001', value: event({}) },
        ],
      },
      {
        name: 'promotion.grace-hopper',
        version: '1',
        tags: [
          {
            key: 'lab.event.001',
            value: event({
              action: 'rollback',
              version: '1',
              from_version: '2',
              when: '2027-02-02T08:00:00Z',
              approval: null,
            }),
          },
        ],
      },
    ];
    // WHEN
    const events = promotionEvents(versions);
    // THEN
    expect(
      events.map((e) => [e.when, e.action, e.version, e.fromVersion, e.approval, e.taggedVersion, e.metrics]),
    ).toEqual([
      ['2027-02-01T10:00:00Z', 'promote', '2', '1', 'run 7', '2', '{"accuracy":0.9}'],
      ['2027-02-02T08:00:00Z', 'rollback', '1', '2', '-', '1', '{"accuracy":0.9}'],
    ]);
  });

  test('an event tag that is not a JSON object is listed as unreadable, not dropped', () => {
    const events = promotionEvents([
      { name: 'm', version: '3', tags: [{ key: 'lab.event.004', value: 'oops' }] },
    ]);
    expect(events).toHaveLength(1);
    expect(events[0].action).toBe('UNREADABLE (not a JSON object)');
    expect(events[0].metrics).toBe('oops');
  });
});
