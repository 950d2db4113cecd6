/**
 * How the lab's services are doing: each recorded process probed (is it the same process, does it
 * answer), and the health table `up` and `status` print. Rendering is pure.
 */
import { LAB_SERVICES } from './ports';
import { ServiceRecord } from './state';
import { tcpOpen } from './processes';
import { isRunning } from './pids';

/** A service's state in the table. */
export type ServiceState = 'up' | 'not answering' | 'dead';

/** One row of the health table. */
export interface HealthRow {
  readonly service: string;
  readonly url: string;
  readonly pid: number | undefined;
  readonly state: ServiceState;
  /** Seconds it took to start. */
  readonly startSeconds: number | undefined;
}

/** Probe one recorded process: alive (same pid and start time) and answering on its port. */
export async function probeService(record: ServiceRecord): Promise<ServiceState> {
  if (!isRunning(record)) return 'dead';
  if (record.url?.startsWith('http')) {
    try {
      const res = await fetch(`${record.url}${healthPath(record.name)}`, {
        signal: AbortSignal.timeout(3000),
      });
      await res.arrayBuffer();
      return res.status < 500 ? 'up' : 'not answering';
    } catch {
      return 'not answering';
    }
  }
  if (record.port !== undefined) return (await tcpOpen(record.port)) ? 'up' : 'not answering';
  return 'up';
}

function healthPath(name: string): string {
  switch (name) {
    case 'moto':
      return '/moto-api/';
    case 'oidc':
      return '/.well-known/openid-configuration';
    case 'mlflow':
    case 'mlflow-pod':
    case 'feast':
      return '/health';
    default:
      return '/';
  }
}

/** The rows of `records`, probed, in the order people use them (MLflow and Feast first). */
export async function healthRows(records: readonly ServiceRecord[]): Promise<HealthRow[]> {
  const rank = (name: string) => {
    const i = (LAB_SERVICES as readonly string[]).indexOf(name);
    return i < 0 ? LAB_SERVICES.length : i;
  };
  const ordered = [...records].sort((a, b) => rank(a.name) - rank(b.name));
  return Promise.all(
    ordered.map(async (r) => ({
      service: r.name,
      url: r.url ?? (r.port !== undefined ? `127.0.0.1:${r.port}` : ''),
      pid: r.pid,
      state: await probeService(r),
      startSeconds: r.readySeconds,
    })),
  );
}

/** The health table: service, URL, pid, state, start time in seconds. Pure. */
export function renderHealthTable(rows: readonly HealthRow[]): string {
  const header = ['SERVICE', 'URL', 'PID', 'STATE', 'START (s)'];
  const cells = rows.map((r) => [
    r.service,
    r.url,
    r.pid === undefined ? '-' : String(r.pid),
    r.state,
    r.startSeconds === undefined ? '-' : r.startSeconds.toFixed(1),
  ]);
  return renderTable(header, cells, [2, 4]);
}

/** A plain-text table: columns two spaces apart, those in `rightAligned` (by index) aligned right. Pure. */
export function renderTable(
  header: readonly string[],
  cells: readonly string[][],
  rightAligned: readonly number[],
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: readonly string[]) =>
    c
      .map((v, i) => (rightAligned.includes(i) ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), ...cells.map(line)].join('\n');
}
