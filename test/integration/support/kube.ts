/**
 * What the control-plane test reads back from the API server: label selectors as the API defines
 * them, the pods the controllers made for a workload, and pods a learner's job would be.
 */
import { KubeClient } from '../../../lib/local/kube-api';
import { K8sObject } from '../../../lib/local/manifest';

export interface LabelSelector {
  readonly matchLabels?: Record<string, string>;
  readonly matchExpressions?: ReadonlyArray<{
    readonly key: string;
    readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    readonly values?: readonly string[];
  }>;
}

/** Whether `labels` match `selector` (metav1.LabelSelector; `{}` matches everything). */
export function selects(selector: LabelSelector, labels: Readonly<Record<string, string>> = {}): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const inValues = has && (e.values ?? []).includes(labels[e.key]);
    const ok =
      e.operator === 'In'
        ? inValues
        : e.operator === 'NotIn'
          ? !inValues
          : e.operator === 'Exists'
            ? has
            : !has;
    if (!ok) return false;
  }
  return true;
}

export interface Pod extends K8sObject {
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly uid?: string;
    readonly labels?: Record<string, string>;
    readonly ownerReferences?: ReadonlyArray<{ kind: string; name: string }>;
  };
  readonly spec: {
    readonly containers: ReadonlyArray<{
      readonly name: string;
      readonly resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
    }>;
  };
  readonly status?: { readonly phase?: string };
}

/** `<namespace>/<name>` of each pod, sorted. */
export function podNames(pods: readonly Pod[]): string[] {
  return pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort();
}

/** The pods the controllers made for a Deployment (through its ReplicaSets) or a Job. */
export async function podsOf(client: KubeClient, workload: K8sObject): Promise<Pod[]> {
  const namespace = workload.metadata.namespace!;
  const pods = await client.list<Pod>('v1', 'Pod', { namespace });
  const owned = (pod: Pod, kind: string, names: readonly string[]) =>
    (pod.metadata.ownerReferences ?? []).some((o) => o.kind === kind && names.includes(o.name));
  if (workload.kind === 'Job') {
    return pods.filter((p) => owned(p, 'Job', [workload.metadata.name]));
  }
  const sets = await client.list<Pod>('apps/v1', 'ReplicaSet', { namespace });
  const mine = sets
    .filter((rs) => (rs.metadata.ownerReferences ?? []).some((o) => o.name === workload.metadata.name))
    .map((rs) => rs.metadata.name);
  return pods.filter((p) => owned(p, 'ReplicaSet', mine));
}

/** Wait until `check` returns a value that is not undefined, or fail with `what`'s last state. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 90_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`${what}: not so after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Container settings Pod Security `restricted` asks for. */
const RESTRICTED_CONTAINER = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  readOnlyRootFilesystem: true,
};

/** A pod as {@link labPod} writes it, for a test to spoil. */
export interface PodDoc {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: {
    serviceAccountName: string;
    automountServiceAccountToken: boolean;
    securityContext: Record<string, unknown>;
    containers: Array<{ name: string; securityContext: Record<string, unknown>; [k: string]: unknown }>;
    volumes?: unknown[];
  };
}

/**
 * A pod a learner's job would be: the `lab` service account (EKS Pod Identity), the MLflow
 * settings and credentials through envFrom, and everything `restricted` asks for. `change` edits
 * it into a bad one.
 */
export function labPod(
  namespace: string,
  name: string,
  opts: { resources?: Record<string, unknown>; change?: (pod: PodDoc) => void } = {},
): K8sObject {
  const pod: PodDoc = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/name': 'lab-job' } },
    spec: {
      serviceAccountName: 'lab',
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'job',
          image: 'public.ecr.aws/docker/library/python:3.11.15-slim',
          command: ['python', '-c', 'print("training")'],
          envFrom: [
            { configMapRef: { name: 'mlflow-settings' } },
            { secretRef: { name: 'mlflow-credentials' } },
          ],
          securityContext: { ...RESTRICTED_CONTAINER },
          ...(opts.resources ? { resources: opts.resources } : {}),
        },
      ],
    },
  };
  opts.change?.(pod);
  return pod as unknown as K8sObject;
}

/** CPU quantity in millicores ("2", "500m", "1.5"). */
export function millicores(quantity: string): number {
  return quantity.endsWith('m') ? Number(quantity.slice(0, -1)) : Math.round(Number(quantity) * 1000);
}
