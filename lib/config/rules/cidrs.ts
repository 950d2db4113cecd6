import { cidrProblem, isWorldScale, WORLD_CIDR, WORLD_SCALE_PREFIX } from '../../core';

/** What {@link cidrListProblems} checks a list of CIDR blocks for, and how it names things. */
export interface CidrList {
  /** The blocks as written. */
  readonly cidrs: readonly string[];
  /** Dotted name of the list field, e.g. `cluster.publicAccessCidrs`. */
  readonly field: string;
  /** Dotted name of the opt-in that admits the world, e.g. `cluster.allowPublicAccessFromAnywhere`. */
  readonly optInField: string;
  /** Whether the opt-in is set. */
  readonly optedIn: boolean;
  /** What a world-scale block opens, e.g. `the API endpoint`. */
  readonly opens: string;
}

/** One problem of one block: its index in the list, the message and the value. */
export interface CidrListProblem {
  readonly index: number;
  readonly message: string;
  readonly value: string;
}

/**
 * The problems of a list of IPv4 CIDR blocks, in list order: each block must be a network address
 * (no host bits), listed once, and 0.0.0.0/0 (or anything broader than a /8, since two /1 blocks
 * are the whole internet too) needs the opt-in.
 */
export function cidrListProblems(list: CidrList): CidrListProblem[] {
  const problems: CidrListProblem[] = [];
  const seen = new Map<string, number>();
  list.cidrs.forEach((cidr, index) => {
    const add = (message: string) => problems.push({ index, message, value: cidr });
    const problem = cidrProblem(cidr);
    if (problem !== undefined) {
      add(problem);
      return;
    }
    const first = seen.get(cidr);
    if (first !== undefined) {
      add(`duplicates ${list.field}[${first}]`);
      return;
    }
    seen.set(cidr, index);
    if (isWorldScale(cidr) && !list.optedIn) {
      const reach =
        cidr === WORLD_CIDR
          ? `opens ${list.opens} to the whole internet`
          : `is broader than /${WORLD_SCALE_PREFIX} and opens ${list.opens} to a large part of the internet`;
      add(`${reach}; set ${list.optInField}: true if that is intended`);
    }
  });
  return problems;
}
