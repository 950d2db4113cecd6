/**
 * How many MLflow and Feast replicas a roster needs at a lab's peak (docs/scale.md): the load a
 * learner puts on each service at the peak, times the server CPU one request costs (measured by
 * scripts/bench-mlflow.ts and scripts/bench-feast.ts, docs/performance.md), over the CPU one
 * replica may use at a utilisation that leaves room for bursts and for a replica to be lost.
 * Pure arithmetic; the profiles (lib/config/profile.ts) add their floor.
 */

/** The shared services whose replicas are sized here. */
export type ServingService = 'mlflow' | 'feast';

/** What sizes one service's replicas. */
export interface ServingFigures {
  /**
   * Requests per second one active learner sends at the peak. MLflow: everyone logs at once at
   * the end of a lab, a run of ~6 requests (create, params, metrics, tags, finish) plus a burst of
   * metrics, ~30 requests in a minute = 0.5/s. Feast: a notebook reading features for a batch in
   * a loop, ~2 online reads/s.
   */
  readonly peakRequestsPerLearnerPerSecond: number;
  /** Server CPU per authenticated request, ms (ours, the benchmark's write load / online reads). */
  readonly cpuMsPerRequest: number;
  /**
   * CPU one replica can use, in cores. MLflow: one uvicorn worker (one Python process, one core
   * at most, the chart's 1-CPU limit). Feast: one gunicorn worker under the chart's 1-CPU limit.
   */
  readonly coresPerReplica: number;
}

/**
 * Figures per service; cpuMsPerRequest from the side-by-side runs of 2026-12-06 (README): MLflow
 * measured 6.3-7.2 ms (7.5 keeps a margin), Feast 0.74-0.82 ms.
 */
export const SERVING_FIGURES: Readonly<Record<ServingService, ServingFigures>> = {
  mlflow: { peakRequestsPerLearnerPerSecond: 0.5, cpuMsPerRequest: 7.5, coresPerReplica: 1 },
  feast: { peakRequestsPerLearnerPerSecond: 2, cpuMsPerRequest: 1.0, coresPerReplica: 1 },
};

/**
 * Share of a replica's CPU the peak may fill: the rest absorbs bursts above the average and the
 * load of one replica lost (a node drained, a rolling restart) spread over the others.
 */
export const TARGET_REPLICA_UTILISATION = 0.6;

/** Replicas `learners` active learners need at the peak for `service` (at least 1). */
export function replicasAtPeak(service: ServingService, learners: number): number {
  const f = SERVING_FIGURES[service];
  const cores = (learners * f.peakRequestsPerLearnerPerSecond * f.cpuMsPerRequest) / 1000;
  return Math.max(1, Math.ceil(cores / (f.coresPerReplica * TARGET_REPLICA_UTILISATION)));
}
