/**
 * Benchmark: Feast online reads under a cohort's load, three feature servers side by side on this
 * machine, all on the same Redis, registry and OpenID provider:
 *   - no auth:         the manifest's server with `auth: {type: no_auth}` in its feature_store.yaml;
 *   - Feast defaults:  `feast serve` itself (no cohort_lab_feast patches: permissions re-read from
 *                      S3 per request, per-request discovery check) with Feast's default
 *                      `--max-requests 1000`, OIDC on;
 *   - ours:            the manifest as it is.
 *
 *   npx tsx scripts/bench-feast.ts [--shape online-read] [--concurrency 20] [--seconds 60] [--rounds 3]
 *                                  [--py-spy <py-spy binary>]
 *
 * `concurrency` clients, each on its own keep-alive connection with a learner's access token, ask
 * `get-online-features` for two learners' three features. Rounds are interleaved (order rotating);
 * the summary gives medians (min-max) of req/s, p50/p95/p99, server CPU per request, errors and
 * connection resets. Exit code 1 on any error or reset.
 */
import { join } from 'path';
import { startFeastLab, withoutAuth } from '../lib/local/feast-bench';
import {
  descendants,
  formatRound,
  formatSummary,
  LoadRequest,
  pySpyRecord,
  RoundResult,
  runLoad,
  summariseRounds,
} from '../lib/local/load';
import { cliArg } from '../lib/local/bench-args';
import { freePort, RunningProcess } from '../lib/local/processes';

/** The servers, in the order they are reported; the first is the baseline. */
export const FEAST_SERVERS = ['no auth', 'Feast defaults', 'ours'] as const;

const FEATURES = [
  'learner_activity:minutes_active',
  'learner_activity:lessons_completed',
  'learner_activity:avg_quiz_score',
];

/** The online read every client sends: two learners' three features. */
export function onlineRead(token: string): LoadRequest {
  return {
    method: 'POST',
    path: '/get-online-features',
    body: { features: FEATURES, entities: { learner_id: [1001, 1002] } },
    headers: { authorization: `Bearer ${token}` },
  };
}

async function main(): Promise<void> {
  const shape = cliArg('shape', 'online-read');
  if (shape !== 'online-read') throw new Error('--shape: only online-read');
  const concurrency = Number(cliArg('concurrency', '20'));
  const seconds = Number(cliArg('seconds', '60'));
  const rounds = Number(cliArg('rounds', '3'));
  const lab = await startFeastLab('cohortlab-bench-feast');
  const results: RoundResult[] = [];
  try {
    const servers: Array<{ name: string; port: number; proc: RunningProcess }> = [];
    for (const name of FEAST_SERVERS) {
      const port = await freePort();
      const spec = lab.serverSpec(port);
      let proc: RunningProcess;
      if (name === 'no auth') {
        proc = await lab.startServer('feast-no-auth', spec, withoutAuth(lab.featureStoreYaml));
      } else if (name === 'Feast defaults') {
        // `feast serve` itself, with Feast's own --max-requests.
        const args = spec.args.slice(spec.args.indexOf('serve'));
        const i = args.indexOf('--max-requests');
        const stock = i >= 0 ? [...args.slice(0, i), ...args.slice(i + 2)] : args;
        proc = await lab.startServer('feast-defaults', {
          ...spec,
          command: join(spec.env.VIRTUAL_ENV, 'bin', 'feast'),
          args: stock,
        });
      } else {
        proc = await lab.startServer('feast-ours', spec);
      }
      servers.push({ name, port, proc });
    }
    const token = await lab.oidc.token('learner');
    lab.secrets.push(token);
    const load = (server: (typeof servers)[number], secs: number) =>
      runLoad({
        port: server.port,
        concurrency,
        seconds: secs,
        next: () => onlineRead(token),
        serverPid: server.proc.child.pid!,
      });
    for (const server of servers) await load(server, 3); // warm-up
    // `--py-spy <binary>`: each server's workers sampled during round 1 (raw stacks in the log dir).
    const pySpy = process.argv.includes('--py-spy') ? cliArg('py-spy', '') : undefined;
    if (pySpy) console.log(`profiles of round 1 in ${lab.logDir}`);
    for (let round = 1; round <= rounds; round++) {
      const order = servers.map((_, i) => servers[(i + round - 1) % servers.length]);
      for (const server of order) {
        const profile =
          pySpy && round === 1
            ? pySpyRecord(
                pySpy,
                descendants(server.proc.child.pid!),
                Math.max(1, seconds - 2),
                join(lab.logDir, `profile-${server.name.replaceAll(' ', '-')}`),
              )
            : Promise.resolve();
        const r: RoundResult = { server: server.name, round, ...(await load(server, seconds)) };
        await profile;
        results.push(r);
        console.log(formatRound(r));
      }
    }
  } finally {
    await lab.close();
  }
  const summary = summariseRounds(results, FEAST_SERVERS);
  console.log(
    `\nFeast, shape ${shape}, ${concurrency} clients, ${rounds} interleaved rounds of ${seconds} s; medians (min–max):\n`,
  );
  for (const line of formatSummary(summary)) console.log(line);
  const bad = summary.filter((s) => s.errors > 0 || s.resets > 0);
  if (bad.length > 0) {
    console.log(`\nErrors or resets in: ${bad.map((s) => s.server).join(', ')}; this run is not valid.`);
  }
  process.exitCode = bad.length > 0 ? 1 : 0;
}

// Run only as a script: test/scripts/bench-feast.test.ts imports onlineRead().
if (require.main === module) void main();
