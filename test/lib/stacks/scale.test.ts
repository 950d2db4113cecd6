import { CfnResource } from 'aws-cdk-lib';
import {
  BUCKET_POLICY_BYTES,
  ciRolePath,
  DYNAMIC_REFERENCES,
  KEY_POLICY_BYTES,
  MANAGED_POLICY_CHARS,
  MANIFEST_BYTES,
  MAX_PEOPLE_PER_SHARD,
  peopleRolePath,
  PERSON_TAG,
  policySize,
  RESOURCES_PER_PERSON,
  shardPart,
  stackName,
  STACK_OUTPUTS,
  STACK_RESOURCES,
  TEMPLATE_BYTES,
  TRUST_POLICY_CHARS,
} from '../../../lib/core';
import { parseTemplate } from '../../../lib/ops/cfn-template';
import {
  checkTemplateLimits,
  countFilterPolicies,
  filterPoliciesWarning,
  rolesWarning,
} from '../../../lib/ops/limits-check';
import { demoDocument, withLearners } from '../../../scripts/synthetic-cohort';
import { configFrom, loadCohort } from '../../support/cohort';
import { resourcesOf, SynthesisedCohort, synthCohort } from '../../support/synth';
import { templateText } from '../../support/template-json';

/**
 * The design's promise for a large roster: people are spread over `learners-N` stacks, and nothing
 * shared grows with the roster. One synth of 1,000 learners (about 20-40 s on this machine) is
 * checked against every limit of lib/core/limits.ts the templates can show.
 */
