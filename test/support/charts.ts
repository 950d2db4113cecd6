import { App, Chart } from 'cdk8s';
import { ChartValues, chartValues, ImageSource, InfraValues } from '../../cdk8s';
import { CohortConfig } from '../../lib/config';

/** Infrastructure values of the chart tests (what the apps stack passes as tokens). */
export const TEST_INFRA: InfraValues = {
  region: 'eu-west-1',
  artifactBucketName: 'cohortlab-test-artifacts',
  vpcCidr: '10.80.0.0/16',
  database: { host: 'db.cohortlab.internal', port: 5432, sslMode: 'require' },
  images: {
    mlflow: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/cohort-lab-mlflow:3.17.2-1',
    feast: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/cohort-lab-feast:0.67.0-1',
  },
  imageSources: { mlflow: ImageSource.ENVIRONMENT_FILE, feast: ImageSource.ENVIRONMENT_FILE },
  oidc: {
    discoveryUrl:
      'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TEST/.well-known/openid-configuration',
    issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TEST',
  },
  secretStoreName: 'cohort-secrets-manager',
};

export function testValues(config: CohortConfig, infra: Partial<InfraValues> = {}): ChartValues {
  return chartValues(config, { ...TEST_INFRA, ...infra });
}

/** A new cdk8s App for chart tests. */
export function chartApp(): App {
  return new App();
}

/**
 * An empty chart set up like the lab's charts (no name hashes), to test one builder of a chart on
 * its own: the builders add their objects to the chart they are given.
 */
export function emptyChart(id: string): Chart {
  return new Chart(chartApp(), id, { disableResourceNameHashes: true });
}

/** The construct IDs of a chart's children, in creation order (they are a contract). */
export function childIds(chart: Chart): string[] {
  return chart.node.children.map((c) => c.node.id);
}

export interface K8s {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  readonly [k: string]: unknown;
}

/** The objects of a chart as plain JSON. */
export function objects(chart: Chart): K8s[] {
  return chart.toJson() as K8s[];
}

/** Objects of one kind. */
export function ofKind(all: readonly K8s[], kind: string): K8s[] {
  return all.filter((o) => o.kind === kind);
}

/** The single object of a kind and name. */
export function one(all: readonly K8s[], kind: string, name: string): K8s {
  const hits = all.filter((o) => o.kind === kind && o.metadata.name === name);
  if (hits.length !== 1) throw new Error(`expected one ${kind}/${name}, got ${hits.length}`);
  return hits[0];
}

export interface ContainerJson {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
  securityContext?: Record<string, unknown>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readinessProbe?: Record<string, unknown>;
  livenessProbe?: Record<string, unknown>;
  startupProbe?: Record<string, unknown>;
}

/** Every container and init container of every workload in `all`, with its workload. */
export function allContainers(
  all: readonly K8s[],
): Array<{ workload: K8s; container: ContainerJson; init: boolean; pod: Record<string, unknown> }> {
  const out: Array<{ workload: K8s; container: ContainerJson; init: boolean; pod: Record<string, unknown> }> =
    [];
  for (const w of all.filter((o) => ['Deployment', 'StatefulSet', 'Job', 'DaemonSet'].includes(o.kind))) {
    const pod = (w.spec as { template: { spec: Record<string, unknown> } }).template.spec;
    for (const c of (pod.containers as ContainerJson[]) ?? [])
      out.push({ workload: w, container: c, init: false, pod });
    for (const c of (pod.initContainers as ContainerJson[]) ?? [])
      out.push({ workload: w, container: c, init: true, pod });
  }
  return out;
}

/**
 * What every container's securityContext must hold (Pod Security `restricted` plus our image's
 * uid). Written out here, not imported from cdk8s/common/hardening.ts, so a change there has to be
 * deliberate in both places.
 */
export const HARDENED_CONTAINER_CONTEXT = {
  runAsNonRoot: true,
  runAsUser: 10001,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  privileged: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
} as const;
