/**
 * The lifecycle wiring of a cohort's stacks: the budget and the expiry schedules in the data stack,
 * scale-to-zero in the cluster stack, and the guard that does not lag behind billing data (the
 * node group's maximum: what the budget's default and the plan's ceiling are computed from).
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { budgetAmountUsd, estimateCost } from '../../../lib/config';
import { HOURS_PER_MONTH } from '../../../lib/core';
import { buildStacks, configFrom, loadCohort } from '../../support/cohort';

const sandbox = (expiry: Record<string, unknown> = {}) =>
  configFrom((doc) => {
    doc.cohort = 'sandbox-grace';
    doc.profile = 'sandbox';
    doc.course = { start: '2027-01-04', end: '2027-01-31' };
    doc.instructors = [];
    doc.learners = [(doc.learners as unknown[])[0]];
    doc.artifacts = { retention: 'delete' };
    doc.expiry = expiry;
  });

function schedules(t: Template): Array<{ expression: string; arn: string; input: string }> {
  return Object.values(t.findResources('AWS::Scheduler::Schedule')).map((r) => {
    const p = r.Properties as { ScheduleExpression: string; Target: { Arn: unknown; Input: unknown } };
    return {
      expression: p.ScheduleExpression,
      arn: JSON.stringify(p.Target.Arn),
      input: JSON.stringify(p.Target.Input),
    };
  });
}

describe('cohort lifecycle wiring', () => {
  test('the demo cohort: a budget of the default amount on lab:cohort, reminders and an expiry notice, no deletions', () => {
    // GIVEN the demo cohort (profile cohort: notify, reminders 14 and 3 days before)
    const config = loadCohort('cohorts/demo.yaml');
    const { stacks } = buildStacks(config);
    // WHEN
    const data = Template.fromStack(stacks.data);
    const cluster = Template.fromStack(stacks.cluster);
    // THEN
    data.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: Match.objectLike({
        BudgetLimit: { Amount: budgetAmountUsd(config), Unit: 'USD' },
        CostFilters: { TagKeyValue: ['user:lab:cohort$demo-2027-spring'] },
      }),
    });
    expect(schedules(data).map((s) => s.expression)).toEqual([
      'at(2027-04-16T09:00:00)',
      'at(2027-04-27T09:00:00)',
      'at(2027-05-01T00:00:00)',
    ]);
    expect(schedules(data).every((s) => s.arn.includes('"Ref"'))).toBe(true); // SNS topic targets
    cluster.resourceCountIs('AWS::Scheduler::Schedule', 0);
  });

  test('a sandbox is torn down at expiry by default: learners, then apps an hour later, then the cluster', () => {
    // GIVEN / WHEN
    const { stacks } = buildStacks(sandbox());
    const deletions = schedules(Template.fromStack(stacks.data)).filter((s) => s.arn.includes('deleteStack'));
    // THEN
    expect(
      deletions.map((s) => [s.expression, /cohortlab-sandbox-grace-[a-z0-9-]+/.exec(s.input)?.[0]]),
    ).toEqual([
      ['at(2027-02-01T00:00:00)', 'cohortlab-sandbox-grace-learners-0'],
      ['at(2027-02-01T01:00:00)', 'cohortlab-sandbox-grace-apps'],
      ['at(2027-02-01T03:00:00)', 'cohortlab-sandbox-grace-cluster'],
    ]);
  });

  test('scale-to-zero sets the node group to zero from the cluster stack', () => {
    // GIVEN / WHEN
    const { stacks } = buildStacks(sandbox({ action: 'scale-to-zero' }));
    const cluster = Template.fromStack(stacks.cluster);
    // THEN
    cluster.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'at(2027-02-01T00:00:00)',
      Target: Match.objectLike({
        Arn: { 'Fn::Join': ['', Match.arrayWith([':scheduler:::aws-sdk:eks:updateNodegroupConfig'])] },
        Input: Match.objectLike({
          'Fn::Join': Match.arrayWith([
            Match.arrayWith([Match.stringLikeRegexp('"MinSize":0,"DesiredSize":0')]),
          ]),
        }),
      }),
    });
    Template.fromStack(stacks.data).resourcePropertiesCountIs(
      'AWS::Scheduler::Schedule',
      { Target: Match.objectLike({ Arn: Match.stringLikeRegexp('deleteStack') }) },
      0,
    );
  });

  test('the guard that does not lag: the node group maximum is the cost ceiling the plan and the budget use', () => {
    // GIVEN the demo cohort
    const config = loadCohort('cohorts/demo.yaml');
    const { stacks } = buildStacks(config);
    // WHEN
    const nodegroups = Template.fromStack(stacks.cluster).findResources('AWS::EKS::Nodegroup');
    const [scaling] = Object.values(nodegroups).map(
      (r) => (r.Properties as { ScalingConfig: { MaxSize: number } }).ScalingConfig,
    );
    const e = estimateCost(config);
    // THEN the node group can never exceed compute.maxNodes, and the ceiling prices exactly that many nodes
    expect(scaling.MaxSize).toBe(config.compute.maxNodes);
    const perNode = e.fixed[1].usdPerHour / config.compute.minNodes;
    expect(e.capacityCeilingUsdPerHour).toBeCloseTo(
      e.fixedUsdPerHour + (scaling.MaxSize - config.compute.minNodes) * perNode,
      10,
    );
    expect(e.ceilingUsdPerHour).toBeCloseTo(
      e.capacityCeilingUsdPerHour + 3 * e.perLearner[1].usdPerHour + e.instructorsUsdPerHour,
      10,
    );
    // and the default budget is the capacity ceiling for a whole month, rounded up to tens of dollars
    expect(budgetAmountUsd(config)).toBe(
      Math.ceil((e.capacityCeilingUsdPerHour * HOURS_PER_MONTH) / 10) * 10,
    );
  });
});

describe('the fixed cost counts every billed part the stacks create whatever the roster', () => {
  test('both load balancers and the web ACL with as many rules as the template holds', () => {
    // GIVEN the demo cohort
    const config = loadCohort('cohorts/demo.yaml');
    const { stacks } = buildStacks(config);
    const apps = Template.fromStack(stacks.apps);
    const cluster = Template.fromStack(stacks.cluster);
    // WHEN the cost is estimated
    const items = estimateCost(config).fixed.map((f) => f.item);
    // THEN the load balancers priced are the apps stack's own one plus the Ingress's (made by the
    // controller, not in a template), and the web ACL's rules are the template's
    const ownAlbs =
      Object.keys(apps.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer')).length +
      Object.keys(cluster.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer')).length;
    expect(items.filter((i) => /Application Load Balancer/.test(i))).toHaveLength(ownAlbs + 1);
    const [acl] = Object.values(apps.findResources('AWS::WAFv2::WebACL'));
    const rules = (acl.Properties as { Rules: unknown[] }).Rules.length;
    expect(items).toContain(`web ACL in front of MLflow, ${rules} rules`);
  });
});
