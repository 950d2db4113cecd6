import { CfnOutput, Fn, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { ArtifactBucket } from '../../constructs/artifact-bucket';
import { ClusterAutoscaler } from '../../constructs/cluster-autoscaler';
import { ClusterObservability } from '../../constructs/cluster-observability';
import { ClusterEndpoint, CohortCluster } from '../../constructs/cohort-cluster';
import { CohortDatabase } from '../../constructs/cohort-database';
import { CohortExpiry } from '../../constructs/cohort-expiry';
import { CohortKey } from '../../constructs/cohort-key';
import { CohortNetwork } from '../../constructs/cohort-network';
import { PodIdentityRole } from '../../constructs/pod-identity-role';
import { SecretsSync } from '../../constructs/secrets-sync';
import { ClusterConfig, CohortConfig } from '../config';
import {
  ApiEndpointAccess,
  clusterName,
  cohortMetricsNamespace,
  MLFLOW_LOG_METRICS,
  mlflowContainerLogPath,
  peopleRolePath,
  COHORT_NAMESPACE,
  ExpiryAction,
  EXTERNAL_SECRETS,
  FEAST_PREFIX,
  labTags,
  MLFLOW_PREFIX,
  PRODUCT_PREFIX,
  RELOADER_NAMESPACE,
  SERVICE_ACCOUNTS,
  secretNames,
  secretPrefix,
} from '../core';
import { cdkProfile } from './profile-mapping';

/** Properties of {@link ClusterStack}. */
export interface ClusterStackProps extends StackProps {
  /** The validated cohort. */
  readonly config: CohortConfig;
  /** The cohort key (data stack): EKS secrets, database, secrets, log groups. */
  readonly cohortKey: CohortKey;
  /** The artifact bucket (data stack): MLflow and Feast get their prefix of it. */
  readonly artifacts: ArtifactBucket;
}

/**
 * The cohort's compute: VPC, EKS cluster with access entries and the Cluster Autoscaler, workload
 * identities for MLflow and Feast, secret sync into the cluster, and MLflow's PostgreSQL.
 * Composition only; the constructs hold the logic.
 */
export class ClusterStack extends Stack {
  public readonly network: CohortNetwork;
  public readonly cluster: CohortCluster;
  /** Scales the node group between `compute.minNodes` and `compute.maxNodes`. */
  public readonly autoscaler: ClusterAutoscaler;
  /** Pod logs to CloudWatch Logs, Container Insights metrics, MLflow's log metrics. */
  public readonly observability: ClusterObservability;
  public readonly database: CohortDatabase;
  public readonly secretsSync: SecretsSync;
  /** Pod Identity roles by service account name (`mlflow`, `feast`). */
  public readonly workloadRoles: Readonly<Record<keyof typeof SERVICE_ACCOUNTS, PodIdentityRole>>;

  constructor(scope: Construct, id: string, props: ClusterStackProps) {
    super(scope, id, props);
    const { config, cohortKey, artifacts } = props;
    const profile = cdkProfile(config.profile, config.database);
    const names = secretNames(config.name);

    this.network = new CohortNetwork(this, 'Network', {
      egress: config.profile.egress,
      flowLogRetention: profile.logRetention,
      flowLogKey: cohortKey.key,
    });

    this.cluster = new CohortCluster(this, 'Cluster', {
      clusterName: clusterName(config.name),
      vpc: this.network.vpc,
      subnets: this.network.privateSubnets,
      encryptionKey: cohortKey.key,
      endpoint: endpointFrom(config.cluster),
      logRetention: profile.logRetention,
      // What Kubernetes creates in AWS carries the cohort's tags: sweep finds it by lab:cohort.
      controllerResourceTags: labTags(config),
      capacity: {
        instanceTypes: config.compute.instanceTypes.map((t) => new ec2.InstanceType(t)),
        minNodes: config.compute.minNodes,
        maxNodes: config.compute.maxNodes,
        spot: config.compute.spot,
      },
    });
    this.autoscaler = new ClusterAutoscaler(this, 'Autoscaler', { cluster: this.cluster });
    this.observability = new ClusterObservability(this, 'Observability', {
      cluster: this.cluster,
      encryptionKey: cohortKey.key,
      logRetention: profile.logRetention,
      mlflowLogPath: mlflowContainerLogPath(),
      metricNamespace: cohortMetricsNamespace(config.name),
      mlflowMetrics: Object.values(MLFLOW_LOG_METRICS),
    });
    // People's access entries come with each person, in their learners-N stack (LabPerson).

    const mlflow = this.cluster.addPodIdentityRole('MlflowRole', COHORT_NAMESPACE, SERVICE_ACCOUNTS.mlflow);
    mlflow.grantArtifactPrefix(artifacts, MLFLOW_PREFIX);
    mlflow.grantReadSecrets([names.mlflowAdmin, names.mlflowFlaskKey, names.dbMlflow], cohortKey.key);
    const feast = this.cluster.addPodIdentityRole('FeastRole', COHORT_NAMESPACE, SERVICE_ACCOUNTS.feast);
    feast.grantArtifactPrefix(artifacts, FEAST_PREFIX);
    feast.grantReadSecrets([names.redis], cohortKey.key);
    this.workloadRoles = { mlflow, feast };

    this.secretsSync = new SecretsSync(this, 'SecretsSync', {
      cluster: this.cluster,
      secretPrefix: secretPrefix(config.name),
      encryptionKey: cohortKey.key,
      allowedNamespaces: [COHORT_NAMESPACE],
      clusterSecretStoreName: EXTERNAL_SECRETS.clusterSecretStore,
      operator: { namespace: EXTERNAL_SECRETS.namespace, serviceAccount: EXTERNAL_SECRETS.serviceAccount },
      reloaderNamespace: RELOADER_NAMESPACE,
    });
    // Each learner's ClusterSecretStore reads as the learner's role (cdk8s/learner).
    this.secretsSync.allowAssumingRolesUnder(peopleRolePath(config.name));

    const db = profile.database;
    this.database = new CohortDatabase(this, 'Database', {
      vpc: this.network.vpc,
      subnets: this.network.databaseSubnets,
      rotationSubnets: this.network.privateSubnets,
      encryptionKey: cohortKey.key,
      instanceIdentifier: `${PRODUCT_PREFIX}-${config.name}-mlflow`,
      masterSecretName: names.dbMaster,
      appSecretName: names.dbMlflow,
      appUsername: 'mlflow',
      appDatabaseName: 'mlflow',
      instanceType: db.instanceType,
      allocatedStorageGiB: db.allocatedStorageGiB,
      maxAllocatedStorageGiB: db.maxAllocatedStorageGiB,
      backupRetention: db.backupRetention,
      removalPolicy: db.removalPolicy,
      deletionProtection: db.deletionProtection,
      logRetention: profile.logRetention,
    });
    // Pods (on the nodes, which carry the cluster security group) reach PostgreSQL; nothing else.
    this.database.allowFrom(this.cluster.clusterSecurityGroup, 'MLflow pods on the cohort cluster');

    if (config.expiry.action === ExpiryAction.SCALE_TO_ZERO) {
      // Here, not in the data stack with the reminders: it needs the node group's generated name.
      new CohortExpiry(this, 'Expiry', { cohortName: config.name, expires: config.expires }).scaleToZero(
        this.cluster.nodegroup,
        clusterName(config.name),
      );
    }

    new CfnOutput(this, 'ClusterName', { value: this.cluster.clusterName, description: 'EKS cluster' });
    new CfnOutput(this, 'KubeconfigCommand', {
      value: `aws eks update-kubeconfig --name ${clusterName(config.name)} --region ${this.region}`,
      description: 'How an instructor or learner with an access entry gets a kubeconfig',
    });
    new CfnOutput(this, 'DatabaseEndpoint', {
      value: this.database.instance.dbInstanceEndpointAddress,
      description: 'MLflow PostgreSQL (private)',
    });
    new CfnOutput(this, 'MlflowRoleArn', {
      value: mlflow.roleArn,
      description: 'Pod Identity: cohort-lab/mlflow',
    });
    new CfnOutput(this, 'FeastRoleArn', {
      value: feast.roleArn,
      description: 'Pod Identity: cohort-lab/feast',
    });
  }

  /**
   * Two AZs without a lookup: `Fn::GetAZs` at deploy time even when the cohort names an account, so
   * synth never needs credentials or a context file.
   */
  public override get availabilityZones(): string[] {
    return [Fn.select(0, Fn.getAzs()), Fn.select(1, Fn.getAzs())];
  }
}

function endpointFrom(cluster: ClusterConfig): ClusterEndpoint {
  return cluster.endpointAccess === ApiEndpointAccess.PUBLIC
    ? ClusterEndpoint.publicFrom(cluster.publicAccessCidrs, {
        allowAnywhere: cluster.allowPublicAccessFromAnywhere,
      })
    : ClusterEndpoint.private();
}
