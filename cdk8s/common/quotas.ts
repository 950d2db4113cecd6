import { LEARNER_QUOTA_REQUESTS } from '../../lib/core';
import { NamespaceQuota } from './lab-namespace';

/** Quota of the shared-services namespace per profile (MLflow replicas, Feast, Redis, jobs). */
export const SERVICES_QUOTA: Record<'cohort' | 'sandbox', NamespaceQuota> = {
  cohort: {
    requestsCpuMillis: 4000,
    limitsCpuMillis: 10000,
    requestsMemoryMebibytes: 8192,
    limitsMemoryMebibytes: 16384,
    pods: 30,
    persistentVolumeClaims: 4,
    loadBalancers: 0,
  },
  sandbox: {
    requestsCpuMillis: 2000,
    limitsCpuMillis: 5000,
    requestsMemoryMebibytes: 4096,
    limitsMemoryMebibytes: 8192,
    pods: 15,
    persistentVolumeClaims: 2,
    loadBalancers: 0,
  },
};

/** Quota of each learner's own namespace: room for a notebook, a pipeline run and a model server. */
export const LEARNER_QUOTA: NamespaceQuota = {
  requestsCpuMillis: LEARNER_QUOTA_REQUESTS.cpuMillis,
  limitsCpuMillis: 2000,
  requestsMemoryMebibytes: LEARNER_QUOTA_REQUESTS.memoryMebibytes,
  limitsMemoryMebibytes: 4096,
  pods: 10,
  persistentVolumeClaims: 2,
  loadBalancers: 0,
};
