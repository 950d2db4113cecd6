import { renderHealthTable } from '../../../lib/local/health';

describe('the health table', () => {
  test('service, URL, pid, state and start time, in columns', () => {
    // GIVEN the rows of a lab whose Feast server died WHEN rendered THEN one aligned line each
    const table = renderHealthTable([
      { service: 'mlflow', url: 'http://127.0.0.1:7100', pid: 25637, state: 'up', startSeconds: 12.04 },
      { service: 'feast', url: 'http://127.0.0.1:7101', pid: 26557, state: 'dead', startSeconds: 16 },
      {
        service: 'postgres',
        url: 'postgresql://127.0.0.1:7104',
        pid: 287,
        state: 'not answering',
        startSeconds: 0.6,
      },
      { service: 'redis', url: '127.0.0.1:7105', pid: undefined, state: 'dead', startSeconds: undefined },
    ]);
    expect(table).toBe(
      [
        'SERVICE   URL                            PID  STATE          START (s)',
        'mlflow    http://127.0.0.1:7100        25637  up                  12.0',
        'feast     http://127.0.0.1:7101        26557  dead                16.0',
        'postgres  postgresql://127.0.0.1:7104    287  not answering        0.6',
        'redis     127.0.0.1:7105                   -  dead                   -',
      ].join('\n'),
    );
  });

  test('an empty lab is the header alone', () => {
    expect(renderHealthTable([])).toBe('SERVICE  URL  PID  STATE  START (s)');
  });
});
