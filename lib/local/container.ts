/**
 * Turns a container of a synthesised pod spec into a local process: the same command, args and
 * env, with mounted ConfigMaps/Secrets written to a directory of the caller's and their paths
 * rewritten.
 *
 * What stands in for what has no local equivalent:
 * - the image: the image's pinned requirements installed in `.venvs/<image>`, and the Dockerfile's
 *   own `ENV` lines with `/opt/venv` and `/opt/cohort-lab` mapped to that venv and `images/<image>`
 *   (a lab directory the Dockerfile copies, `COPY labs/<x> <dest>`, maps `<dest>` to `labs/<x>`);
 * - the External Secrets Operator: `secrets` gives the values the synced Kubernetes Secrets would
 *   hold;
 * - EKS Pod Identity: `extraEnv` gives moto's endpoint and dummy keys.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { Container, find, K8sObject, PodSpec } from './manifest';

/** The repository root: the images' Dockerfiles and the venvs that stand in for them live there. */
export const REPO_ROOT = join(__dirname, '..', '..');

/** Values of the Kubernetes Secrets the pod reads, by Secret name then key. */
export type SecretValues = Record<string, Record<string, string>>;

export interface ProcessSpec {
  readonly command: string;
  readonly args: string[];
  readonly env: Record<string, string>;
  readonly cwd: string;
  /** Mount path in the pod -> local directory. */
  readonly mounts: Record<string, string>;
}

export interface ContainerProcessOptions {
  readonly objects: readonly K8sObject[];
  readonly pod: PodSpec;
  readonly container: Container;
  /**
   * `mlflow` or `feast`: picks `.venvs/<image>` and `images/<image>/Dockerfile`.
   * @default - no image stand-in: the command is found on PATH (e.g. Debian's redis-server for
   *   the Redis image)
   */
  readonly image?: string;
  readonly secrets: SecretValues;
  /** Directory the pod's mounts are created under. */
  readonly root: string;
  /** Test-only additions (moto endpoint, dummy AWS keys); never overrides a manifest value. */
  readonly extraEnv?: Record<string, string>;
  /** Replace the value after a flag, e.g. `{ '--port': '15000' }`, to run on a free port. */
  readonly argOverrides?: Record<string, string>;
}

