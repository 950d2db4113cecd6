import { mkdirSync, statSync, writeFileSync } from 'fs';
import { join } from 'path';
import {
  parseState,
  readState,
  StateCorruptError,
  STATE_VERSION,
  writeState,
} from '../../../lib/local/state';
import { testTempDir } from '../../support/tmp';

const DIR = '/srv/lab';

function valid(): Record<string, unknown> {
  return {
    version: STATE_VERSION,
    cohort: 'demo-2027-spring',
    cohortFile: 'cohorts/demo.yaml',
    basePort: 7100,
    status: 'running',
    startedAt: '2026-12-06T10:00:00.000Z',
    completedJobs: ['mlflow-db-bootstrap-1e5c744d'],
    services: [
      {
        name: 'postgres',
        pid: 4242,
        startTicks: 817129,
        stop: { signal: 'SIGINT', group: false },
        port: 7104,
        url: 'postgresql://127.0.0.1:7104',
        log: '/srv/lab/logs/postgres.log',
        startedAt: '2026-12-06T10:00:01.000Z',
        readySeconds: 0.6,
      },
    ],
  };
}

const corrupt = (reason: string) =>
  `The local lab's state directory ${DIR} is corrupt: ${reason}. Nothing was started or stopped. ` +
  'To start afresh, remove it with `cohort-lab local down --purge` ' +
  '(this deletes the lab’s database, artifacts and Feast registry).';

describe('the state file', () => {
  test('parses what the lab writes', () => {
    // GIVEN a state file as the lab writes it WHEN it is parsed THEN every field comes back
    expect(parseState(JSON.stringify(valid()), DIR)).toEqual(valid());
  });

  test('round-trips through the state directory, mode 0600', () => {
    const dir = testTempDir('cohortlab-state');
    const state = parseState(JSON.stringify(valid()), dir);
    writeState(dir, state);
    expect(readState(dir)).toEqual(state);
    expect(statSync(join(dir, 'lab.json')).mode & 0o777).toBe(0o600);
  });

  test('a directory where the lab never ran has no state', () => {
    expect(readState(testTempDir('cohortlab-state'))).toBeUndefined();
  });

  test.each<[string, string, string]>([
    ['it is not JSON', '{"version": 1,', 'lab.json is not JSON'],
    ['it is not an object', '[]', 'lab.json (the top level): Invalid input: expected object, received array'],
    [
      'a pid is not a number',
      JSON.stringify({ ...valid(), services: [{ ...(valid().services as object[])[0], pid: 'x' }] }),
      'lab.json services.0.pid: Invalid input: expected number, received string',
    ],
    [
      'it has an unknown status',
      JSON.stringify({ ...valid(), status: 'sleeping' }),
      'lab.json status: Invalid option: expected one of "starting"|"running"|"stopping"|"stopped"',
    ],
    [
      'it lists a process twice',
      JSON.stringify({
        ...valid(),
        services: [...(valid().services as object[]), ...(valid().services as object[])],
      }),
      'lab.json lists the process postgres twice',
    ],
    [
      'it has a field the lab does not write',
      JSON.stringify({ ...valid(), extra: 1 }),
      'lab.json (the top level): Unrecognized key: "extra"',
    ],
  ])('fails when %s', (_name, text, reason) => {
    // WHEN a damaged state file is parsed THEN the message says what is wrong and how to purge
    expect(() => parseState(text, DIR)).toThrow(new StateCorruptError(DIR, reason));
    expect(() => parseState(text, DIR)).toThrow(corrupt(reason));
  });

  test('fails when the state file in the directory is damaged', () => {
    const dir = testTempDir('cohortlab-state');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'lab.json'), 'garbage');
    expect(() => readState(dir)).toThrow(
      `The local lab's state directory ${dir} is corrupt: lab.json is not JSON.`,
    );
  });
});
