/**
 * Reading synthesised manifests: everything that runs the charts' containers locally (the
 * integration tests, the benchmark) takes each workload's command, args, env and mounted files
 * from the very objects the charts emit, never from a copy.
 */
import { Chart } from 'cdk8s';

export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [k: string]: unknown };
  readonly [k: string]: unknown;
}

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: {
    readonly secretKeyRef?: { readonly name: string; readonly key: string; readonly optional?: boolean };
    readonly configMapKeyRef?: { readonly name: string; readonly key: string; readonly optional?: boolean };
  };
}

export interface VolumeMount {
  readonly name: string;
  readonly mountPath: string;
  readonly readOnly?: boolean;
  readonly subPath?: string;
}

export interface Container {
  readonly name: string;
  readonly image: string;
  readonly command?: string[];
  readonly args?: string[];
  readonly env?: EnvVar[];
  /** Whole ConfigMaps or Secrets as environment variables, one per key. */
  readonly envFrom?: Array<{
    readonly configMapRef?: { readonly name: string };
    readonly secretRef?: { readonly name: string };
  }>;
  readonly volumeMounts?: VolumeMount[];
  readonly readinessProbe?: { readonly exec?: { readonly command: string[] } };
  readonly [k: string]: unknown;
}

export interface Volume {
  readonly name: string;
  readonly configMap?: { readonly name: string; readonly items?: Array<{ key: string; path: string }> };
  readonly secret?: { readonly secretName: string; readonly items?: Array<{ key: string; path: string }> };
  readonly emptyDir?: Record<string, unknown>;
}

export interface PodSpec {
  readonly containers: Container[];
  readonly initContainers?: Container[];
  readonly volumes?: Volume[];
  readonly [k: string]: unknown;
}

/** Every object of the given charts, as plain JSON (what `kubectl apply` would receive). */
export function objectsOf(...charts: Chart[]): K8sObject[] {
  return charts.flatMap((c) => c.toJson() as K8sObject[]);
}

/** The one object of `kind` whose name is `name` (or starts with it, for hashed Job names). */
export function find(objects: readonly K8sObject[], kind: string, name: string): K8sObject {
  const hits = objects.filter(
    (o) => o.kind === kind && (o.metadata.name === name || o.metadata.name.startsWith(`${name}-`)),
  );
  if (hits.length !== 1) {
    throw new Error(
      `expected one ${kind} named ${name}, found ${hits.map((h) => h.metadata.name).join(', ') || 'none'}`,
    );
  }
  return hits[0];
}

/** The pod template spec of a Deployment, StatefulSet, Job or CronJob (its Job template's). */
export function podSpecOf(workload: K8sObject): PodSpec {
  if (workload.kind === 'CronJob') {
    return (workload.spec as { jobTemplate: { spec: { template: { spec: PodSpec } } } }).jobTemplate.spec
      .template.spec;
  }
  const spec = workload.spec as { template: { spec: PodSpec } };
  return spec.template.spec;
}

/** A container (or init container) of a pod spec by name. */
export function containerOf(pod: PodSpec, name: string): Container {
  const c = [...(pod.initContainers ?? []), ...pod.containers].find((x) => x.name === name);
  if (!c) {
    throw new Error(`no container named ${name}`);
  }
  return c;
}