/** The Dockerfile's `ENV` settings, with image paths mapped to their local stand-ins. */
export function dockerfileEnv(image: string): Record<string, string> {
  const text = readFileSync(join(REPO_ROOT, 'images', image, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^ENV\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    for (const pair of m[1].match(/[A-Za-z_][A-Za-z0-9_]*=("[^"]*"|\S*)/g) ?? []) {
      const i = pair.indexOf('=');
      env[pair.slice(0, i)] = pair.slice(i + 1).replace(/^"|"$/g, '');
    }
  }
  const venv = join(REPO_ROOT, '.venvs', image);
  // A lab copied into the image (images/monitoring: `COPY labs/monitoring /opt/cohort-lab/monitoring`).
  const labCopies = [...text.matchAll(/^COPY\s+(labs\/[^\s]+)\s+(\/opt\/cohort-lab\/[^\s]+)\s*$/gm)];
  const mapPath = (v: string) =>
    labCopies
      .reduce((s, [, src, dest]) => s.split(dest).join(join(REPO_ROOT, src)), v)
      .replace(/\/opt\/venv/g, venv)
      .replace(/\/opt\/cohort-lab/g, join(REPO_ROOT, 'images', image))
      .replace(/\$PATH/g, process.env.PATH ?? '');
  for (const k of Object.keys(env)) {
    env[k] = mapPath(env[k]);
  }
  return env;
}

/** Build the local process for one container (pure apart from writing the mounted files). */
export function containerProcess(opts: ContainerProcessOptions): ProcessSpec {
  const { container, pod, objects, secrets, root } = opts;
  const mounts: Record<string, string> = {};
  for (const m of container.volumeMounts ?? []) {
    const volume = (pod.volumes ?? []).find((v) => v.name === m.name);
    if (!volume) throw new Error(`${container.name}: mount ${m.name} has no volume`);
    const dir = join(root, container.name, m.mountPath);
    mkdirSync(dir, { recursive: true });
    if (volume.configMap) {
      const cm = find(objects, 'ConfigMap', volume.configMap.name) as K8sObject & {
        data: Record<string, string>;
      };
      writeItems(dir, cm.data, volume.configMap.items);
    } else if (volume.secret) {
      const data = secrets[volume.secret.secretName];
      if (!data) throw new Error(`${container.name}: no test value for Secret ${volume.secret.secretName}`);
      writeItems(dir, data, volume.secret.items);
    } else if (!volume.emptyDir) {
      throw new Error(`${container.name}: volume ${volume.name} has a type the harness does not run`);
    }
    mounts[m.mountPath] = dir;
  }
  // Longest mount path first so /etc/mlflow/x is not rewritten by /etc.
  const ordered = Object.keys(mounts).sort((a, b) => b.length - a.length);
  const remap = (v: string) => {
    for (const p of ordered) {
      if (v === p || v.startsWith(`${p}/`)) return mounts[p] + v.slice(p.length);
    }
    return v;
  };

  const env: Record<string, string> = opts.image
    ? { ...dockerfileEnv(opts.image) }
    : { PATH: process.env.PATH ?? '' };
  // envFrom first: Kubernetes lets an `env` entry override a key of `envFrom`.
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef) {
      const cm = find(objects, 'ConfigMap', from.configMapRef.name) as K8sObject & {
        data: Record<string, string>;
      };
      Object.assign(env, cm.data);
    } else if (from.secretRef) {
      const data = secrets[from.secretRef.name];
      if (!data) throw new Error(`${container.name}: no test value for Secret ${from.secretRef.name}`);
      Object.assign(env, data);
    }
  }
  for (const e of container.env ?? []) {
    env[e.name] = remap(resolveEnv(e, objects, secrets, container.name));
  }
  const manifestNames = new Set([
    ...(container.env ?? []).map((e) => e.name),
    ...(container.envFrom ?? []).flatMap((from) =>
      from.configMapRef
        ? Object.keys((find(objects, 'ConfigMap', from.configMapRef.name) as { data?: object }).data ?? {})
        : Object.keys((from.secretRef && secrets[from.secretRef.name]) ?? {}),
    ),
  ]);
  for (const [k, v] of Object.entries(opts.extraEnv ?? {})) {
    if (k in env && manifestNames.has(k)) {
      throw new Error(`extraEnv ${k} would override the manifest`);
    }
    env[k] = v;
  }
  // Kubernetes expands $(VAR) references in command and args from the container env.
  const expand = (s: string) =>
    s.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (all, name: string) => env[name] ?? all);
  const argv = [...(container.command ?? []), ...(container.args ?? [])].map(expand).map(remap);
  for (const [flag, value] of Object.entries(opts.argOverrides ?? {})) {
    const i = argv.indexOf(flag);
    if (i < 0) throw new Error(`${container.name}: no ${flag} in the manifest's args`);
    argv[i + 1] = value;
  }
  if (argv.length === 0) throw new Error(`${container.name}: the manifest gives no command`);
  const workDir = (container.workingDir as string | undefined) ?? root;
  mkdirSync(remap(workDir), { recursive: true });
  return { command: argv[0], args: argv.slice(1), env, cwd: remap(workDir), mounts };
}

function resolveEnv(
  e: {
    name: string;
    value?: string;
    valueFrom?: Record<string, { name: string; key: string; optional?: boolean }>;
  },
  objects: readonly K8sObject[],
  secrets: SecretValues,
  container: string,
): string {
  if (e.value !== undefined) return e.value;
  const secretRef = e.valueFrom?.secretKeyRef;
  if (secretRef) {
    const v = secrets[secretRef.name]?.[secretRef.key];
    if (v === undefined)
      throw new Error(`${container}: env ${e.name} needs Secret ${secretRef.name}.${secretRef.key}`);
    return v;
  }
  const cmRef = e.valueFrom?.configMapKeyRef;
  if (cmRef) {
    const cm = find(objects, 'ConfigMap', cmRef.name) as K8sObject & { data: Record<string, string> };
    return cm.data[cmRef.key];
  }
  throw new Error(`${container}: env ${e.name} has a source the harness does not resolve`);
}

function writeItems(
  dir: string,
  data: Record<string, string>,
  items?: Array<{ key: string; path: string }>,
): void {
  const entries = items ? items.map((i) => [i.path, data[i.key]] as const) : Object.entries(data);
  for (const [path, content] of entries) {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content, { mode: 0o600 });
  }
}
