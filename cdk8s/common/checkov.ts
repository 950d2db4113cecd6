// checkov's Kubernetes checks run on every manifest in CI (scripts/validate-manifests.sh); a
// workload that must fail one says so on itself, with the reason, the way a cdk-nag
// acknowledgement sits on its resource. This file holds those exceptions and the annotation.
import { ImageSource } from './values';

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
