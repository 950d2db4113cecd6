/**
 * What the `cohort-lab local` commands print. Pure: every function takes data and returns text;
 * no secret value is ever part of that data (credentials stay in their files).
 */
import { relative } from 'path';
import { HealthRow, renderHealthTable, renderTable } from '../../local/health';
import { ACCESS_LOGGED_SERVICES } from '../../local/log-metrics';
import { LabContext } from '../../local/lab';
import { LabRun } from '../../local/lab-start';
import { LabStatus } from '../../local/lab-status';
import { StopReport } from '../../local/lab-stop';
import { welcomeSheet } from '../../local/people';
import { LAB_SERVICES } from '../../local/ports';
import { describePostgres } from '../../local/postgres';
import { LabState } from '../../local/state';

/** A path as the user would type it from `cwd`. */
export function shown(path: string, cwd: string = process.cwd()): string {
  const rel = relative(cwd, path);
  return rel.startsWith('..') || rel === '' ? path : rel;
}

/** The header `up` prints before it starts anything. */
export function renderStarting(cohort: string, ctx: LabContext, firstRun: boolean, cwd?: string): string {
  const last = ctx.basePort + LAB_SERVICES.length - 1;
  const lines = [
    `Starting the local lab of ${cohort} in ${shown(ctx.stateDir, cwd)} (127.0.0.1, ports ${ctx.basePort}-${last})`,
  ];
  if (firstRun) {
    lines.push(
      'First run: PostgreSQL gets its own cluster (initdb) and a TLS certificate, the cohort gets its secrets and every',
      'person an MLflow user (through the rotation function), and Feast its registry and the sample features; later',
      'starts reuse all of it and take less.',
    );
  }
  return lines.join('\n');
}

/** What `up` prints once the lab runs: the health table, what to open, each person's sheet. */
export function renderReady(
  run: LabRun,
  ctx: LabContext,
  rows: readonly HealthRow[],
  detached: boolean,
  cwd?: string,
): string {
  const slowest = [...run.steps].sort((a, b) => b.seconds - a.seconds)[0];
  return [
    '',
    `The local lab of ${run.state.cohort} is up: ready in ${run.seconds.toFixed(1)} s` +
      `${run.firstRun ? ' (first run)' : ''}; slowest step: ${slowest.step} (${slowest.seconds.toFixed(1)} s).`,
    '',
    renderHealthTable(rows),
    ...postgresLine(run.state),
    '',
    'Open (this machine only):',
    `  MLflow UI and API  ${ctx.urls.mlflow}   sign in with a person's user name and password (their file below)`,
    `  Feast              ${ctx.urls.feast}   POST /get-online-features with "Authorization: Bearer <token>"`,
    '',
    `People (credentials in ${shown(ctx.layout.people, cwd)}/, one file each, mode 0600; never printed):`,
    ...run.people.map(({ person, file }) => welcomeSheet(person, ctx.urls, file, cwd ?? process.cwd())),
    '',
    detached
      ? 'Running in the background. `cohort-lab local status` shows it; `cohort-lab local down` stops it.'
      : 'Press Ctrl-C to stop the lab (or run `cohort-lab local down` elsewhere).',
  ].join('\n');
}

/** What `status` prints. */
export function renderStatus(status: LabStatus, ctx: LabContext, cwd?: string): string {
  const { state } = status;
  if (state === undefined)
    return `The local lab has never run in ${shown(ctx.stateDir, cwd)}. Start it with: cohort-lab local up`;
  if (status.rows.length === 0) {
    return `The local lab of ${state.cohort} is stopped${state.stoppedAt ? ` (since ${state.stoppedAt})` : ''}; its data is kept in ${shown(ctx.stateDir, cwd)}. Start it with: cohort-lab local up`;
  }
  const lines = [
    `The local lab of ${state.cohort} in ${shown(ctx.stateDir, cwd)}: ${state.status}` +
      `${state.startedAt ? ` since ${state.startedAt}` : ''}${state.supervisor ? ` (in the foreground, pid ${state.supervisor.pid})` : ''}`,
    '',
    renderHealthTable(status.rows),
    ...postgresLine(state),
    '',
    renderActivity(status.activity),
  ];
  for (const f of status.failing) {
    lines.push(
      '',
      `${f.service} is not up. The end of ${shown(f.log, cwd)} (secrets replaced by ***):`,
      indent(f.tail),
    );
  }
  if (status.failing.length > 0)
    lines.push('', 'Restart the lab: cohort-lab local down, then cohort-lab local up.');
  return lines.join('\n');
}

/**
 * What each service's log counts since its current start: requests, 5xx and failed logins (401)
 * where the service writes access lines (MLflow's server), counted as the cohort's CloudWatch metric
 * filters count them; error lines and tracebacks for every service.
 */
export function renderActivity(activity: LabStatus['activity']): string {
  const cells = activity.map(({ service, counts }) => {
    const access = ACCESS_LOGGED_SERVICES.includes(service);
    const n = (v: number) => (access ? String(v) : '-');
    return [
      service,
      n(counts.requests),
      n(counts.serverErrors),
      n(counts.failedLogins),
      String(counts.errorLines),
    ];
  });
  return [
    'Since each service started, from its log (`cohort-lab local logs <service>` follows one):',
    renderTable(['SERVICE', 'REQUESTS', '5XX', 'FAILED LOGINS', 'ERROR LINES'], cells, [1, 2, 3, 4]),
  ].join('\n');
}

/** What `down` prints. */
export function renderStopped(report: StopReport, ctx: LabContext, cwd?: string): string {
  const lines: string[] = [];
  if (report.stoppedBy !== undefined) {
    lines.push(`The foreground \`up\` (pid ${report.stoppedBy}) stopped the lab and saved what moto held.`);
  } else if (!report.wasRunning) {
    lines.push(`The local lab in ${shown(ctx.stateDir, cwd)} was not running.`);
  } else {
    lines.push(`Stopped: ${report.stopped.join(', ')}.`);
  }
  if (report.saved) {
    lines.push(
      `Saved what moto held: ${report.saved.objects} object(s) of the bucket, ${report.saved.secrets} secret(s).`,
    );
  }
  for (const p of report.problems) lines.push(`PROBLEM: ${p}`);
  if (report.problems.length === 0 && report.wasRunning)
    lines.push('No process of the lab is left, and none of its ports listens.');
  lines.push(
    report.purged
      ? `Purged: ${shown(ctx.stateDir, cwd)} is gone (database, artifacts, Feast registry, credentials).`
      : report.wasRunning || report.saved
        ? `The data stays in ${shown(ctx.stateDir, cwd)} for the next \`up\` (\`down --purge\` deletes it).`
        : '',
  );
  return lines.filter((l) => l.length > 0).join('\n');
}

/** Which PostgreSQL runs the lab's database, under the health table. */
function postgresLine(state: LabState): string[] {
  return state.postgres ? [`The database runs on ${describePostgres(state.postgres)}.`] : [];
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}
