/**
 * The size of MLflow's PostgreSQL (RDS) a roster needs (docs/scale.md): the instance class whose
 * default `max_connections` holds every MLflow pod's connection pools with room to spare, and
 * storage for what a cohort logs over a course. Pure arithmetic; the profiles (lib/config/profile.ts)
 * add their floor, and `plan` checks the answer again against the limit (lib/ops/limits-check.ts).
 */

/**
 * Connections one MLflow pod opens at most: a pool of 20 plus 10 overflow for each of its two
 * databases (tracking and auth). The chart sets these figures (cdk8s/mlflow/server.ts reads them
 * from here).
 */
export const MLFLOW_DB_POOL_SIZE = 20;
export const MLFLOW_DB_POOL_OVERFLOW = 10;
export const MLFLOW_DB_CONNECTIONS_PER_POD = 2 * (MLFLOW_DB_POOL_SIZE + MLFLOW_DB_POOL_OVERFLOW);

/**
 * Connections kept for everything that is not an MLflow pod's pool: PostgreSQL's reserved superuser
 * slots (3) and RDS's for rds_superuser (2), the bootstrap Job (1), the database's rotation function
 * (2, old and new user during a rotation), the readiness probes' short sessions (2) and an
 * operator's psql (2).
 */
export const RESERVED_DB_CONNECTIONS = 12;

/** Share of `max_connections` the pools may fill: the rest absorbs a rolling restart's overlap. */
export const DB_CONNECTION_UTILISATION = 0.8;

/**
 * RDS for PostgreSQL's default `max_connections`, `LEAST({DBInstanceClassMemory/9531392}, 5000)`
 * (AWS, Amazon RDS User Guide, "Quotas and constraints for Amazon RDS", Maximum number of database
 * connections). DBInstanceClassMemory is the class's memory less what RDS keeps for itself; 85% of
 * the nominal memory is below what instances report (db.t2.small 198 of the formula's 225 on 2 GiB,
 * 88%; db.m4.large 856 of 901 on 8 GiB, 95%).
 */
export const RDS_CONNECTION_BYTES = 9_531_392;
export const RDS_MAX_CONNECTIONS_CAP = 5000;
const CLASS_MEMORY_SHARE = 0.85;

/** One RDS instance class the sizing may choose. */
export interface DatabaseClass {
  /** Without the `db.` prefix, as the profiles write it. */
  readonly instanceClass: string;
  readonly memoryGiB: number;
  readonly vcpus: number;
}

/** The classes the sizing chooses from, smallest first (Graviton; burstable below 8 GiB). */
export const DATABASE_CLASSES: readonly DatabaseClass[] = [
  { instanceClass: 't4g.micro', memoryGiB: 1, vcpus: 2 },
  { instanceClass: 't4g.small', memoryGiB: 2, vcpus: 2 },
  { instanceClass: 't4g.medium', memoryGiB: 4, vcpus: 2 },
  { instanceClass: 'm6g.large', memoryGiB: 8, vcpus: 2 },
  { instanceClass: 'm6g.xlarge', memoryGiB: 16, vcpus: 4 },
  { instanceClass: 'm6g.2xlarge', memoryGiB: 32, vcpus: 8 },
];

/** `max_connections` an RDS for PostgreSQL instance of `instanceClass` starts with (estimate). */
export function rdsMaxConnections(instanceClass: string): number {
  const found = DATABASE_CLASSES.find((c) => c.instanceClass === instanceClass);
  if (found === undefined) {
    throw new Error(
      `database class ${instanceClass} is not one of ${DATABASE_CLASSES.map((c) => c.instanceClass).join(', ')}`,
    );
  }
  const bytes = found.memoryGiB * 1024 ** 3 * CLASS_MEMORY_SHARE;
  return Math.min(Math.floor(bytes / RDS_CONNECTION_BYTES), RDS_MAX_CONNECTIONS_CAP);
}

/** Connections `mlflowReplicas` MLflow pods and the reserve may hold at once. */
export function databaseConnectionsAtMost(mlflowReplicas: number): number {
  return mlflowReplicas * MLFLOW_DB_CONNECTIONS_PER_POD + RESERVED_DB_CONNECTIONS;
}

/** The most connections `instanceClass` should carry: its `max_connections` at the utilisation. */
export function databaseConnectionBudget(instanceClass: string): number {
  return Math.floor(rdsMaxConnections(instanceClass) * DB_CONNECTION_UTILISATION);
}

/**
 * Bytes one learner adds to the tracking database over a course: 50 runs of 2,000 metric points,
 * a `metrics` row (~150 bytes with its index entries) each plus the `latest_metrics` rows, params
 * and tags: ~15 MB (docs/scale.md). Artifacts are in S3, not here.
 */
export const DB_BYTES_PER_LEARNER = 15 * 1024 ** 2;

/** What the roster needs of the database, before a profile's floor. */
export interface DatabaseNeed {
  /** The smallest class of {@link DATABASE_CLASSES} whose connection budget holds the pools. */
  readonly instanceClass: string;
  /** Connections at most (pools of every MLflow pod plus the reserve). */
  readonly connections: number;
  /** Storage at creation: twice the course's estimate, in GiB, a multiple of 10. */
  readonly allocatedStorageGiB: number;
  /** Storage autoscaling's ceiling: ten times the estimate, a multiple of 10. */
  readonly maxAllocatedStorageGiB: number;
}

function tens(gib: number): number {
  return Math.max(10, Math.ceil(gib / 10) * 10);
}

/**
 * The database `learners` learners and `mlflowReplicas` MLflow pods need; throws when no class of
 * {@link DATABASE_CLASSES} holds the connections.
 */
export function databaseAtPeak(learners: number, mlflowReplicas: number): DatabaseNeed {
  const connections = databaseConnectionsAtMost(mlflowReplicas);
  const fits = DATABASE_CLASSES.find((c) => databaseConnectionBudget(c.instanceClass) >= connections);
  if (fits === undefined) {
    throw new Error(
      `${mlflowReplicas} MLflow replicas may open ${connections} database connections; no class up to ` +
        `db.${DATABASE_CLASSES[DATABASE_CLASSES.length - 1].instanceClass} holds that many`,
    );
  }
  const estimateGiB = (learners * DB_BYTES_PER_LEARNER) / 1024 ** 3;
  return {
    instanceClass: fits.instanceClass,
    connections,
    allocatedStorageGiB: tens(estimateGiB * 2),
    maxAllocatedStorageGiB: tens(estimateGiB * 10),
  };
}

/** Position of `instanceClass` in {@link DATABASE_CLASSES} (larger is bigger); -1 if absent. */
export function databaseClassRank(instanceClass: string): number {
  return DATABASE_CLASSES.findIndex((c) => c.instanceClass === instanceClass);
}
