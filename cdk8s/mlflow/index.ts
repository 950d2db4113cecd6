import { Chart, ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { appLabels, mlflowLoadBalancerName, SERVICE_ACCOUNTS, SHARED_SERVICE_REQUESTS } from '../../lib/core';
import { imageDigestExceptions } from '../common/checkov';
import { ContainerSizing } from '../common/hardening';
import { ChartValues, imageSetting } from '../common/values';
import { basicAuthIni } from './auth-ini';
import { createBootstrapJob, createMasterSecret } from './bootstrap-job';
import { createIngress, createPrivateEndpointBinding } from './ingress';
import { createNetworkPolicy } from './network-policy';
import { createMlflowServer, createServerSecrets, mlflowAllowedHosts } from './server';

export {
  basicAuthIni,
  MLFLOW_AUTH_CACHE_TTL_SECONDS,
  MLFLOW_AUTH_CONFIG_PATH,
  MLFLOW_AUTHZ_CACHE_TTL_SECONDS,
} from './auth-ini';
export { databaseUri, MLFLOW_AUTH_DATABASE, MLFLOW_BACKEND_DATABASE, MLFLOW_DATABASES } from './database';
export { MLFLOW_DB_POOL_OVERFLOW, MLFLOW_DB_POOL_SIZE, mlflowAllowedHosts } from './server';

/** Properties of {@link MlflowChart}. */
export interface MlflowChartProps extends ChartProps {
  readonly values: ChartValues;
  /**
   * Requests and limits of the MLflow server container.
   * @default 250m/1 CPU, 768/1536 MiB, 2 GiB scratch for artifact staging
   */
  readonly sizing?: ContainerSizing;
}

const DEFAULT_SIZING: ContainerSizing = {
  cpuRequestMillis: SHARED_SERVICE_REQUESTS.mlflow.cpuMillis,
  cpuLimitMillis: 1000,
  memoryRequestMebibytes: SHARED_SERVICE_REQUESTS.mlflow.memoryMebibytes,
  memoryLimitMebibytes: 1536,
  ephemeralStorageLimitGibibytes: 2,
};

/**
 * The cohort's MLflow tracking server and model registry, authenticated.
 *
 * - `mlflow server --app-name basic-auth`, one uvicorn worker per pod (more workers lose
 *   TCP_NODELAY in uvicorn and add ~40 ms per keep-alive request), scaled with replicas;
 * - backend store and auth DB on PostgreSQL, user and password from the rotated `db-mlflow`
 *   secret through libpq's PGUSER/PGPASSWORD (never in argv or a file);
 * - artifacts proxied to `s3://<bucket>/mlflow/` (`--artifacts-destination`), credentials from
 *   EKS Pod Identity on the `mlflow` service account;
 * - security middleware on (`--allowed-hosts`, `--cors-allowed-origins`), credential cache on;
 * - admin from Secrets Manager, kept in sync by the `sync-admin` init container; one Flask secret
 *   key shared by all replicas;
 * - readiness runs `SELECT 1` on both databases; PDB, Service, TLS Ingress, NetworkPolicy;
 * - a bootstrap Job creates the database roles (alternating users `mlflow`/`mlflow_clone`) and
 *   databases with the RDS master secret.
 *
 * Each piece is built in its own file (server.ts, ingress.ts, network-policy.ts,
 * bootstrap-job.ts; the generated basic_auth.ini in auth-ini.ts); this class composes them.
 */
export class MlflowChart extends Chart {
  public readonly deployment: kplus.Deployment;
  public readonly service: kplus.Service;
  public readonly ingress: kplus.Ingress;
  public readonly bootstrapJob: kplus.Job;
  /** Host headers MLflow accepts. */
  public readonly allowedHosts: readonly string[];

  constructor(scope: Construct, id: string, props: MlflowChartProps) {
    super(scope, id, { ...props, disableResourceNameHashes: true });
    const { config, infra, namespace, secrets } = props.values;
    const labels = appLabels('mlflow');
    const image = infra.images.mlflow;
    const source = infra.imageSources.mlflow;
    const imageExceptions = imageDigestExceptions(image, source, imageSetting('mlflow', source));
    const store = {
      storeName: infra.secretStoreName,
      refreshIntervalSeconds: props.values.secretRefreshSeconds,
    };

    // The construct IDs below are a contract (they name the objects and the apps stack's
    // resources), and so is the order the objects are created in (the order of the manifest).
    const serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: { name: SERVICE_ACCOUNTS.mlflow, namespace, labels },
      automountToken: false,
    });
    const serverSecrets = createServerSecrets(this, {
      namespace,
      ...store,
      adminSecretName: secrets.mlflowAdmin,
      flaskKeySecretName: secrets.mlflowFlaskKey,
      databaseSecretName: secrets.dbMlflow,
    });
    const masterSecret = createMasterSecret(this, { namespace, ...store, remoteName: secrets.dbMaster });

    this.allowedHosts = mlflowAllowedHosts({
      namespace,
      hostname: config.mlflow.hostname,
      privateEndpointHostname: infra.mlflowPrivateEndpoint?.hostname,
    });
    const server = createMlflowServer(this, {
      namespace,
      labels,
      image,
      imageExceptions,
      replicas: config.mlflow.replicas,
      sizing: props.sizing ?? DEFAULT_SIZING,
      serviceAccount,
      secrets: serverSecrets,
      authIni: basicAuthIni({ defaultPermission: config.mlflow.defaultPermission, database: infra.database }),
      database: infra.database,
      artifactBucketName: infra.artifactBucketName,
      region: infra.region,
      allowedHosts: this.allowedHosts,
      corsOrigins: config.mlflow.hostname ? [`https://${config.mlflow.hostname}`] : undefined,
    });
    this.deployment = server.deployment;
    this.service = server.service;

    this.ingress = createIngress(this, {
      namespace,
      labels,
      cohortName: config.name,
      service: this.service,
      hostname: config.mlflow.hostname,
      certificateArn: config.mlflow.certificateArn,
      allowedCidrs: config.mlflow.allowedCidrs,
      webAclArn: infra.mlflowWebAclArn,
      loadBalancerName: mlflowLoadBalancerName(config.name),
    });
    if (infra.mlflowPrivateEndpoint) {
      createPrivateEndpointBinding(this, {
        namespace,
        labels,
        targetGroupArn: infra.mlflowPrivateEndpoint.targetGroupArn,
      });
    }
    createNetworkPolicy(this, {
      namespace,
      labels,
      vpcCidr: infra.vpcCidr,
      databasePort: infra.database.port,
    });
    this.bootstrapJob = createBootstrapJob(this, {
      namespace,
      image,
      imageId: infra.imageIds?.mlflow,
      imageExceptions,
      database: infra.database,
      vpcCidr: infra.vpcCidr,
      master: masterSecret,
      app: serverSecrets.database,
    });
  }
}
