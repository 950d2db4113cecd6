import {
  AWS_PARTITIONS,
  IamPrincipal,
  isPartition,
  normaliseId,
  parseIamPrincipalArn,
  partitionOfRegion,
  principalIdentity,
  slugProblem,
} from '../../core';
import { ConfigProblem } from '../errors';
import { Profile } from '../profile';
import { problemAt, RuleContext, RuleInput } from './rule';

type Roster = Pick<RuleInput, 'instructors' | 'learners'>;

/**
 * The roster: as many instructors and learners as the profile asks for, and across both lists
 * every id normalising to a usable slug of its own (see lib/core/identity.ts), every email (any
 * case) and every IAM principal (any case, any path: lib/core/iam-principals.ts) given once.
 */
export function peopleRule(doc: Roster, profile: Profile, context: RuleContext): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (path: ReadonlyArray<PropertyKey>, message: string, value?: unknown) =>
    problems.push(problemAt(context, path, message, value));

  if (doc.instructors.length < profile.minInstructors) {
    add(
      ['instructors'],
      `must list at least ${profile.minInstructors === 1 ? 'one instructor' : `${profile.minInstructors} instructors`} for profile ${profile.name}`,
      doc.instructors.length === 0 ? [] : undefined,
    );
  }
  if (doc.learners.length === 0) {
    add(['learners'], 'must list at least one learner', []);
  }
  if (doc.learners.length > profile.maxLearners) {
    add(
      ['learners'],
      `has ${doc.learners.length} learners; profile ${profile.name} allows at most ${profile.maxLearners}`,
    );
  }

  const seenSlug = new Map<string, string>();
  const seenEmail = new Map<string, string>();
  const seenPrincipal = new Map<string, { where: string; arn: string; principal?: IamPrincipal }>();
  for (const { list, index, person } of everyone(doc)) {
    const where = `${list}[${index}]`;
    if (person.id !== undefined) {
      const slug = normaliseId(person.id);
      const problem = slugProblem(slug);
      const firstSlug = seenSlug.get(slug);
      if (problem !== undefined) {
        add([list, index, 'id'], problem, person.id);
      } else if (firstSlug !== undefined) {
        add([list, index, 'id'], `collides with ${firstSlug} (both normalise to "${slug}")`, person.id);
      } else {
        seenSlug.set(slug, `${where}.id`);
      }
    }
    if (person.email !== undefined) {
      const email = person.email.toLowerCase();
      const firstEmail = seenEmail.get(email);
      if (firstEmail !== undefined) {
        add([list, index, 'email'], `duplicates ${firstEmail}`, person.email);
      } else {
        seenEmail.set(email, `${where}.email`);
      }
    }
    const arn = person.iamPrincipalArn;
    if (arn !== undefined) {
      const principal = parseIamPrincipalArn(arn);
      const key = principal === undefined ? arn : principalIdentity(principal);
      const first = seenPrincipal.get(key);
      if (first === undefined) {
        seenPrincipal.set(key, { where: `${where}.iamPrincipalArn`, arn, principal });
      } else if (first.arn === arn) {
        add([list, index, 'iamPrincipalArn'], `duplicates ${first.where}`, arn);
      } else {
        const why =
          first.principal?.path === principal?.path
            ? 'IAM names are case-insensitive'
            : `a ${principal?.kind ?? 'role'} name is unique in its account, whatever its path`;
        add([list, index, 'iamPrincipalArn'], `duplicates ${first.where} (${why})`, arn);
      }
    }
  }
  return problems;
}

/**
 * Every IAM principal is in a real partition, and in the region's partition when the file names
 * a region (`aws-cn` for cn-*, `aws-us-gov` for us-gov-*, ...: lib/core/partitions.ts); a role
 * elsewhere cannot be given access to the cohort's cluster.
 */
export function principalPartitionRule(
  doc: Roster & Pick<RuleInput, 'region'>,
  _profile: Profile,
  context: RuleContext,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const expected = doc.region === undefined ? undefined : partitionOfRegion(doc.region);
  const must = `region ${doc.region} is in partition "${expected}" (the ARN must start arn:${expected}:)`;
  for (const { list, index, person } of everyone(doc)) {
    const arn = person.iamPrincipalArn;
    const partition = arn === undefined ? undefined : parseIamPrincipalArn(arn)?.partition;
    if (partition === undefined) {
      continue;
    }
    let message: string | undefined;
    if (!isPartition(partition)) {
      message =
        expected === undefined
          ? `names partition "${partition}", which does not exist; the partitions are ${AWS_PARTITIONS.join(', ')}`
          : `names partition "${partition}", which does not exist; ${must}`;
    } else if (expected !== undefined && partition !== expected) {
      message = `is in partition "${partition}", but ${must}`;
    }
    if (message !== undefined) {
      problems.push(problemAt(context, [list, index, 'iamPrincipalArn'], message, arn));
    }
  }
  return problems;
}

/** Instructors, then learners, each with the list and index it is written at. */
function everyone(doc: Roster) {
  return [
    ...doc.instructors.map((person, index) => ({ list: 'instructors', index, person })),
    ...doc.learners.map((person, index) => ({ list: 'learners', index, person })),
  ];
}
