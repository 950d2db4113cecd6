import { ApiObject, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { LAB_UID } from '../../lib/core';
import { ImageSource } from './values';

/**
 * Container security context of every lab container: the fixed non-root uid/gid the images
 * create ({@link LAB_UID}), read-only root filesystem, no privilege escalation. Dropping ALL
 * capabilities and seccomp `RuntimeDefault` are added by {@link hardenPodSpec}, because
 * cdk8s-plus-27 has no property for either (its Capability enum has no `ALL`).
 */
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

/**
 * Pod security context of every lab workload: non-root as {@link LAB_UID}; with `fsGroup` when
 * the pod mounts volumes its processes write (emptyDir scratch, data).
 */
export function restrictedPodSecurityContext(
  options: { readonly fsGroup?: boolean } = {},
): kplus.PodSecurityContextProps {
  return {
    ensureNonRoot: true,
    user: LAB_UID,
    group: LAB_UID,
    ...(options.fsGroup === false ? {} : { fsGroup: LAB_UID }),
  };
}

/** Requests and limits, in millicores and MiB (units in the names). */
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

/** Image-digest exception of an image CDK builds at deploy time (see {@link imageDigestExceptions}). */
export const CDK_ASSET_IMAGE_EXCEPTION: CheckovException = {
  id: 'CKV_K8S_43',
  reason:
    'images are built by CDK at deploy time and addressed by their content-hash tag in the immutable CDK assets repository; no digest exists at synth time',
};

/** Image-digest exception of a prebuilt image named by tag in `setting` (see {@link imageDigestExceptions}). */
export function prebuiltTagException(setting: string): CheckovException {
  return {
    id: 'CKV_K8S_43',
    reason: `the image is prebuilt and pinned by its tag, the operator's pin in ${setting}; a tag can be re-pushed and synth cannot resolve a digest offline, so image@sha256:<digest> there is recommended (it needs no exception)`,
  };
}

/**
 * The image-digest exception (checkov CKV_K8S_43) a workload needs, by where its image comes from:
 * - built by CDK: {@link CDK_ASSET_IMAGE_EXCEPTION}, its content-hash tag is the pin;
 * - prebuilt and named by tag: {@link prebuiltTagException}, the tag in `setting` is the pin;
 * - prebuilt and named by `@sha256:` digest: none, the check passes.
 * @param setting where the operator names the image, e.g. `the cohort file's feast.image`
 */
export function imageDigestExceptions(
  image: string,
  source: ImageSource,
  setting: string,
): CheckovException[] {
  if (source === ImageSource.CDK_ASSET) return [CDK_ASSET_IMAGE_EXCEPTION];
  if (image.includes('@sha256:')) return [];
  return [prebuiltTagException(setting)];
}

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
