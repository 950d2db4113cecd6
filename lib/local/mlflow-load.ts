/**
 * The MLflow load shapes of the benchmark (scripts/bench-mlflow.ts): what each simulated learner
 * sends, request by request, for the write, read and mixed shapes. Pure: no server, no clock other
 * than the timestamps MLflow's API takes.
 */
import { LoadRequest } from './load';

/** Load shapes of {@link mlflowRequest}. */
export const SHAPES = ['write', 'read', 'mixed'] as const;
export type Shape = (typeof SHAPES)[number];

export const HOST = 'mlflow.cohort-lab.svc.cluster.local:5000';
export const API = '/api/2.0/mlflow';

/** What one learner works on. */
export interface Learner {
  readonly auth: string;
  readonly experimentId: string;
  /** A finished run with a `loss` history, for the reads. */
  readonly seedRunId: string;
  /** The run the learner's write loop is on (set from the answer to runs/create). */
  runId?: string;
}

/** Request `n` of a learner's write loop (6 requests per run). */
function writeRequest(l: Learner, n: number): LoadRequest {
  const step = n % 6;
  const now = Date.now();
  const runId = l.runId ?? l.seedRunId;
  switch (step) {
    case 0:
      return {
        method: 'POST',
        path: `${API}/runs/create`,
        body: { experiment_id: l.experimentId, start_time: now },
      };
    case 1:
      return {
        method: 'POST',
        path: `${API}/runs/log-parameter`,
        body: { run_id: runId, key: 'lr', value: '0.01' },
      };
    case 2:
    case 3:
      return {
        method: 'POST',
        path: `${API}/runs/log-metric`,
        body: { run_id: runId, key: 'loss', value: 1 / (n + 1), timestamp: now, step: n },
      };
    case 4:
      return {
        method: 'POST',
        path: `${API}/runs/set-tag`,
        body: { run_id: runId, key: 'lab', value: 'bench' },
      };
    default:
      return {
        method: 'POST',
        path: `${API}/runs/update`,
        body: { run_id: runId, status: 'FINISHED', end_time: now },
      };
  }
}

/** Request `n` of a learner's read loop. */
function readRequest(l: Learner, n: number): LoadRequest {
  switch (n % 4) {
    case 0:
      return { method: 'GET', path: `${API}/runs/get?run_id=${l.seedRunId}` };
    case 1:
      return { method: 'GET', path: `${API}/experiments/search?max_results=10` };
    case 2:
      return {
        method: 'POST',
        path: `${API}/runs/search`,
        body: { experiment_ids: [l.experimentId], max_results: 10 },
      };
    default:
      return { method: 'GET', path: `${API}/metrics/get-history?run_id=${l.seedRunId}&metric_key=loss` };
  }
}

/** The `n`th request of learner `client` under `shape` (mixed: even learners write, odd read). */
export function mlflowRequest(
  shape: Shape,
  learners: readonly Learner[],
  client: number,
  n: number,
): LoadRequest {
  const l = learners[client];
  const writes = shape === 'write' || (shape === 'mixed' && client % 2 === 0);
  const r = writes ? writeRequest(l, n) : readRequest(l, n);
  return { ...r, headers: { authorization: l.auth } };
}
