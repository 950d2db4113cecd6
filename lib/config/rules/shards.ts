import { MAX_PEOPLE_PER_SHARD, normaliseId, shardOf, shardPart, slugProblem } from '../../core';
import { ConfigProblem } from '../errors';
import { Profile } from '../profile';
import { problemAt, RuleContext, RuleInput } from './rule';

type Roster = Pick<RuleInput, 'instructors' | 'learners'>;

/**
 * Every person's `learners-N` stack exists for the profile and has room: a pinned `shard` is below
 * the profile's shard count, and no shard holds more than MAX_PEOPLE_PER_SHARD people (a stack's
 * resources would pass CloudFormation's budget). The person who overfills a shard is named, with
 * the emptiest shard to pin them to instead. People without a usable id are left to the people
 * rule.
 */
export function shardsRule(doc: Roster, profile: Profile, context: RuleContext): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const count = profile.learnerShards;
  const placed: Array<{ list: string; index: number; shard: number }> = [];
  for (const list of ['instructors', 'learners'] as const) {
    doc[list].forEach((person, index) => {
      if (person.shard !== undefined && person.shard >= count) {
        problems.push(
          problemAt(
            context,
            [list, index, 'shard'],
            `is not a shard of profile ${profile.name}, which has ${count} (learners-0 to learners-${count - 1})`,
            person.shard,
          ),
        );
        return;
      }
      if (person.id === undefined) return;
      const slug = normaliseId(person.id);
      if (slugProblem(slug) !== undefined) return;
      placed.push({ list, index, shard: person.shard ?? shardOf(slug, count) });
    });
  }
  const filled = new Array<number>(count).fill(0);
  for (const p of placed) {
    filled[p.shard] += 1;
    if (filled[p.shard] === MAX_PEOPLE_PER_SHARD + 1) {
      const roomiest = placed.length === 0 ? 0 : emptiest(placed, count);
      problems.push(
        problemAt(
          context,
          [p.list, p.index],
          `would be person ${MAX_PEOPLE_PER_SHARD + 1} of stack ${shardPart(p.shard)}, which holds at most ` +
            `${MAX_PEOPLE_PER_SHARD}; give this person "shard: ${roomiest}" (${shardPart(roomiest)} has the most room)`,
        ),
      );
    }
  }
  return problems;
}

function emptiest(placed: ReadonlyArray<{ shard: number }>, count: number): number {
  const totals = new Array<number>(count).fill(0);
  for (const p of placed) totals[p.shard] += 1;
  return totals.indexOf(Math.min(...totals));
}
