import { CfnElement, Stack } from 'aws-cdk-lib';
import { CohortConfig } from '../../../lib/config';
import { normaliseId, shardOf, shardPart, stackName } from '../../../lib/core';
import { demoDocument } from '../../../scripts/synthetic-cohort';
import { configFrom } from '../../support/cohort';
import { SynthesisedCohort, synthCohort } from '../../support/synth';

/**
 * A person's resources are keyed by their slug alone (their LabPerson construct `Person-<slug>`,
 * their shard from the slug's hash), so a roster change touches that person's resources and
 * nobody else's. Templates are compared as written, nothing stripped: the rosters bundle the same
 * Lambda code (same asset hashes), and the apps are made with analyticsReporting off, so there is
 * no CDK metadata resource that could differ.
 */

type Learner = Record<string, unknown>;

/** The demo cohort with its learners changed by `change`. */
function demoWith(change: (learners: Learner[]) => Learner[]): CohortConfig {
  const doc = demoDocument();
  return configFrom((d) => {
    d.learners = change(d.learners as Learner[]);
  }, doc);
}

/** A learner whose slug hashes to `shard`: the first of newcomer-1, newcomer-2, ... that does. */
function newcomerIn(shard: number, shards: number): Learner {
  for (let n = 1; ; n++) {
    const id = `newcomer-${n}`;
    if (shardOf(normaliseId(id), shards) === shard) {
      return { id, email: `${id}@cohort-lab.example`, displayName: `Newcomer ${n}` };
    }
  }
}

/** The logical IDs of every CloudFormation element under the LabPerson of `slug`. */
function personLogicalIds(cohort: SynthesisedCohort, slug: string): string[] {
  const person = [...cohort.stacks.learners.values()]
    .map((s) => s.people.get(slug))
    .find((p) => p !== undefined);
  if (person === undefined) throw new Error(`nobody called ${slug} in ${cohort.config.name}`);
  return person.node
    .findAll()
    .filter(CfnElement.isCfnElement)
    .map((e) => Stack.of(e).resolve(e.logicalId) as string)
    .sort();
}

/** What changed from `before` to `after`, stack by stack. */
function diff(before: SynthesisedCohort, after: SynthesisedCohort) {
  const names = [...new Set([...before.texts.keys(), ...after.texts.keys()])];
  const changed = names.filter((n) => before.texts.get(n) !== after.texts.get(n));
  return {
    /** Stacks whose template is not byte-identical (or exists in one roster only). */
    changed,
    onlyBefore: names.filter((n) => !after.texts.has(n)),
    onlyAfter: names.filter((n) => !before.texts.has(n)),
    /** In a stack of both: resources that appeared, disappeared, or differ; and other sections that differ. */
    resources(name: string) {
      const a = before.templates.get(name)!;
      const b = after.templates.get(name)!;
      const ids = (t: typeof a) => Object.keys(t.Resources ?? {});
      const { Resources: ra, ...restA } = a;
      const { Resources: rb, ...restB } = b;
      return {
        added: ids(b)
          .filter((id) => ra?.[id] === undefined)
          .sort(),
        removed: ids(a)
          .filter((id) => rb?.[id] === undefined)
          .sort(),
        modified: ids(a).filter(
          (id) => rb?.[id] !== undefined && JSON.stringify(ra?.[id]) !== JSON.stringify(rb[id]),
        ),
        otherSectionsEqual: JSON.stringify(restA) === JSON.stringify(restB),
      };
    },
  };
}

