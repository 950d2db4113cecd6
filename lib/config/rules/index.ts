import { artifactsRule } from './artifacts';
import { budgetRule } from './budget';
import { clusterRule } from './cluster';
import { computeRule } from './compute';
import { courseRule } from './course';
import { expiryRule } from './expiry';
import { githubRule } from './github';
import { ingressRule, mlflowAccessRule } from './ingress';
import { peopleRule, principalPartitionRule } from './people';
import { rule, RuleEntry } from './rule';
import { shardsRule } from './shards';

export * from './artifacts';
export * from './cidrs';
export * from './budget';
export * from './cluster';
export * from './compute';
export * from './course';
export * from './expiry';
export * from './github';
export * from './ingress';
export * from './people';
export * from './rule';
export * from './shards';

/**
 * Every cross-field rule of a cohort file, with the sections each reads, in the order their
 * problems are reported. All of them run, so a file's problems come out at once; when the file
 * fails the schema, those whose sections passed it still run (validate.ts).
 */
export const COHORT_RULES: readonly RuleEntry[] = [
  rule('course', ['course'], courseRule),
  rule('people', ['instructors', 'learners'], peopleRule),
  rule('principal partitions', ['instructors', 'learners', 'region'], principalPartitionRule),
  rule('shards', ['instructors', 'learners'], shardsRule),
  rule('artifacts', ['artifacts'], artifactsRule),
  rule('compute', ['compute'], computeRule),
  rule('ingress', ['mlflow'], ingressRule),
  rule('mlflow access', ['mlflow'], mlflowAccessRule),
  rule('cluster', ['cluster'], clusterRule),
  rule('expiry', ['expiry', 'course'], expiryRule),
  rule('budget', ['budget', 'region', 'compute'], budgetRule),
  rule('github', ['learners', 'account', 'github'], githubRule),
];
