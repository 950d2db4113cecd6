import { createHash } from 'crypto';

/**
 * Which `learners-N` stack holds a person's AWS resources and Kubernetes objects. The shard is a
 * hash of the person's slug modulo a shard count fixed by the profile, so it depends on nothing
 * but the slug: a person is never moved to another shard because someone else joined or left the
 * roster (a move would delete and recreate their secret, and lock them out).
 *
 * The count is fixed, not grown with the roster, because growing it would move people. With the
 * cohort profile's 64 shards, 1,000 people average about 16 per shard; a shard holds at most
 * {@link MAX_PEOPLE_PER_SHARD}, and the config rules refuse a roster that would overfill one.
 */
export function shardOf(slug: string, shardCount: number): number {
  if (!Number.isInteger(shardCount) || shardCount < 1) {
    throw new Error(`shardOf: shard count must be a whole number of at least 1 (got ${shardCount})`);
  }
  return createHash('sha256').update(slug, 'utf8').digest().readUInt32BE(0) % shardCount;
}

/**
 * Most people one `learners-N` stack holds. A learner costs at most 13 CloudFormation resources
 * there: role, Pod Identity association, access entry, secret, rotation schedule, roster member,
 * Kubernetes manifest; for Lab 3 the drift job's Pod Identity association, the drift alarm and the
 * subscription to their own warnings; for Lab 2 (a learner with a GitHub repository) the CI role,
 * the CI secret and its rotation schedule (an instructor at most 7). 34 people are at most 442
 * resources, inside the budget of 450 (STACK_RESOURCES). A learner with every part is about 25 KB of
 * template (most of it their Kubernetes objects), so 32 such learners reach the 800 KB byte budget
 * (TEMPLATE_BYTES) first: plan checks the bytes of every template. With the cohort profile's 64
 * shards a 1,000-person roster averages about 16 per shard and its fullest shard holds about 27
 * (one over 34 is about a 1-in-1,000 roster: Poisson, mean 15.6, times 64 shards), and the shards
 * rule then names a shard to pin the person to.
 */
export const MAX_PEOPLE_PER_SHARD = 34;

/** Most CloudFormation resources one person adds to their `learners-N` stack (a learner). */
export const RESOURCES_PER_PERSON = 13;

/** The stack-name part of shard `n`: `learners-<n>`. */
export function shardPart(shard: number): string {
  return `learners-${shard}`;
}
