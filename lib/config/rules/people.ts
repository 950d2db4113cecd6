import { normaliseId, slugProblem } from '../../core';
import { ConfigProblem } from '../errors';
import { Profile } from '../profile';
import { CohortFile } from '../schema';
import { problemAt, RuleContext } from './rule';

/**
 * The roster: as many instructors and learners as the profile asks for, and across both lists
 * every id normalising to a usable slug of its own (see lib/core/identity.ts), every email (any
 * case) and every IAM principal given once.
 */
export function peopleRule(
  doc: Pick<CohortFile, 'instructors' | 'learners'>,
  profile: Profile,
  context: RuleContext,
): ConfigProblem[] {
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

  const people = [
    ...doc.instructors.map((p, i) => ({ list: 'instructors', index: i, person: p })),
    ...doc.learners.map((p, i) => ({ list: 'learners', index: i, person: p })),
  ];
  const seenSlug = new Map<string, string>();
  const seenEmail = new Map<string, string>();
  const seenArn = new Map<string, string>();
  for (const { list, index, person } of people) {
    const where = `${list}[${index}]`;
    const slug = normaliseId(person.id);
    const problem = slugProblem(slug);
    if (problem !== undefined) {
      add([list, index, 'id'], problem, person.id);
      continue;
    }
    const firstSlug = seenSlug.get(slug);
    if (firstSlug !== undefined) {
      add([list, index, 'id'], `collides with ${firstSlug} (both normalise to "${slug}")`, person.id);
    } else {
      seenSlug.set(slug, `${where}.id`);
    }
    const email = person.email.toLowerCase();
    const firstEmail = seenEmail.get(email);
    if (firstEmail !== undefined) {
      add([list, index, 'email'], `duplicates ${firstEmail}`, person.email);
    } else {
      seenEmail.set(email, `${where}.email`);
    }
    if (person.iamPrincipalArn !== undefined) {
      const firstArn = seenArn.get(person.iamPrincipalArn);
      if (firstArn !== undefined) {
        add([list, index, 'iamPrincipalArn'], `duplicates ${firstArn}`, person.iamPrincipalArn);
      } else {
        seenArn.set(person.iamPrincipalArn, `${where}.iamPrincipalArn`);
      }
    }
  }
  return problems;
}
