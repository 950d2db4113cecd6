import { testTempDir } from '../../support/tmp';
import { describeTemplate, planCohort, renderPlan } from '../../../lib/ops/plan';
import { loadCohort, TODAY } from '../../support/cohort';

describe('plan', () => {
  const outdir = testTempDir('cohortlab-plan');
  const plan = planCohort(loadCohort('cohorts/demo.yaml'), outdir, TODAY);

  test('counts resources by type from the synthesised template', () => {
    const data = plan.stacks.find((s) => s.stackName === 'cohortlab-demo-2027-spring-data');
    expect(data).toBeDefined();
    expect(data?.resourcesByType).toEqual({
      'AWS::Events::Rule': 1,
      'AWS::IAM::ManagedPolicy': 2,
      'AWS::KMS::Alias': 1,
      'AWS::KMS::Key': 1,
      'AWS::S3::Bucket': 2,
      'AWS::S3::BucketPolicy': 2,
      'AWS::SNS::Subscription': 1,
      'AWS::SNS::Topic': 1,
      'AWS::SNS::TopicPolicy': 1,
    });
    expect(data?.resourceCount).toBe(12);
    // The same counts when the template file is read back independently.
    expect(describeTemplate('x', data!.templateFile).resourcesByType).toEqual(data?.resourcesByType);
  });

  test('plans the cluster stack within the template limits', () => {
    const cluster = plan.stacks.find((s) => s.stackName === 'cohortlab-demo-2027-spring-cluster');
    expect(cluster).toBeDefined();
    expect(cluster?.resourceCount).toBeLessThan(450);
    expect(cluster?.templateBytes).toBeLessThan(800 * 1024);
    expect(cluster?.resourcesByType).toEqual(
      expect.objectContaining({
        'AWS::EKS::Cluster': 1,
        'AWS::EKS::Nodegroup': 1,
        'AWS::RDS::DBInstance': 1,
      }),
    );
    // every acknowledgement in the cluster template names its rule and says why
    expect(cluster?.acknowledgements.map((a) => a.id)).toEqual(
      expect.arrayContaining(['AwsSolutions-EKS1', 'AwsSolutions-RDS3', 'AwsSolutions-L1']),
    );
  });

  test('reports the expiry, zero findings and the acknowledgement reasons', () => {
    expect(plan.daysToExpiry).toBe(152);
    expect(plan.violations).toEqual([]);
    expect(plan.limitProblems).toEqual([]);
    const acks = plan.stacks.flatMap((s) => s.acknowledgements);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.reason.length).toBeGreaterThan(20);
    }
  });

  test('a sandbox without TLS prints a loud warning; the demo cohort none', () => {
    expect(plan.warnings).toEqual([]);
    const sandbox = planCohort(
      loadCohort('cohorts/sandbox-example.yaml'),
      testTempDir('cohortlab-plan-sb'),
      TODAY,
    );
    expect(sandbox.warnings).toEqual([
      expect.stringMatching(/^cohortlab-sandbox-grace-apps: MLFLOW WITHOUT TLS/),
    ]);
    expect(renderPlan(sandbox)).toContain('!!! WARNING: cohortlab-sandbox-grace-apps: MLFLOW WITHOUT TLS');
  });

  test('the rendered plan names stacks, counts, tags and expiry', () => {
    const text = renderPlan(plan);
    expect(text).toContain('Cohort Lab plan: demo-2027-spring (profile cohort)');
    expect(text).toContain('expires    2027-04-30 (152 days from today)');
    expect(text).toMatch(/Stack cohortlab-demo-2027-spring-data: 12 resources, [\d.]+ KB/);
    expect(text).toMatch(/AWS::S3::Bucket\s+2/);
    expect(text).toContain('lab:owner = ops@cohort-lab.example');
    expect(text).toContain('Policy: cdk-nag AwsSolutions: 0 unacknowledged finding(s)');
  });
});
