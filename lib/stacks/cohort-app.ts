import { App, Environment, Stack } from 'aws-cdk-lib';
import { readFileSync } from 'fs';
import { join } from 'path';
import { CohortConfig, loadCohortFile } from '../config';
import { applyLabTags, labTags, shardPart, stackName } from '../core';
import { AppsStack } from './apps-stack';
import { ClusterStack } from './cluster-stack';
import { DataStack } from './data-stack';
import { LearnersStack, shardMembers } from './learners-stack';

/** The stacks of one cohort. */
export interface CohortStacks {
  readonly data: DataStack;
  readonly cluster: ClusterStack;
  readonly apps: AppsStack;
  /** The roster's `learners-N` stacks, one per shard that has people, by shard number. */
  readonly learners: ReadonlyMap<number, LearnersStack>;
}

/** Add every stack of `config` to `app`. Stacks are thin composition; constructs hold the logic. */
export function addCohortStacks(app: App, config: CohortConfig): CohortStacks {
  const env: Environment | undefined =
    config.account !== undefined || config.region !== undefined
      ? { account: config.account, region: config.region }
      : undefined;
  const common = {
    env,
    tags: labTags(config),
    terminationProtection: !config.profile.isSandbox,
  };
  const data = new DataStack(app, stackName(config.name, 'data'), {
    ...common,
    description: `Cohort Lab ${config.name}: KMS key and artifact bucket`,
    config,
  });
  const cluster = new ClusterStack(app, stackName(config.name, 'cluster'), {
    ...common,
    description: `Cohort Lab ${config.name}: VPC, EKS cluster, workload identity, secret sync, MLflow database`,
    config,
    cohortKey: data.key,
    artifacts: data.artifacts,
  });
  // Explicit, not only implied by the references: the cluster reads the key and bucket ARNs.
  cluster.addStackDependency(data, 'the cluster uses the cohort key and the artifact bucket');
  const apps = new AppsStack(app, stackName(config.name, 'apps'), {
    ...common,
    description: `Cohort Lab ${config.name}: MLflow and Feast images, OIDC identity, Kubernetes charts`,
    config,
    cluster: cluster.cluster.cluster,
    vpc: cluster.network.vpc,
    privateSubnets: cluster.network.privateSubnets,
    clusterSecurityGroup: cluster.cluster.clusterSecurityGroup,
    alertTopic: data.alerts.topic,
    rotationFailedRule: data.rotationFailed,
    database: cluster.database.endpoint,
    databaseInstance: cluster.database.instance,
    artifacts: data.artifacts,
    cohortKey: data.key,
  });
  apps.addStackDependency(
    cluster,
    'the charts run on the cluster; deleting apps first drains its load balancers',
  );
  const learners = new Map<number, LearnersStack>();
  for (const [shard, members] of shardMembers(config)) {
    const stack = new LearnersStack(app, stackName(config.name, shardPart(shard)), {
      ...common,
      description: `Cohort Lab ${config.name}: people of shard ${shard} (roles, MLflow credentials, namespaces)`,
      config,
      shard,
      members,
      cluster: cluster.cluster.cluster,
      cohortKey: data.key.key,
      policies: data.peoplePolicies,
      servingImage: apps.servingImage,
      rotation: apps.rotation,
      secretsOperatorRole: cluster.secretsSync.operatorRole.role,
      userPoolId: apps.identity.userPool.userPoolId,
      driftImage: apps.driftImage,
      artifactBucketName: data.artifacts.bucket.bucketName,
      alerts: data.alerts,
      driftRole: apps.driftRole,
    });
    stack.addStackDependency(apps, 'the rotation function creates the MLflow users; MLflow must run');
    learners.set(shard, stack);
  }
  for (const stack of [data, cluster, apps, ...learners.values()]) {
    applyLabTags(stack, config);
  }
  return { data, cluster, apps, learners };
}

/** Every stack of a cohort, in deployment order: data, cluster, apps, then the learner shards. */
export function allStacks(stacks: CohortStacks): Stack[] {
  return [stacks.data, stacks.cluster, stacks.apps, ...stacks.learners.values()];
}

/**
 * The context (feature flags) from `cdk.json`, so that in-process synths (tests, `plan`) build the
 * same templates as `cdk synth`.
 */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

/** A new CDK app with the project's feature flags, as `cdk synth` would create it. */
export function newCohortApp(outdir?: string): App {
  return new App({
    outdir,
    context: cdkJsonContext(),
    analyticsReporting: false,
  });
}

/**
 * The cohort of a CDK app run, from its context: `-c cohort=<file>` (default `cohorts/demo.yaml`),
 * `-c today=YYYY-MM-DD` (the date the expiry rule compares with; default the current UTC date) and
 * `-c allowExpired=true`, which accepts a course end in the past so that an expired cohort can be
 * destroyed (`cdk destroy` synthesises the app too). Throws CohortConfigError on a bad file.
 */
export function loadCohortFromContext(app: App): CohortConfig {
  const context = (key: string) => app.node.tryGetContext(key) as unknown;
  const file = (context('cohort') as string | undefined) ?? 'cohorts/demo.yaml';
  const today = context('today') as string | undefined;
  const allowExpired = String(context('allowExpired') ?? 'false');
  if (allowExpired !== 'true' && allowExpired !== 'false') {
    throw new Error(`-c allowExpired must be true or false (got "${allowExpired}")`);
  }
  if (today !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(today)) {
    throw new Error(`-c today must be YYYY-MM-DD (got "${today}")`);
  }
  return loadCohortFile(file, { today, allowExpired: allowExpired === 'true' });
}