describe('roster changes touch only the person who joins or leaves', () => {
  const shards = 64;
  let demo: SynthesisedCohort;
  let newcomer: Learner;
  let plusOne: SynthesisedCohort;
  let plusOneMinusGrace: SynthesisedCohort;
  let minusAlan: SynthesisedCohort;
  const shared = (cohort: SynthesisedCohort) =>
    ['data', 'cluster', 'apps'].map((p) => stackName(cohort.config.name, p));

  beforeAll(() => {
    // GIVEN the demo cohort (grace-hopper, alan-turing and katherine-johnson each alone in their
    // shard), the same with a newcomer in grace-hopper's shard, that roster without grace-hopper,
    // and the demo without alan-turing
    demo = synthCohort(demoWith((l) => l));
    const grace = demo.config.learners.find((l) => l.slug === 'grace-hopper')!;
    newcomer = newcomerIn(grace.shard, shards);
    plusOne = synthCohort(demoWith((l) => [...l, newcomer]));
    plusOneMinusGrace = synthCohort(demoWith((l) => [...l.filter((x) => x.id !== 'grace.hopper'), newcomer]));
    minusAlan = synthCohort(demoWith((l) => l.filter((x) => x.id !== 'alan_turing')));
  }, 300_000);

  test('a learner who joins a shard adds their own resources to it, and nothing else changes anywhere', () => {
    expect(demo.config.profile.learnerShards).toBe(shards);
    const slug = normaliseId(newcomer.id as string);
    const shard = stackName(
      demo.config.name,
      shardPart(plusOne.config.learners.find((l) => l.slug === slug)!.shard),
    );
    // WHEN the demo and the roster with the newcomer are compared
    const d = diff(demo, plusOne);
    // THEN only the newcomer's shard changed; data, cluster and apps are byte-identical
    expect(d.changed).toEqual([shard]);
    for (const name of shared(demo)) {
      expect(plusOne.texts.get(name)).toBe(demo.texts.get(name));
    }
    // ... and in it exactly the newcomer's LabPerson appeared, every other resource as it was
    const ids = personLogicalIds(plusOne, slug);
    expect(ids.every((id) => id.startsWith(`Person${slug.replace(/-/g, '')}`))).toBe(true);
    expect(ids.length).toBeGreaterThanOrEqual(6);
    expect(d.resources(shard)).toEqual({ added: ids, removed: [], modified: [], otherSectionsEqual: true });
  });

  test('a learner who leaves a shard others stay in takes their own resources with them, and nothing else changes', () => {
    // WHEN grace-hopper leaves the shard she shares with the newcomer
    const d = diff(plusOne, plusOneMinusGrace);
    const shard = stackName(
      demo.config.name,
      shardPart(demo.config.learners.find((l) => l.slug === 'grace-hopper')!.shard),
    );
    // THEN only that shard changed, and in it exactly her LabPerson's resources disappeared
    expect(d.changed).toEqual([shard]);
    expect(d.resources(shard)).toEqual({
      added: [],
      removed: personLogicalIds(plusOne, 'grace-hopper'),
      modified: [],
      otherSectionsEqual: true,
    });
  });

  test('a learner alone in their shard leaves an empty stack behind, so the next deploy removes their resources', () => {
    // WHEN alan-turing, alone in his shard, leaves
    const d = diff(demo, minusAlan);
    const shard = stackName(
      demo.config.name,
      shardPart(demo.config.learners.find((l) => l.slug === 'alan-turing')!.shard),
    );
    // THEN his shard's stack stays in the app (a stack that left the app would not be touched by
    // `cdk deploy`, and his role, secret and namespace would stay); it alone changed: his
    // resources went and the empty shard's no-op EmptyShard resource came, and every other template is
    // byte-identical
    expect(d.changed).toEqual([shard]);
    expect(d.onlyBefore).toEqual([]);
    expect(d.onlyAfter).toEqual([]);
    expect(Object.keys(demo.templates.get(shard)!.Resources ?? {}).sort()).toEqual(
      personLogicalIds(demo, 'alan-turing'),
    );
    expect(d.resources(shard)).toEqual({
      added: ['EmptyShard'],
      removed: personLogicalIds(demo, 'alan-turing'),
      modified: [],
      otherSectionsEqual: true,
    });
    expect(minusAlan.templates.get(shard)!.Resources!.EmptyShard.Type).toBe(
      'AWS::CloudFormation::WaitConditionHandle',
    );
  });
});
