import { artifactsRule } from './artifacts';
import { clusterRule } from './cluster';
import { computeRule } from './compute';
import { courseRule } from './course';
import { ingressRule } from './ingress';
import { peopleRule } from './people';
import { CohortRule } from './rule';

export * from './artifacts';
export * from './cluster';
export * from './compute';
export * from './course';
export * from './ingress';
export * from './people';
export * from './rule';

/**
 * Every cross-field rule of a cohort file, in the order their problems are reported: all of them
 * run, so a file's problems come out at once.
 */
export const COHORT_RULES: readonly CohortRule[] = [
  courseRule,
  peopleRule,
  artifactsRule,
  computeRule,
  ingressRule,
  clusterRule,
];