describe('a cohort of 1,000 learners', () => {
  let demo: SynthesisedCohort;
  let big: SynthesisedCohort;

  beforeAll(() => {
    // GIVEN the demo cohort (3 learners), and the same cohort filled up to 1,000 learners, every
    // tenth added learner with an iamPrincipalArn (an access entry, a longer trust policy), and
    // every one with a GitHub repository (Lab 2: a CI role, its secret, the serving Deployments)
    const config = configFrom(() => {}, withLearners(demoDocument(), 1000, { repositoryEvery: 1 }));
    // WHEN both are synthesised
    demo = synthCohort(loadCohort('cohorts/demo.yaml'));
    big = synthCohort(config);
  }, 300_000);

  const all = (cohort: SynthesisedCohort) => [...cohort.templates.entries()];

  test('every template stays under the resource and byte budgets, and under 200 outputs', () => {
    expect(big.config.learners).toHaveLength(1000);
    expect(big.config.learners.filter((l) => l.iamPrincipalArn !== undefined).length).toBeGreaterThan(90);
    // (all but two of the demo's own three)
    expect(big.config.learners.filter((l) => l.github !== undefined)).toHaveLength(998);
    // THEN each stack is within the budgets of lib/core/limits.ts
    const over = all(big).flatMap(([name, template]) => {
      const resources = Object.keys(template.Resources ?? {}).length;
      const bytes = Buffer.byteLength(big.texts.get(name)!, 'utf8');
      const outputs = Object.keys(template.Outputs ?? {}).length;
      return [
        ...(resources > STACK_RESOURCES.budget ? [`${name}: ${resources} resources`] : []),
        ...(bytes > TEMPLATE_BYTES.budget ? [`${name}: ${bytes} bytes`] : []),
        ...(outputs > STACK_OUTPUTS.budget ? [`${name}: ${outputs} outputs`] : []),
      ];
    });
    expect(over).toEqual([]);
    // (the roster really is spread: 3 stacks of the cohort and one per non-empty shard)
    expect(big.templates.size).toBe(3 + big.stacks.learners.size);
    expect(big.stacks.learners.size).toBeGreaterThan(30);
  });

  test.each([
    ['bucket policy', 'AWS::S3::BucketPolicy', 'PolicyDocument', BUCKET_POLICY_BYTES, 'bytes'],
    ['key policy', 'AWS::KMS::Key', 'KeyPolicy', KEY_POLICY_BYTES, 'bytes'],
    [
      "people's managed policy",
      'AWS::IAM::ManagedPolicy',
      'PolicyDocument',
      MANAGED_POLICY_CHARS,
      'chars-no-whitespace',
    ],
  ] as const)(
    'each %s is byte-identical for 3 learners and 1,000, and under its limit',
    (_what, type, property, limit, unit) => {
      // THEN the data stack's documents of this type are the same, document for document
      const data = stackName(demo.config.name, 'data');
      expect(big.config.name).toBe(demo.config.name);
      const small = resourcesOf(demo.templates.get(data)!, type);
      const large = resourcesOf(big.templates.get(data)!, type);
      expect(Object.keys(small).length).toBeGreaterThan(0);
      expect(Object.keys(large)).toEqual(Object.keys(small));
      for (const [id, properties] of Object.entries(large)) {
        expect(JSON.stringify(properties[property])).toBe(JSON.stringify(small[id][property]));
        expect(policySize(properties[property], unit)).toBeLessThanOrEqual(limit.budget);
      }
      // ... and no other stack has one that could grow (the people's stacks hold none)
      for (const [name, template] of all(big).filter(([n]) => n !== data)) {
        expect([name, Object.keys(resourcesOf(template, type))]).toEqual([name, []]);
      }
    },
  );

  test('every manifest the kubectl provider applies is under the manifest budget', () => {
    // aws-cdk#19165: the provider is invoked asynchronously (256 KB), and an update's event holds
    // the new and the old manifest, so one manifest gets at most MANIFEST_BYTES.budget.
    const sizes = all(big).flatMap(([name, template]) =>
      Object.entries(resourcesOf(template, 'Custom::AWSCDK-EKS-KubernetesResource')).map(([id, p]) => ({
        where: `${name}/${id}`,
        bytes: Buffer.byteLength(templateText(p.Manifest), 'utf8'),
      })),
    );
    // THEN one per learner, the apps stack's charts and the cluster's own, all under the budget
    const learnerManifests = sizes.filter((s) => /-learners-\d+\//.test(s.where));
    expect(learnerManifests).toHaveLength(1000);
    expect(sizes.some((s) => s.where.startsWith(`${stackName(big.config.name, 'apps')}/`))).toBe(true);
    expect(sizes.filter((s) => s.bytes > MANIFEST_BYTES.budget)).toEqual([]);
  });

  test('every trust policy is under the IAM limit; no template holds more dynamic references than allowed', () => {
    const trust = all(big).flatMap(([name, template]) =>
      Object.entries(resourcesOf(template, 'AWS::IAM::Role')).map(([id, p]) => ({
        where: `${name}/${id}`,
        chars: policySize(p.AssumeRolePolicyDocument, 'chars-no-whitespace'),
      })),
    );
    // THEN (1,000 learners' roles, 998 CI roles and the stacks' own)
    expect(trust.length).toBeGreaterThan(1998);
    const ci = trust.filter((t) => /PersonCi[0-9A-F]{8}$|Ci[0-9A-F]{8}$/.test(t.where));
    expect(ci.length).toBe(998);
    // (printed, so the figure is in the test log: the longest CI role trust policy)
    console.log(`longest CI role trust policy: ${Math.max(...ci.map((t) => t.chars))} characters`);
    expect(trust.filter((t) => t.chars > TRUST_POLICY_CHARS.budget)).toEqual([]);
    const references = [...big.texts].map(([name, text]) => ({
      name,
      count: text.split('{{resolve:').length - 1,
    }));
    expect(references.filter((r) => r.count > DYNAMIC_REFERENCES.budget)).toEqual([]);
  });

  test('everyone is in exactly one stack, their own shard, and no shard holds more than its maximum', () => {
    // Who a template holds: each roster member's slug, and the person tags on roles and secrets.
    const holders = new Map<string, string[]>();
    for (const [name, template] of all(big)) {
      const slugs = new Set<string>();
      for (const resource of Object.values(template.Resources ?? {})) {
        const p = resource.Properties ?? {};
        if (resource.Type === 'Custom::CohortLabRosterMember') slugs.add(p.Slug as string);
        for (const [key, value] of tagsOf(p.Tags)) {
          if (key === PERSON_TAG.learner || key === PERSON_TAG.instructor) slugs.add(value);
        }
      }
      slugs.forEach((slug) => holders.set(slug, [...(holders.get(slug) ?? []), name]));
    }
    // THEN each person of the roster is in one stack, the one of their shard; nobody else is anywhere
    const people = [...big.config.instructors, ...big.config.learners];
    expect(holders.size).toBe(people.length);
    const misplaced = people.filter(
      (p) =>
        JSON.stringify(holders.get(p.slug)) !==
        JSON.stringify([stackName(big.config.name, shardPart(p.shard))]),
    );
    expect(misplaced.map((p) => `${p.slug}: ${String(holders.get(p.slug))}`)).toEqual([]);
    const perStack = new Map<string, number>();
    for (const [stack] of holders.values()) perStack.set(stack, (perStack.get(stack) ?? 0) + 1);
    const fullest = Math.max(...perStack.values());
    expect(fullest).toBeLessThanOrEqual(MAX_PEOPLE_PER_SHARD);
  });

  test('each learner adds at most RESOURCES_PER_PERSON resources to their shard, so a full shard fits the budget', () => {
    // THEN every shard's resources are at most 10 per person (learners: 10 with a principal)
    expect(MAX_PEOPLE_PER_SHARD * RESOURCES_PER_PERSON).toBeLessThanOrEqual(STACK_RESOURCES.budget);
    for (const [shard, stack] of big.stacks.learners) {
      const name = stack.stackName;
      const people = [...big.config.instructors, ...big.config.learners].filter((p) => p.shard === shard);
      const resources = Object.keys(big.templates.get(name)!.Resources ?? {}).length;
      expect([name, resources <= Math.max(1, people.length * RESOURCES_PER_PERSON)]).toEqual([name, true]);
    }
    // (and a learner with a principal costs exactly 10: the figure is not loose)
    const withPrincipal = big.config.learners.find((l) => l.iamPrincipalArn !== undefined)!;
    const person = big.stacks.learners.get(withPrincipal.shard)!.people.get(withPrincipal.slug)!;
    const own = person.node.findAll().filter((c) => c instanceof CfnResource);
    expect(own).toHaveLength(RESOURCES_PER_PERSON);
  });

  test('the drift routing grows the shards only: one association, alarm and subscription per learner', () => {
    const apps = stackName(big.config.name, 'apps');
    const data = stackName(big.config.name, 'data');
    const driftPolicy = (c: SynthesisedCohort) =>
      Object.entries(resourcesOf(c.templates.get(apps)!, 'AWS::IAM::Policy')).filter(([id]) =>
        id.startsWith('DriftRole'),
      );
    // THEN the drift role's policy is the same document for 3 learners and 1,000
    expect(driftPolicy(big)).toHaveLength(1);
    expect(JSON.stringify(driftPolicy(big)[0][1].PolicyDocument)).toBe(
      JSON.stringify(driftPolicy(demo)[0][1].PolicyDocument),
    );
    // AND the data stack's subscriptions do not grow with the roster
    expect(Object.keys(resourcesOf(big.templates.get(data)!, 'AWS::SNS::Subscription'))).toEqual(
      Object.keys(resourcesOf(demo.templates.get(data)!, 'AWS::SNS::Subscription')),
    );
    // AND every learner has their own association, alarm and warning subscription in their shard
    const shards = all(big).filter(([name]) => /-learners-\d+$/.test(name));
    const count = (type: string, test: (p: Record<string, unknown>) => boolean) =>
      shards.reduce((n, [, t]) => n + Object.values(resourcesOf(t, type)).filter(test).length, 0);
    expect(count('AWS::EKS::PodIdentityAssociation', (p) => p.ServiceAccount === 'drift')).toBe(1000);
    expect(count('AWS::CloudWatch::Alarm', (p) => String(p.AlarmName).includes('-drift-'))).toBe(1000);
    expect(
      count('AWS::SNS::Subscription', (p) => JSON.stringify(p.FilterPolicy ?? {}).includes('"warning"')),
    ).toBe(1000);
  });

  test("plan warns that the alert topic's filter policies pass SNS's default quota of 200", () => {
    const templates = [...big.texts].map(([name, text]) => parseTemplate(name, text));
    // one per learner, per instructor and per owner
    const expected = 1000 + big.config.instructors.length + 1;
    expect(countFilterPolicies(templates)).toBe(expected);
    expect(filterPoliciesWarning(templates)).toMatch(
      new RegExp(
        `^SNS FILTER POLICIES ABOVE THE DEFAULT QUOTA: the cohort's alert topic gets ${expected.toLocaleString('en-US')} `,
      ),
    );
    // and the demo cohort is far below it
    const small = [...demo.texts].map(([name, text]) => parseTemplate(name, text));
    expect(filterPoliciesWarning(small)).toBeUndefined();
  });

  test("plan's limit checks find nothing over a budget, and warn that the roles pass the account's default quota", () => {
    const templates = [...big.texts].map(([name, text]) => parseTemplate(name, text));
    // THEN
    expect(templates.flatMap(checkTemplateLimits)).toEqual([]);
    expect(rolesWarning(templates, peopleRolePath(big.config.name), ciRolePath(big.config.name))).toMatch(
      /^IAM ROLES ABOVE THE DEFAULT QUOTA: the cohort creates 2,0\d\d IAM roles \(1,001 for people, 998 for learners' GitHub CI, \d+ for its stacks\)/,
    );
  });
});

/** A resource's tags as [key, value] pairs: a list of {Key, Value}, or a map (EKS, SSM). */
function tagsOf(tags: unknown): Array<[string, string]> {
  if (Array.isArray(tags)) {
    return (tags as Array<{ Key: string; Value: string }>).map((t) => [t.Key, t.Value]);
  }
  return Object.entries((tags ?? {}) as Record<string, string>);
}
