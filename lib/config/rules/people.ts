import { normaliseId, slugProblem } from '../../core';
import { ConfigProblem } from '../errors';
import { Profile } from '../profile';
import { problemAt, RuleContext, RuleInput } from './rule';

type Roster = Pick<RuleInput, 'instructors' | 'learners'>;

/**
 * The roster: as many instructors and learners as the profile asks for, and across both lists
 * every id normalising to a usable slug of its own (see lib/core/identity.ts), every email (any
 * case) and every IAM principal given once.
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
  const seenArn = new Map<string, string>();
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

/** Instructors, then learners, each with the list and index it is written at. */
function everyone(doc: Roster) {
  return [
    ...doc.instructors.map((person, index) => ({ list: 'instructors', index, person })),
    ...doc.learners.map((person, index) => ({ list: 'learners', index, person })),
  ];
}
