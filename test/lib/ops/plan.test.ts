import { testTempDir } from '../../support/tmp';
import { describeTemplate, planCohort, planJson, renderPlan } from '../../../lib/ops/plan';
import { MAX_PEOPLE_PER_SHARD } from '../../../lib/core';
import { demoDocument } from '../../../scripts/synthetic-cohort';
import { configFrom, loadCohort, TODAY } from '../../support/cohort';

describe('plan', () => {
  const outdir = testTempDir('cohortlab-plan');
  const plan = planCohort(loadCohort('cohorts/demo.yaml'), outdir, TODAY);

  test('counts resources by type from the synthesised template', () => {
    const data = plan.stacks.find((s) => s.stackName === 'cohortlab-demo-2027-spring-data');
    expect(data).toBeDefined();
    expect(data?.resourcesByType).toEqual({
      'AWS::Budgets::Budget': 1,
      'AWS::Events::Rule': 1,
      // the people's two and the CI roles' one, and GitHub's OIDC provider (Grace names a repository)
      'AWS::IAM::ManagedPolicy': 3,
      'AWS::IAM::OIDCProvider': 1,
      'AWS::IAM::Policy': 1,
      'AWS::IAM::Role': 1,
      'AWS::KMS::Alias': 1,
      'AWS::KMS::Key': 1,
      'AWS::S3::Bucket': 2,
      'AWS::S3::BucketPolicy': 2,
      'AWS::Scheduler::Schedule': 3,
      'AWS::SNS::Subscription': 4,
      'AWS::SNS::Topic': 2,
      'AWS::SNS::TopicPolicy': 2,
      'AWS::SQS::Queue': 2,
      'AWS::SQS::QueuePolicy': 2,
    });
    expect(data?.resourceCount).toBe(29);
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
    expect(text).toMatch(/Stack cohortlab-demo-2027-spring-data: 29 resources, [\d.]+ KB/);
    expect(text).toMatch(/AWS::S3::Bucket\s+2/);
    expect(text).toContain('lab:owner = ops@cohort-lab.example');
    expect(text).toContain('Policy: cdk-nag AwsSolutions: 0 unacknowledged finding(s)');
  });

  test('the verdict comes first, then cost, expiry, addresses, DNS records and the next command', () => {
    // WHEN the demo plan is rendered
    const lines = renderPlan(plan).split('\n');
    // THEN
    expect(lines[0]).toBe('Verdict: READY to deploy demo-2027-spring');
    const at = (prefix: string) => lines.findIndex((l) => l.startsWith(prefix));
    expect(lines[at('  at expiry')]).toBe('  at expiry  notify; reminders 2027-04-16, 2027-04-27');
    expect(at('Cost (on-demand list prices of eu-west-1, table of 2026-12-06')).toBeGreaterThan(0);
    expect(lines[at('DNS records to create:') + 1]).toMatch(
      /^ {2}mlflow\.demo-2027-spring\.cohort-lab\.example {2}CNAME .* -> {2}the DNS name of the ALB of Ingress cohort-lab\/mlflow/,
    );
    expect(lines[at('Next:')]).toBe(`Next: npx cdk deploy -c cohort=${plan.config.sourceFile} --all`);
    expect(at('Cost')).toBeLessThan(at('Addresses:'));
    expect(at('Addresses:')).toBeLessThan(at('Next:'));
    expect(at('Next:')).toBeLessThan(at('Stack '));
  });

  test('the cost is fixed plus learners times the per-learner figure, over the course hours', () => {
    // GIVEN the demo plan's estimate
    if (!('estimate' in plan.cost)) throw new Error(plan.cost.unpriced);
    const e = plan.cost.estimate;
    // THEN the parts add up, and the course runs 2027-01-11 to 2027-04-30 inclusive (110 days)
    const sum = (xs: ReadonlyArray<{ usdPerHour: number }>) => xs.reduce((a, b) => a + b.usdPerHour, 0);
    expect(e.fixedUsdPerHour).toBeCloseTo(sum(e.fixed), 10);
    expect(e.perLearnerUsdPerHour).toBeCloseTo(sum(e.perLearner), 10);
    expect(e.usdPerHour).toBeCloseTo(
      e.fixedUsdPerHour + 3 * e.perLearnerUsdPerHour + e.instructorsUsdPerHour,
      10,
    );
    expect(e.courseHours).toBe(110 * 24);
    expect(e.courseUsd).toBeCloseTo(e.usdPerHour * 110 * 24, 6);
    // and the control plane is EKS's published $0.10 an hour
    expect(e.fixed[0]).toEqual(expect.objectContaining({ item: 'EKS control plane', usdPerHour: 0.1 }));
    expect(e.usdPerHour).toBeLessThanOrEqual(e.ceilingUsdPerHour);
  });

  test('acknowledgements are a count per rule; --verbose lists each with its reason', () => {
    // WHEN rendered both ways
    const short = renderPlan(plan);
    const long = renderPlan(plan, true);
    const acks = plan.stacks.flatMap((s) => s.acknowledgements);
    // THEN the short form has one line per rule, and the counts add up to every acknowledgement
    const counted = [...short.matchAll(/^ {2}ack (\S+) x(\d+)$/gm)];
    expect(counted.map((m) => m[1])).toEqual([...new Set(counted.map((m) => m[1]))]);
    expect(counted.every((m) => !m[1].includes('['))).toBe(true);
    expect(counted.reduce((n, m) => n + Number(m[2]), 0)).toBe(acks.length);
    expect(short).not.toContain(acks[0].reason);
    expect(long.match(/^ {2}ack .* on .*: .*$/gm)).toHaveLength(acks.length);
  });

  test('--json carries the verdict, cost, expiry, endpoints and next command', () => {
    const json = JSON.parse(JSON.stringify(planJson(plan))) as Record<string, unknown>;
    expect(json).toEqual(
      expect.objectContaining({
        cohort: 'demo-2027-spring',
        ready: true,
        nextCommand: `npx cdk deploy -c cohort=${plan.config.sourceFile} --all`,
        expiry: {
          date: '2027-04-30',
          daysLeft: 152,
          action: 'notify',
          reminders: ['2027-04-16', '2027-04-27'],
        },
      }),
    );
    expect(json).not.toHaveProperty('config');
  });

  test('measures every size limit it checks, and prints the largest figure of each against its budget', () => {
    // THEN each limit of lib/core/limits.ts that a template can show is measured, all within budget
    expect(plan.largest.map((m) => m.limit.what)).toEqual([
      'resources in one CloudFormation stack',
      'bytes of one CloudFormation template',
      'outputs of one CloudFormation stack',
      'dynamic references in one CloudFormation template',
      'bytes of one S3 bucket policy',
      'bytes of one KMS key policy',
      'characters of one customer managed IAM policy',
      'characters of the inline policies of one IAM role',
      'characters of one IAM role trust policy',
      'combinations of values in one SNS filter policy',
      'bytes of one manifest the kubectl provider applies (an update event holds it twice)',
      "connections to MLflow's PostgreSQL (db.t4g.small)",
    ]);
    for (const m of plan.largest) {
      expect(m.size).toBeGreaterThan(0);
      expect(m.size).toBeLessThanOrEqual(m.limit.budget);
    }
    const text = renderPlan(plan);
    expect(text).toContain('Limits: the largest figure of each kind, against the budget');
    expect(text).toMatch(
      /^ {2}bytes of one S3 bucket policy: [\d,]+ of 20,480 \(cohortlab-demo-2027-spring-data\/ArtifactsPolicy[0-9A-F]{8}\)$/m,
    );
    expect(text).not.toContain('LIMIT ');
  });

  test("prints the roster's serving replicas and database, and holds MLflow's pools to the class's connections", () => {
    const text = renderPlan(plan);
    expect(text).toContain('  serving    MLflow 2 replica(s), Feast 2 replica(s)\n');
    expect(text).toContain('  database   db.t4g.small, 20 GiB growing to 100 GiB\n');
    // 2 pods × 60 + 12 reserved = 132 of db.t4g.small's 152 (80% of its 191 max_connections)
    expect(text).toMatch(
      /^ {2}connections to MLflow's PostgreSQL \(db\.t4g\.small\): 132 of 152 \(cohortlab-demo-2027-spring-cluster\/Database\w+\)$/m,
    );
  });

  test('fails when the MLflow pods may open more connections than the database class allows', () => {
    // GIVEN the demo cohort's config with 3 MLflow pods but the 2-pod database (as a profile
    // edited by hand would give: the config itself sizes the database from the replicas)
    const demo = loadCohort('cohorts/demo.yaml');
    const config = { ...demo, mlflow: { ...demo.mlflow, replicas: 3 } };
    // WHEN it is planned
    const over = planCohort(config, testTempDir('cohortlab-plan-db'), TODAY);
    // THEN the plan fails, naming the stack, the figure and RDS's limit
    expect(over.ready).toBe(false);
    expect(over.limitProblems.map((p) => p.message)).toEqual([
      'cohortlab-demo-2027-spring-cluster: 3 MLflow pod(s) and the reserve may open 192 connections; ' +
        'the budget is 152, below the 191 RDS for PostgreSQL allows (Amazon RDS User Guide, "Quotas and ' +
        'constraints for Amazon RDS": max_connections LEAST({DBInstanceClassMemory/9531392}, 5000))',
    ]);
  });

  test("warns when compute.maxNodes is below the roster's need", () => {
    // GIVEN the demo cohort with a node group of at most one node
    const config = configFrom(
      (doc) => Object.assign(doc, { compute: { instanceTypes: ['m6i.large'], minNodes: 1, maxNodes: 1 } }),
      demoDocument(),
    );
    // WHEN it is planned
    const small = planCohort(config, testTempDir('cohortlab-plan-nodes'), TODAY);
    // THEN the capacity warning is among the plan's warnings, and nothing fails
    expect(small.warnings).toEqual([
      expect.stringMatching(
        /^MAX NODES BELOW THE ROSTER: inline\.yaml: compute\.maxNodes is 1, but 3 learners need about \d+ m6i\.large nodes/,
      ),
    ]);
    expect(small.limitProblems).toEqual([]);
    expect(renderPlan(small)).toContain('!!! WARNING: MAX NODES BELOW THE ROSTER');
  });

  test('fails when a full shard of long-named learners with principals passes the template byte budget', () => {
    // GIVEN the most people a shard may hold (MAX_PEOPLE_PER_SHARD), each with the longest id, an
    // IAM principal and a GitHub repository (Lab 2's CI role and model server), pinned to one
    // shard: the config accepts it (its rule counts people, not bytes)
    const config = configFrom((doc) => {
      doc.github = {};
      doc.learners = Array.from({ length: MAX_PEOPLE_PER_SHARD }, (_, i) => {
        const id = `learner-with-a-long-name-of-forty-ch-${String(i).padStart(3, '0')}`;
        return {
          id,
          email: `${id}@cohort-lab.example`,
          displayName: `Learner ${i}`,
          iamPrincipalArn: `arn:aws:iam::111122223333:role/learners/${id}`,
          github: { repository: `cohort-lab-learners/${id}` },
          shard: 0,
        };
      });
    }, demoDocument());
    expect(config.learners[0].slug).toHaveLength(40);
    // WHEN it is planned
    const full = planCohort(config, testTempDir('cohortlab-plan-full'), TODAY);
    // THEN plan names the stack, its size and the budget
    expect(full.limitProblems.map((p) => p.message)).toEqual([
      expect.stringMatching(
        /^cohortlab-demo-2027-spring-learners-0: template is [\d,]+ bytes; the budget is 819,200, below the 1,000,000 CloudFormation allows \(AWS CloudFormation User Guide, "AWS CloudFormation quotas": Template body size in an Amazon S3 object, 1 MB\)$/,
      ),
    ]);
    expect(renderPlan(full)).toContain('  LIMIT cohortlab-demo-2027-spring-learners-0: template is ');
  });
});
