import { ApiObject, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';

/**
 * The lab's secure container defaults, applied to every container the charts create: a fixed
 * non-root uid/gid (the images create user 10001), read-only root filesystem, no privilege
 * escalation. Dropping ALL capabilities and seccomp `RuntimeDefault` are added by
 * {@link hardenPodSpec}, because cdk8s-plus-27 has no property for either (its Capability enum
 * has no `ALL`).
 */
export const LAB_UID = 10001;

/** Container security context of every lab container. */
export function restrictedSecurityContext(): kplus.ContainerSecurityContextProps {
  return {
    user: LAB_UID,
    group: LAB_UID,
    ensureNonRoot: true,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    privileged: false,
  };
}

/** Requests and limits, in millicores and MiB (units in the names, STYLE 4). */
export interface ContainerSizing {
  readonly cpuRequestMillis: number;
  readonly cpuLimitMillis: number;
  readonly memoryRequestMebibytes: number;
  readonly memoryLimitMebibytes: number;
  /** Scratch space (`/tmp` emptyDir and logs) the container may use; cdk8s-plus-27 takes whole GiB. */
  readonly ephemeralStorageLimitGibibytes: number;
}

/** Container resources from a {@link ContainerSizing}. */
export function resources(s: ContainerSizing): kplus.ContainerResources {
  return {
    cpu: { request: kplus.Cpu.millis(s.cpuRequestMillis), limit: kplus.Cpu.millis(s.cpuLimitMillis) },
    memory: {
      request: Size.mebibytes(s.memoryRequestMebibytes),
      limit: Size.mebibytes(s.memoryLimitMebibytes),
    },
    ephemeralStorage: { request: Size.gibibytes(1), limit: Size.gibibytes(s.ephemeralStorageLimitGibibytes) },
  };
}

/**
 * Hardening cdk8s-plus-27 cannot express: seccomp `RuntimeDefault` for the pod and every
 * container, and `capabilities.drop: [ALL]` on every container and init container. Call it after
 * the last container is added.
 */
export function hardenPodSpec(workload: kplus.Deployment | kplus.StatefulSet | kplus.Job): void {
  const patches = [
    JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
  ];
  const lists: Array<[string, number]> = [
    ['containers', workload.containers.length],
    ['initContainers', workload.initContainers.length],
  ];
  for (const [list, count] of lists) {
    for (let i = 0; i < count; i++) {
      const base = `/spec/template/spec/${list}/${i}/securityContext`;
      patches.push(JsonPatch.add(`${base}/capabilities`, { drop: ['ALL'] }));
      patches.push(JsonPatch.add(`${base}/seccompProfile`, { type: 'RuntimeDefault' }));
    }
  }
  ApiObject.of(workload).addJsonPatch(...patches);
}

/** A checkov Kubernetes check that a workload is exempt from, and why (checked by CI). */
export interface CheckovException {
  readonly id: string;
  readonly reason: string;
}

/** Exceptions every workload running our own images shares. */
export const OWN_IMAGE_EXCEPTIONS: readonly CheckovException[] = [
  {
    id: 'CKV_K8S_43',
    reason:
      'images are built by CDK at deploy time and addressed by their content-hash tag in the immutable CDK assets repository; no digest exists at synth time',
  },
];

/** Exception for workloads whose software only reads credentials from environment variables. */
export const ENV_SECRET_EXCEPTION: CheckovException = {
  id: 'CKV_K8S_35',
  reason:
    'libpq (PGPASSWORD) and MLflow (MLFLOW_FLASK_SERVER_SECRET_KEY) read these only from the environment; the values come from Secret references and are never in the manifest',
};

/** Exception for Feast, which expands `${FEAST_REDIS_PASSWORD}` in feature_store.yaml from its env. */
export const FEAST_ENV_SECRET_EXCEPTION: CheckovException = {
  id: 'CKV_K8S_35',
  reason:
    'Feast expands ${FEAST_REDIS_PASSWORD} in feature_store.yaml from the environment only; the value comes from a Secret reference and is never in the manifest',
};

/** Exception for a third-party image the cohort file names by tag rather than by digest. */
export const TAGGED_IMAGE_EXCEPTION: CheckovException = {
  id: 'CKV_K8S_43',
  reason:
    'the image is pinned by an exact version tag; a digest cannot be resolved offline at synth time, and the cohort file accepts image@sha256:... where a registry policy requires it',
};

/**
 * Record checkov exceptions on the object itself (`checkov.io/skipN` annotations), the way cdk-nag
 * acknowledgements sit on their resource; scripts/validate-manifests.sh fails on any other finding.
 */
export function acknowledgeCheckov(
  workload: { readonly metadata: { addAnnotation(k: string, v: string): void } },
  exceptions: readonly CheckovException[],
): void {
  exceptions.forEach((e, i) =>
    workload.metadata.addAnnotation(`checkov.io/skip${i + 1}`, `${e.id}=${e.reason}`),
  );
}
