/**
 * Kubernetes labels and the one uid every lab container runs as. The charts set them, the
 * NetworkPolicies select on them, and the images create the user.
 */

/**
 * The uid and gid of every lab container. `images/mlflow/Dockerfile` and `images/feast/Dockerfile`
 * create this user; the pod security contexts run as it.
 */
export const LAB_UID = 10001;

/** The label that names a workload; Services, PDBs and NetworkPolicies select on it. */
export const APP_NAME_LABEL = 'app.kubernetes.io/name';

/** `app.kubernetes.io/part-of` on every object of the product. */
export const PART_OF_LABELS: Readonly<Record<string, string>> = { 'app.kubernetes.io/part-of': 'cohort-lab' };

/** Labels of one workload's objects and pods: its `app.kubernetes.io/name` plus {@link PART_OF_LABELS}. */
export function appLabels(name: string, extra: Record<string, string> = {}): Record<string, string> {
  return { [APP_NAME_LABEL]: name, ...extra, ...PART_OF_LABELS };
}

/** Label that marks a learner namespace; MLflow and Feast accept traffic from pods in such namespaces. */
export const LEARNER_NAMESPACE_LABEL = 'cohort-lab.io/learner';
/** Label on a learner namespace that carries the learner's slug. */
export const LEARNER_SLUG_LABEL = 'cohort-lab.io/learner-slug';
/** Label Kubernetes puts on every namespace with its own name (selectors use it). */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
