/**
 * A cohort's manifests as the product applies them to a cluster, for the local control plane:
 * `bin/manifests.ts` writes one file per chart in apply order (namespaces, mlflow, feast, then one
 * per learner); each file is what one KubernetesManifest of the apps or learners-N stacks applies.
 * Applying and deleting follow kubectl: objects in file order, one request each.
 */
import { execFileSync } from 'child_process';
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './container';
import { KubeClient } from './kube-api';
import { K8sObject } from './manifest';

/** One chart's file: what one KubernetesManifest applies. */
export interface ChartManifest {
  /** The chart id: `namespaces`, `mlflow`, `feast`, `learner-<slug>`. */
  readonly chart: string;
  readonly file: string;
  readonly objects: K8sObject[];
}

/** Options of {@link synthCohortManifests}. */
export interface SynthOptions {
  /** Environment file with the cluster's AWS-side values. @default cohorts/demo.environment.json */
  readonly environmentFile?: string;
  /** The date the expiry is checked against (YYYY-MM-DD). */
  readonly today?: string;
}

/** Run the standalone manifests command (bin/manifests.ts) for `cohortFile` into `outDir`. */
export function synthCohortManifests(
  cohortFile: string,
  outDir: string,
  opts: SynthOptions = {},
): ChartManifest[] {
  execFileSync(join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), [join(REPO_ROOT, 'bin', 'manifests.ts')], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      COHORT_FILE: cohortFile,
      COHORT_ENVIRONMENT: opts.environmentFile ?? join(REPO_ROOT, 'cohorts', 'demo.environment.json'),
      ...(opts.today ? { COHORT_TODAY: opts.today } : {}),
      CDK8S_OUTDIR: outDir,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return readManifests(outDir);
}

/** The `NNNN-<chart>.k8s.yaml` files of `dir`, in their order. */
export function readManifests(dir: string): ChartManifest[] {
  return readdirSync(dir)
    .map((f) => /^(\d+)-(.+)\.k8s\.yaml$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(a[1]) - Number(b[1]))
    .map((m) => {
      const file = join(dir, m[0]);
      const objects = parseAllDocuments(readFileSync(file, 'utf8'))
        .map((d) => d.toJS() as K8sObject | null)
        .filter((o): o is K8sObject => o !== null);
      return { chart: m[2], file, objects };
    });
}

/** What the server said to one applied object. */
export interface Applied {
  readonly object: K8sObject;
  readonly warnings: string[];
}

/** Server-side apply of every object of `manifest`, in order (strict field validation). */
export async function applyManifest(client: KubeClient, manifest: ChartManifest): Promise<Applied[]> {
  const applied: Applied[] = [];
  for (const object of manifest.objects) {
    const res = await client.apply(object);
    applied.push({ object, warnings: res.warnings });
  }
  return applied;
}

/**
 * What the kubectl provider does when a KubernetesManifest is deleted: `kubectl delete -f` of the
 * manifest, i.e. every object in file order (already-gone objects are reported and skipped, and
 * the provider only logs the error), cascading in the background, then waiting until each object
 * is gone. Returns the objects that existed.
 */
export async function deleteManifest(
  client: KubeClient,
  manifest: ChartManifest,
  timeoutMs = 120_000,
): Promise<K8sObject[]> {
  const deleted: K8sObject[] = [];
  for (const object of manifest.objects) {
    const ref = { ...object, name: object.metadata.name, namespace: object.metadata.namespace };
    if (await client.delete(ref)) deleted.push(object);
  }
  const until = Date.now() + timeoutMs;
  for (const object of deleted) {
    const ref = { ...object, name: object.metadata.name, namespace: object.metadata.namespace };
    while ((await client.get(ref)) !== undefined) {
      if (Date.now() > until) {
        throw new Error(
          `${object.kind} ${object.metadata.name} still exists ${timeoutMs / 1000} s after its delete`,
        );
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return deleted;
}

/** Run `work` over `items` with at most `concurrency` at once; results in the items' order. */
export async function inParallel<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
