/**
 * The local Kubernetes control plane of scripts/k8s-control-plane.sh, from TypeScript: attach to
 * the one a developer or scripts/test-all.sh started, or start a private one (its own state
 * directory, so its etcd holds nothing but what its user applies) and stop it afterwards.
 */
import { execFileSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'fs';
import { request } from 'https';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { REPO_ROOT } from './container';
import { KubeClient, loadKubeconfig } from './kube-api';

export const CONTROL_PLANE_SCRIPT = join(REPO_ROOT, 'scripts', 'k8s-control-plane.sh');

/** A running control plane. */
export interface ControlPlane {
  /** Its state directory (certificates, etcd data, logs). */
  readonly dir: string;
  /** The admin's kubeconfig (group system:masters). */
  readonly kubeconfig: string;
  /** Seconds its `start` took (processes up, CRDs established, controllers working). */
  readonly startSeconds?: number;
  /** A client as the admin. */
  client(maxSockets?: number): KubeClient;
  /** A client for user `name` in `groups`, with a bearer token the cluster's token webhook knows (as EKS authenticates its users). */
  clientAs(name: string, groups?: readonly string[]): KubeClient;
  /** Size of etcd's database file (member/snap/db), in bytes. */
  etcdDbBytes(): number;
  /** Bytes of that file etcd uses (metric etcd_mvcc_db_total_size_in_use_in_bytes). */
  etcdDbBytesInUse(): Promise<number>;
  /** Stop it if this handle started it; a no-op for an attached one. */
  stop(): void;
}

function script(dir: string, ...args: string[]): string {
  return execFileSync('bash', [CONTROL_PLANE_SCRIPT, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, COHORT_LAB_K8S_DIR: dir },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 1024 * 1024,
  });
}

function handle(dir: string, owned: boolean): ControlPlane {
  const kubeconfig = join(dir, 'admin.kubeconfig');
  const seconds = join(dir, 'start-seconds');
  return {
    dir,
    kubeconfig,
    startSeconds: existsSync(seconds) ? Number(readFileSync(seconds, 'utf8')) : undefined,
    client: (maxSockets) => new KubeClient(loadKubeconfig(kubeconfig), maxSockets),
    clientAs: (name, groups = []) =>
      new KubeClient(loadKubeconfig(script(dir, 'user', name, ...groups).trim())),
    etcdDbBytes: () => statSync(join(dir, 'etcd', 'member', 'snap', 'db')).size,
    etcdDbBytesInUse: async () => {
      const metrics = await etcdMetrics(dir);
      const m = /^etcd_mvcc_db_total_size_in_use_in_bytes (\S+)$/m.exec(metrics);
      if (!m) throw new Error('etcd /metrics has no etcd_mvcc_db_total_size_in_use_in_bytes');
      return Number(m[1]);
    },
    stop: () => {
      if (!owned) return;
      script(dir, 'stop');
      // The temporary directory startControlPlane made around the state directory.
      rmSync(dirname(dir), { recursive: true, force: true });
    },
  };
}

/** etcd's /metrics, read with the API server's etcd client certificate. */
function etcdMetrics(dir: string): Promise<string> {
  const pki = (f: string) => readFileSync(join(dir, 'pki', f));
  const port = Number(readFileSync(join(dir, 'etcd.port'), 'utf8'));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/metrics',
        ca: pki('ca.crt'),
        cert: pki('apiserver-etcd-client.crt'),
        key: pki('apiserver-etcd-client.key'),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The running control plane of `dir` (default: the script's), or undefined. */
export function attachControlPlane(dir = defaultStateDir()): ControlPlane | undefined {
  try {
    script(dir, 'env');
  } catch {
    return undefined;
  }
  return handle(dir, false);
}

/** Start a control plane of its own in a fresh state directory (building it first if needed). */
export function startControlPlane(): ControlPlane {
  const dir = join(mkdtempSync(join(tmpdir(), 'cohort-lab-k8s-')), 'state');
  script(dir, 'start');
  return handle(dir, true);
}

/** The running one (COHORT_LAB_K8S_DIR or the script's default), else a private one. */
export function controlPlane(): ControlPlane {
  return attachControlPlane() ?? startControlPlane();
}

function defaultStateDir(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  return process.env.COHORT_LAB_K8S_DIR ?? join(process.env.TMPDIR ?? '/tmp', `cohort-lab-k8s-${uid}`);
}
