/**
 * Enums shared by the config, the constructs and the stacks. Each names a choice a cohort file
 * makes; the value is the word the cohort file uses.
 */

/** What happens to the cohort's artifacts (the S3 bucket) when the environment is torn down. */
export enum ArtifactRetention {
  /** The bucket and every object version stay in the account after the stacks are deleted. */
  RETAIN = 'retain',
  /** The bucket stays (like RETAIN) until `cohort-lab export` has copied it out; ops then delete it. */
  EXPORT = 'export',
  /** Deleting the stack empties and deletes the bucket. Sandboxes only. */
  DELETE = 'delete',
}

/** How the private subnets of the cohort VPC reach the internet (images, Helm charts, AWS APIs). */
export enum Egress {
  /** One managed NAT gateway in the first AZ: no instance to run, scales on its own. */
  NAT_GATEWAY = 'nat-gateway',
  /**
   * One small EC2 NAT instance in the first AZ: about a tenth of a NAT gateway's hourly price (a
   * fifth once the public IPv4 address both need is counted) and no per-GB processing charge, at
   * the cost of a single instance nobody patches for you (docs/cluster.md).
   */
  NAT_INSTANCE = 'nat-instance',
}

/** Who can reach the Kubernetes API endpoint of the cohort cluster. */
export enum ApiEndpointAccess {
  /** Only from inside the cohort VPC (nodes, the kubectl Lambda, anything peered or tunnelled in). */
  PRIVATE = 'private',
  /**
   * From inside the VPC and, over the internet, from the listed CIDR blocks only. Nodes still use
   * the private endpoint.
   */
  PUBLIC = 'public',
}

/** What deleting the stack does to a database: keep a final snapshot, or nothing. */
export enum DatabaseRemoval {
  /** A final snapshot is taken before the instance goes. */
  SNAPSHOT = 'snapshot',
  /** The instance goes with nothing kept. */
  DESTROY = 'destroy',
}

/** MLflow basic-auth permission levels, as MLflow names them (NO_PERMISSIONS last). */
export const MLFLOW_PERMISSIONS = ['READ', 'EDIT', 'MANAGE', 'NO_PERMISSIONS'] as const;

/** One of {@link MLFLOW_PERMISSIONS}. */
export type MlflowPermission = (typeof MLFLOW_PERMISSIONS)[number];

/** MLflow's permission on resources nobody was granted explicitly, unless the cohort file says otherwise. */
export const DEFAULT_MLFLOW_PERMISSION: MlflowPermission = 'READ';

/** What the cohort's one-time expiry schedule does at `lab:expires` (the cohort file's `expiry.action`). */
export enum ExpiryAction {
  /** Tell the cohort's alert topic; everything keeps running (and billing) until ops tear it down. */
  NOTIFY = 'notify',
  /**
   * Scale the node group to zero nodes: no pod can run, so the workloads stop; the control plane,
   * database, egress and load balancer still bill until teardown.
   */
  SCALE_TO_ZERO = 'scale-to-zero',
  /**
   * Delete the learner, apps and cluster stacks (in that order, hours apart); only a stack without
   * termination protection can be deleted this way, so sandboxes only. The data stack stays for
   * `cohort-lab teardown` and `sweep`.
   */
  TEARDOWN = 'teardown',
}

/** The words a cohort file may write for `expiry.action`. */
export const EXPIRY_ACTIONS = [
  ExpiryAction.NOTIFY,
  ExpiryAction.SCALE_TO_ZERO,
  ExpiryAction.TEARDOWN,
] as const;

/** Most reminders a cohort file may ask for before its expiry (one schedule each). */
export const MAX_REMINDERS = 5;
