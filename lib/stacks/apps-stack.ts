import { Annotations, CfnOutput, IgnoreMode, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as events from 'aws-cdk-lib/aws-events';
import { App as Cdk8sApp, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { join } from 'path';
import {
  addCohortCharts,
  chartValues,
  CohortCharts,
  DatabaseEndpoint,
  ImageSource,
  InfraValues,
  ServingImage,
} from '../../cdk8s';
import { ArtifactBucket } from '../../constructs/artifact-bucket';
import { CohortMonitoring, IngressLoadBalancer } from '../../constructs/cohort-monitoring';
import { MlflowWebAcl } from '../../constructs/mlflow-web-acl';
import { CohortSecrets } from '../../constructs/cohort-secrets';
import { MlflowPrivateEndpoint } from '../../constructs/mlflow-private-endpoint';
import { SecretRotation } from '../../constructs/mlflow-rotation';
import { CohortIdentity } from '../../constructs/cohort-identity';
import { CohortKey } from '../../constructs/cohort-key';
import { DriftRole } from '../../constructs/learner-drift';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as sns from 'aws-cdk-lib/aws-sns';
import { CohortConfig } from '../config';
import {
  BuiltImage,
  clusterName,
  cohortMetricsNamespace,
  COHORT_NAMESPACE,
  EXTERNAL_SECRETS,
  MLFLOW_PORT,
  MLFLOW_RATE_LIMIT,
  mlflowLoadBalancerName,
  nodeAllocatable,
  secretNames,
  secretPrefix,
} from '../core';
import { cdkProfile } from './profile-mapping';

/** Properties of {@link AppsStack}. */
export interface AppsStackProps extends StackProps {
  readonly config: CohortConfig;
  /** The cohort's EKS cluster (cluster stack): the charts are applied through its kubectl provider. */
  readonly cluster: eks.ICluster;
  /** The cohort VPC: its CIDR scopes the NetworkPolicies (load balancer targets, database). */
  readonly vpc: ec2.IVpc;
  /** Private subnets (with egress) for the rotation function and the private MLflow endpoint. */
  readonly privateSubnets: ec2.SubnetSelection;
  /** Security group of the cluster's nodes and pods: the private endpoint reaches MLflow through it. */
  readonly clusterSecurityGroup: ec2.ISecurityGroup;
  /** The cohort's alert topic (data stack): rotation failures go there. */
  readonly alertTopic: sns.ITopic;
  /** The data stack's rule on Secrets Manager's `RotationFailed` events: its matches are on the dashboard. */
  readonly rotationFailedRule: events.IRule;
  /** MLflow's PostgreSQL endpoint (cluster stack); TLS is required (RDS for PostgreSQL 15+). */
  readonly database: Omit<DatabaseEndpoint, 'sslMode'>;
  /** MLflow's PostgreSQL instance (cluster stack), for its metrics and alarms. */
  readonly databaseInstance: rds.IDatabaseInstance;
  readonly artifacts: ArtifactBucket;
  readonly cohortKey: CohortKey;
}

/** Directory of the image build contexts. */
export const IMAGES_DIR = join(__dirname, '..', '..', 'images');
/** The repository: the build context of images whose Dockerfile copies a lab (images/monitoring). */
const REPO_ROOT = join(__dirname, '..', '..');

/**
 * What runs on the cluster: the MLflow and Feast images (built by CDK at deploy time unless the
 * cohort file names prebuilt ones), the cohort's OpenID provider for Feast (Cognito), and the
 * cdk8s charts, applied through the cluster's kubectl provider. Deleted first, so the load
 * balancer the MLflow Ingress created is removed while its controller still runs.
 */
export class AppsStack extends Stack {
  public readonly identity: CohortIdentity;
  public readonly charts: CohortCharts;
  /** One KubernetesManifest per chart, in dependency order. */
  public readonly manifests: Readonly<Record<string, eks.KubernetesManifest>>;
  public readonly images: { readonly mlflow: string; readonly feast: string };
  /** Lab 3's drift image (images/monitoring, or the cohort file's drift.image) and where it comes from. */
  public readonly driftImage: { readonly uri: string; readonly source: ImageSource };
  /** The MLflow image as the learners' model servers run it (Lab 2). */
  public readonly servingImage: ServingImage;
  public readonly secrets: CohortSecrets;
  public readonly rotation: SecretRotation;
  /** The learners' drift jobs' shared Pod Identity role (each learner's association is in their shard). */
  public readonly driftRole: DriftRole;
  public readonly mlflowPrivateEndpoint: MlflowPrivateEndpoint;
  /** The web ACL of MLflow's internet-facing load balancer. */
  public readonly mlflowWebAcl: MlflowWebAcl;
  /** The cohort's dashboard and alarms. */
  public readonly monitoring: CohortMonitoring;

  constructor(scope: Construct, id: string, props: AppsStackProps) {
    super(scope, id, props);
    const { config } = props;
    const profile = cdkProfile(config.profile);

    const prebuilt = (uri: string) => ({ uri, id: uri, source: ImageSource.COHORT_FILE });
    const mlflowImage = config.mlflow.image
      ? prebuilt(config.mlflow.image)
      : this.imageAsset('MlflowImage', 'mlflow');
    const feastImage = config.feast.image
      ? prebuilt(config.feast.image)
      : this.imageAsset('FeastImage', 'feast');
    this.images = { mlflow: mlflowImage.uri, feast: feastImage.uri };
    this.driftImage = config.drift.image
      ? { uri: config.drift.image, source: ImageSource.COHORT_FILE }
      : { uri: this.monitoringImageAsset().imageUri, source: ImageSource.CDK_ASSET };
    this.servingImage = { image: mlflowImage.uri, source: mlflowImage.source };

    this.identity = new CohortIdentity(this, 'Identity', {
      cohortName: config.name,
      encryptionKey: props.cohortKey.key,
      removalPolicy: profile.statefulRemovalPolicy,
      logRetention: profile.logRetention,
    });

    // Secrets, their rotation function, and the private way the function reaches MLflow.
    this.mlflowPrivateEndpoint = new MlflowPrivateEndpoint(this, 'MlflowPrivateEndpoint', {
      vpc: props.vpc,
      vpcSubnets: props.privateSubnets,
      targetPort: MLFLOW_PORT,
      accessLogsBucket: props.artifacts.accessLogsBucket,
    });
    // Written as a resource of this stack: addIngressRule on the cluster's group would put the
    // rule in the cluster stack, pointing back here (a cycle between the stacks).
    new ec2.CfnSecurityGroupIngress(this, 'MlflowPodsFromPrivateEndpoint', {
      groupId: props.clusterSecurityGroup.securityGroupId,
      sourceSecurityGroupId: this.mlflowPrivateEndpoint.securityGroup.securityGroupId,
      ipProtocol: 'tcp',
      fromPort: MLFLOW_PORT,
      toPort: MLFLOW_PORT,
      description: 'Private MLflow endpoint to the MLflow pods',
    });
    this.rotation = new SecretRotation(this, 'SecretRotation', {
      vpc: props.vpc,
      vpcSubnets: props.privateSubnets,
      mlflowUrl: this.mlflowPrivateEndpoint.url,
      adminSecretName: secretNames(config.name).mlflowAdmin,
      secretNamePrefix: secretPrefix(config.name),
      encryptionKey: props.cohortKey.key,
      alarmTopic: props.alertTopic,
      logRetention: profile.logRetention,
    });
    this.mlflowPrivateEndpoint.allowFrom(this.rotation.securityGroup, 'Secret rotation function');
    // The function also serves each person's roster member (learners-N stacks): their Cognito user.
    this.rotation.grantRosterMembers(this.identity.userPool);
    this.driftRole = new DriftRole(this, 'DriftRole', {
      cluster: props.cluster,
      topic: props.alertTopic,
      encryptionKey: props.cohortKey.key,
      artifactBucket: props.artifacts.bucket,
      cohortName: config.name,
    });
    this.secrets = new CohortSecrets(this, 'Secrets', {
      cohortName: config.name,
      encryptionKey: props.cohortKey.key,
      rotation: this.rotation,
    });

    // The edge: a web ACL the MLflow Ingress's load balancer is associated with (annotation).
    this.mlflowWebAcl = new MlflowWebAcl(this, 'MlflowWebAcl', {
      name: `cohortlab-${config.name}-mlflow`,
      rateLimit: MLFLOW_RATE_LIMIT,
    });

    const infra: InfraValues = {
      region: this.region,
      artifactBucketName: props.artifacts.bucketName,
      vpcCidr: props.vpc.vpcCidrBlock,
      database: { ...props.database, sslMode: 'require' },
      images: this.images,
      imageIds: { mlflow: mlflowImage.id, feast: feastImage.id },
      imageSources: { mlflow: mlflowImage.source, feast: feastImage.source },
      oidc: {
        discoveryUrl: this.identity.discoveryUrl,
        issuer: this.identity.issuer,
        clientId: this.identity.userPoolClientId,
      },
      secretStoreName: EXTERNAL_SECRETS.clusterSecretStore,
      mlflowPrivateEndpoint: {
        hostname: this.mlflowPrivateEndpoint.hostname,
        targetGroupArn: this.mlflowPrivateEndpoint.targetGroup.targetGroupArn,
      },
      mlflowWebAclArn: this.mlflowWebAcl.webAclArn,
    };
    this.charts = addCohortCharts(new Cdk8sApp(), chartValues(config, infra));

    const manifests: Record<string, eks.KubernetesManifest> = {};
    const order: Array<[string, Chart]> = [
      ['Namespaces', this.charts.namespaces],
      ['Mlflow', this.charts.mlflow],
      ['Feast', this.charts.feast],
    ];
    for (const [name, chart] of order) {
      manifests[name] = new eks.KubernetesManifest(this, name, {
        cluster: props.cluster,
        manifest: chart.toJson(),
        // Objects dropped from a chart are deleted from the cluster on the next deploy.
        prune: true,
      });
    }
    manifests.Mlflow.node.addDependency(manifests.Namespaces);
    manifests.Feast.node.addDependency(manifests.Namespaces);
    // The workloads read these secrets through ESO: they exist before the charts are applied.
    for (const m of [manifests.Mlflow, manifests.Feast]) {
      m.node.addDependency(this.secrets);
    }
    this.manifests = manifests;

    // The dashboard and the alarms; the Ingress's load balancer is looked up once it exists.
    const mlflowLoadBalancer = new IngressLoadBalancer(this, 'MlflowLoadBalancer', {
      cluster: props.cluster,
      namespace: COHORT_NAMESPACE,
      ingressName: this.charts.mlflow.ingress.name,
      loadBalancerName: mlflowLoadBalancerName(config.name),
    });
    mlflowLoadBalancer.node.addDependency(manifests.Mlflow);
    this.monitoring = new CohortMonitoring(this, 'Monitoring', {
      cohortName: config.name,
      alarmTopic: props.alertTopic,
      clusterName: clusterName(config.name),
      namespace: COHORT_NAMESPACE,
      maxNodes: config.compute.maxNodes,
      podsPerNode: nodeAllocatable(config.compute.instanceTypes[0])?.pods,
      mlflowLoadBalancerFullName: mlflowLoadBalancer.loadBalancerFullName,
      mlflowLogMetricsNamespace: cohortMetricsNamespace(config.name),
      webAcl: this.mlflowWebAcl.webAcl,
      database: props.databaseInstance,
      rotationFunction: this.rotation.function,
      rotationFailedRule: props.rotationFailedRule,
    });

    if (config.mlflow.certificateArn === undefined) {
      Annotations.of(this).addWarningV2(
        'cohort-lab:mlflow-plain-http',
        `MLFLOW WITHOUT TLS: ${config.name} has no mlflow.certificateArn, so the MLflow Ingress listens on plain HTTP ` +
          'and basic-auth passwords cross the internet unencrypted. Acceptable for a throwaway sandbox only; ' +
          'set mlflow.hostname and mlflow.certificateArn to fix.',
      );
    }

    new CfnOutput(this, 'SecretRotationFunctionName', {
      value: this.rotation.function.functionName,
      description:
        'Rotates MLflow passwords, the Flask key and the Redis password (runbooks: docs/runbooks/)',
    });
    new CfnOutput(this, 'FeastIssuer', {
      value: this.identity.issuer,
      description: 'OIDC issuer Feast trusts',
    });
    new CfnOutput(this, 'UserPoolClientId', {
      value: this.identity.userPoolClientId,
      description: 'Cognito app client learners sign in with (Feast tokens)',
    });
    new CfnOutput(this, 'MlflowUrl', {
      value: config.mlflow.hostname
        ? `https://${config.mlflow.hostname}`
        : 'the ALB DNS name of Ingress cohort-lab/mlflow',
      description: 'MLflow UI and API',
    });
  }

  /**
   * The drift image: its Dockerfile copies labs/monitoring, so the build context is the repository
   * with everything but images/monitoring and labs/monitoring left out (Docker's ignore rules).
   */
  private monitoringImageAsset(): ecrAssets.DockerImageAsset {
    return new ecrAssets.DockerImageAsset(this, 'MonitoringImage', {
      directory: REPO_ROOT,
      file: join('images', 'monitoring', 'Dockerfile'),
      platform: ecrAssets.Platform.LINUX_AMD64,
      ignoreMode: IgnoreMode.DOCKER,
      exclude: [
        '*',
        '!images/monitoring',
        '!labs/monitoring',
        '**/__pycache__',
        '**/*.pyc',
        '**/.mypy_cache',
      ],
    });
  }

  private imageAsset(id: string, name: BuiltImage): { uri: string; id: string; source: ImageSource } {
    const asset = new ecrAssets.DockerImageAsset(this, id, {
      directory: join(IMAGES_DIR, name),
      platform: ecrAssets.Platform.LINUX_AMD64,
      // Local caches (Python bytecode, mypy, ruff) would change the asset hash and ship in the image.
      exclude: ['__pycache__', '*.pyc', '.mypy_cache', '.ruff_cache'],
    });
    return { uri: asset.imageUri, id: asset.assetHash, source: ImageSource.CDK_ASSET };
  }
}
