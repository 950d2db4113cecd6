import { labContext } from '../../../../lib/local/lab';
import { renderStarting, renderStatus, renderStopped } from '../../../../lib/ops/local/render';

const ctx = labContext('/repo/.lab/demo-2027-spring', 7100);
const state = {
  version: 1 as const,
  cohort: 'demo-2027-spring',
  cohortFile: 'cohorts/demo.yaml',
  basePort: 7100,
  status: 'running' as const,
  startedAt: '2026-12-06T10:00:00.000Z',
  completedJobs: [],
  services: [],
};

describe('what `local up` says before it starts', () => {
  test('where the lab lives and on which ports; on the first run, why it takes longer', () => {
    expect(renderStarting('demo-2027-spring', ctx, true, '/repo')).toBe(
      [
        'Starting the local lab of demo-2027-spring in .lab/demo-2027-spring (127.0.0.1, ports 7100-7106)',
        'First run: PostgreSQL gets its own cluster (initdb) and a TLS certificate, the cohort gets its secrets and every',
        'person an MLflow user (through the rotation function), and Feast its registry and the sample features; later',
        'starts reuse all of it and take less.',
      ].join('\n'),
    );
    expect(renderStarting('demo-2027-spring', ctx, false, '/repo').split('\n')).toHaveLength(1);
  });
});

describe('what `local status` says', () => {
  test('a lab that never ran, and a stopped one', () => {
    expect(renderStatus({ state: undefined, rows: [], failing: [] }, ctx, '/repo')).toBe(
      'The local lab has never run in .lab/demo-2027-spring. Start it with: cohort-lab local up',
    );
    expect(
      renderStatus(
        {
          state: { ...state, status: 'stopped', stoppedAt: '2026-12-06T11:00:00.000Z' },
          rows: [],
          failing: [],
        },
        ctx,
        '/repo',
      ),
    ).toBe(
      'The local lab of demo-2027-spring is stopped (since 2026-12-06T11:00:00.000Z); its data is kept in ' +
        '.lab/demo-2027-spring. Start it with: cohort-lab local up',
    );
  });

  test('fails when a service died: the table, then the end of its log (already redacted)', () => {
    const text = renderStatus(
      {
        state,
        rows: [
          { service: 'mlflow', url: 'http://127.0.0.1:7100', pid: 11, state: 'up', startSeconds: 12 },
          { service: 'feast', url: 'http://127.0.0.1:7101', pid: 12, state: 'dead', startSeconds: 16 },
        ],
        failing: [
          {
            service: 'feast',
            log: '/repo/.lab/demo-2027-spring/logs/feast-serve.log',
            tail: 'boom\nauth ***',
          },
        ],
      },
      ctx,
      '/repo',
    );
    expect(text).toBe(
      [
        'The local lab of demo-2027-spring in .lab/demo-2027-spring: running since 2026-12-06T10:00:00.000Z',
        '',
        'SERVICE  URL                    PID  STATE  START (s)',
        'mlflow   http://127.0.0.1:7100   11  up          12.0',
        'feast    http://127.0.0.1:7101   12  dead        16.0',
        '',
        'feast is not up. The end of .lab/demo-2027-spring/logs/feast-serve.log (secrets replaced by ***):',
        '    boom',
        '    auth ***',
        '',
        'Restart the lab: cohort-lab local down, then cohort-lab local up.',
      ].join('\n'),
    );
  });
});

describe('what `local down` says', () => {
  test('what stopped, what was saved, that nothing is left, where the data stays', () => {
    expect(
      renderStopped(
        {
          wasRunning: true,
          stopped: ['mlflow', 'postgres'],
          saved: { objects: 8, secrets: 9 },
          problems: [],
          purged: false,
        },
        ctx,
        '/repo',
      ),
    ).toBe(
      [
        'Stopped: mlflow, postgres.',
        'Saved what moto held: 8 object(s) of the bucket, 9 secret(s).',
        'No process of the lab is left, and none of its ports listens.',
        'The data stays in .lab/demo-2027-spring for the next `up` (`down --purge` deletes it).',
      ].join('\n'),
    );
  });

  test('fails when something is left: each problem named', () => {
    expect(
      renderStopped(
        {
          wasRunning: true,
          stopped: ['redis'],
          problems: ['port 7104 (postgres) still listens: pid 9 (postgres)'],
          purged: false,
        },
        ctx,
        '/repo',
      ),
    ).toBe(
      [
        'Stopped: redis.',
        'PROBLEM: port 7104 (postgres) still listens: pid 9 (postgres)',
        'The data stays in .lab/demo-2027-spring for the next `up` (`down --purge` deletes it).',
      ].join('\n'),
    );
  });

  test('a purge of a lab that was not running', () => {
    expect(renderStopped({ wasRunning: false, stopped: [], problems: [], purged: true }, ctx, '/repo')).toBe(
      [
        'The local lab in .lab/demo-2027-spring was not running.',
        'Purged: .lab/demo-2027-spring is gone (database, artifacts, Feast registry, credentials).',
      ].join('\n'),
    );
  });
});

describe('what `local down` says when a foreground `up` runs the lab', () => {
  test('that `up` stopped it; then the checks of what is left', () => {
    expect(
      renderStopped(
        { wasRunning: true, stopped: [], problems: [], purged: false, stoppedBy: 4242 },
        ctx,
        '/repo',
      ),
    ).toBe(
      [
        'The foreground `up` (pid 4242) stopped the lab and saved what moto held.',
        'No process of the lab is left, and none of its ports listens.',
        'The data stays in .lab/demo-2027-spring for the next `up` (`down --purge` deletes it).',
      ].join('\n'),
    );
  });
});
