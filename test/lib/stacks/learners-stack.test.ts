import { Match, Template } from 'aws-cdk-lib/assertions';
import { shardOf, shardPart } from '../../../lib/core';
import { CohortStacks } from '../../../lib/stacks/cohort-app';
import { LearnersStack } from '../../../lib/stacks/learners-stack';
import { buildStacks, loadCohort } from '../../support/cohort';

/**
 * The learners-N stacks' wiring: who lands in which stack, what each person's stack holds and
 * depends on. (What a LabPerson and a learner chart are is tested with them: test/constructs,
 * test/cdk8s/learner.)
 */
describe('LearnersStack', () => {
  // GIVEN the demo cohort: an instructor with a principal, a learner with one, two without
  const config = loadCohort('cohorts/demo.yaml');
  const { stacks } = buildStacks(config);
  const shardOfSlug = (slug: string) => shardOf(slug, config.profile.learnerShards);
  const stackOf = (slug: string): LearnersStack => stacks.learners.get(shardOfSlug(slug))!;

  test('every shard of the profile is a stack, named learners-N, whether it holds people or not', () => {
    // THEN there are 40 shard stacks (the cohort profile's count), in order
    expect([...stacks.learners.keys()]).toEqual([...Array(config.profile.learnerShards).keys()]);
    expect(stacks.learners.get(7)!.stackName).toBe(`cohortlab-demo-2027-spring-${shardPart(7)}`);
  });

  test("each person is in the stack of their slug's hash, and in no other", () => {
    const people = [...config.instructors, ...config.learners].map((p) => p.slug);
    for (const slug of people) {
      const holders = [...stacks.learners.values()].filter((s) => s.people.has(slug));
      expect(holders.map((s) => s.stackName)).toEqual([stackOf(slug).stackName]);
    }
  });

  test('an empty shard holds one no-op resource (EmptyShard), so that its stack still deploys when its last person leaves', () => {
    const occupied = new Set([...config.instructors, ...config.learners].map((p) => shardOfSlug(p.slug)));
    const empty = [...stacks.learners.entries()].find(([shard]) => !occupied.has(shard))![1];
    const resources = Template.fromStack(empty).toJSON().Resources as Record<string, { Type: string }>;
    expect(Object.values(resources).map((r) => r.Type)).toEqual(['AWS::CloudFormation::WaitConditionHandle']);
    // and an occupied one has none
    const t = Template.fromStack(stackOf('grace-hopper'));
    t.resourceCountIs('AWS::CloudFormation::WaitConditionHandle', 0);
  });

  test("a learner's stack applies the learner's chart with the learner's role, after the role", () => {
    const stack = stackOf('grace-hopper');
    const t = Template.fromStack(stack);
    const person = stack.people.get('grace-hopper')!;
    const roleId = stack.getLogicalId(person.role!.node.defaultChild as never);
    const manifests = t.findResources('Custom::AWSCDK-EKS-KubernetesResource');
    const [id, manifest] = Object.entries(manifests).find(([, m]) =>
      JSON.stringify(m.Properties.Manifest).includes('learner-grace-hopper'),
    )!;
    expect(id).toMatch(/^Persongracehopper/);
    expect(manifest.DependsOn).toEqual(expect.arrayContaining([roleId]));
    expect(stack.charts.get('grace-hopper')).toBeDefined();
  });

  test("a learner with a repository gets a CI role on the data stack's CI policy, trusting the account's GitHub provider, and serving in their manifest; one without gets neither", () => {
    // GIVEN Grace (a repository) and Alan (none)
    const grace = Template.fromStack(stackOf('grace-hopper'));
    const alan = Template.fromStack(stackOf('alan-turing'));
    // THEN Grace's stack holds her CI role, whose provider ARN is computed in her stack (no export)
    grace.hasResourceProperties('AWS::IAM::Role', {
      Path: '/cohortlab/demo-2027-spring/ci/',
      ManagedPolicyArns: [Match.anyValue()],
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: {
              Federated: {
                'Fn::Join': ['', Match.arrayWith([':oidc-provider/token.actions.githubusercontent.com'])],
              },
            },
          }),
        ],
      },
    });
    const manifest = JSON.stringify(stackOf('grace-hopper').charts.get('grace-hopper')!.toJson());
    expect(manifest).toContain('"name":"model-champion"');
    // ... and Alan's has no CI role, no serving
    expect(
      Object.keys(
        alan.findResources('AWS::IAM::Role', { Properties: { Path: '/cohortlab/demo-2027-spring/ci/' } }),
      ),
    ).toEqual([]);
    expect(JSON.stringify(stackOf('alan-turing').charts.get('alan-turing')!.toJson())).not.toContain(
      'model-champion',
    );
  });

  test("an instructor's stack has no namespace manifest for them", () => {
    const stack = stackOf('ada-lovelace');
    expect(stack.people.get('ada-lovelace')).toBeDefined();
    expect(stack.charts.has('ada-lovelace')).toBe(false);
  });

  test('the roster member names the apps stack user pool; the stacks deploy after apps', () => {
    const stack = stackOf('alan-turing');
    Template.fromStack(stack).hasResourceProperties('Custom::CohortLabRosterMember', {
      Slug: 'alan-turing',
      Email: 'alan.turing@cohort-lab.example',
      Role: 'learner',
      UserPoolId: {
        'Fn::GetStackOutput': Match.objectLike({
          StackName: (stacks as CohortStacks).apps.stackName,
          OutputName: Match.stringLikeRegexp('^PublishOutputRefIdentity'),
        }),
      },
    });
    expect(stack.dependencies.map((d) => d.stackName)).toEqual(
      expect.arrayContaining([(stacks as CohortStacks).apps.stackName]),
    );
  });
});
