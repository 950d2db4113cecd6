import { Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  MLFLOW_ADMIN_USERNAME,
  MLFLOW_DB_POOL_OVERFLOW,
  MLFLOW_DB_POOL_SIZE,
  MLFLOW_PORT,
  MLFLOW_PREFIX,
  withoutTrailingSlash,
} from '../../lib/core';
import { addHighAvailability } from '../common/availability';
import { acknowledgeCheckov, CheckovException, ENV_SECRET_EXCEPTION } from '../common/checkov';
import { ExternalSecret } from '../common/external-secret';
import {
  ContainerSizing,
  hardenPodSpec,
  resources,
  restrictedPodSecurityContext,
  restrictedSecurityContext,
} from '../common/hardening';
import { DatabaseEndpoint } from '../common/values';
import { MLFLOW_AUTH_CONFIG_PATH } from './auth-ini';
import { databaseUri, MLFLOW_BACKEND_DATABASE } from './database';

/**
 * Connections each MLflow pod keeps open per database (tracking and auth), MLFLOW_DB_POOL_SIZE: the
 * requests one uvicorn worker has in flight at a class's peak (20 learners measured,
 * docs/performance.md), plus MLFLOW_DB_POOL_OVERFLOW opened and closed on demand. Defined in
 * lib/core, where the database's size is chosen to hold every pod's pools (docs/scale.md).
 */
export { MLFLOW_DB_POOL_OVERFLOW, MLFLOW_DB_POOL_SIZE };

/** Properties of {@link createServerSecrets}. */
export interface ServerSecretsProps {
  readonly namespace: string;
  /** ClusterSecretStore that reads the cohort's Secrets Manager secrets. */
  readonly storeName: string;
  /** How often ESO re-reads Secrets Manager, in seconds. */
  readonly refreshIntervalSeconds: number;
  /** Secrets Manager name of the MLflow admin's secret (`password`). */
  readonly adminSecretName: string;
  /** Secrets Manager name of the Flask secret key (`secretKey`). */
  readonly flaskKeySecretName: string;
  /** Secrets Manager name of MLflow's rotated database user (`username`, `password`). */
  readonly databaseSecretName: string;
}

/** The Secrets the MLflow server reads, each kept in sync by ESO. */
export interface ServerSecrets {
  /** `mlflow-admin`: the admin's password, for the `sync-admin` init container only. */
  readonly admin: ExternalSecret;
  /** `mlflow-flask`: the Flask secret key all replicas share. */
  readonly flask: ExternalSecret;
  /** `mlflow-db`: MLflow's database user and password (PGUSER/PGPASSWORD). */
  readonly database: ExternalSecret;
}

/** The ExternalSecrets `AdminSecret`, `FlaskSecret` and `DbSecret` of `chart`. */
export function createServerSecrets(chart: Chart, props: ServerSecretsProps): ServerSecrets {
  const { namespace, storeName, refreshIntervalSeconds } = props;
  const admin = new ExternalSecret(chart, 'AdminSecret', {
    name: 'mlflow-admin',
    namespace,
    storeName,
    refreshIntervalSeconds,
    keys: [{ secretKey: 'password', remoteName: props.adminSecretName, property: 'password' }],
  });
  const flask = new ExternalSecret(chart, 'FlaskSecret', {
    name: 'mlflow-flask',
    namespace,
    storeName,
    refreshIntervalSeconds,
    keys: [{ secretKey: 'secretKey', remoteName: props.flaskKeySecretName, property: 'secretKey' }],
  });
  const database = new ExternalSecret(chart, 'DbSecret', {
    name: 'mlflow-db',
    namespace,
    storeName,
    refreshIntervalSeconds,
    keys: [
      { secretKey: 'username', remoteName: props.databaseSecretName, property: 'username' },
      { secretKey: 'password', remoteName: props.databaseSecretName, property: 'password' },
    ],
  });
  return { admin, flask, database };
}

/** What {@link mlflowAllowedHosts} builds the list from. */
export interface AllowedHostsProps {
  readonly namespace: string;
  /**
   * The public host name of the Ingress.
   * @default - any load balancer name (`*.elb.amazonaws.com`)
   */
  readonly hostname?: string;
  /**
   * Host name of the private endpoint for in-VPC callers.
   * @default - none
   */
  readonly privateEndpointHostname?: string;
}

/** Host headers MLflow accepts (`--allowed-hosts`): the public, private and in-cluster names. */
export function mlflowAllowedHosts(props: AllowedHostsProps): string[] {
  const { namespace } = props;
  return [
    ...(props.hostname ? [props.hostname] : ['*.elb.amazonaws.com']),
    ...(props.privateEndpointHostname ? [props.privateEndpointHostname] : []),
    `mlflow.${namespace}.svc.cluster.local:${MLFLOW_PORT}`,
    `mlflow.${namespace}.svc:${MLFLOW_PORT}`,
    `mlflow.${namespace}:${MLFLOW_PORT}`,
  ];
}

/** Properties of {@link createMlflowServer}. */
export interface MlflowServerProps {
  readonly namespace: string;
  /** Labels of the server objects and pods. */
  readonly labels: Record<string, string>;
  /** The MLflow image. */
  readonly image: string;
  /** The image's checkov exceptions (see imageDigestExceptions). */
  readonly imageExceptions: readonly CheckovException[];
  readonly replicas: number;
  /** Requests and limits of the server container; its scratch size is the `/tmp` emptyDir's limit. */
  readonly sizing: ContainerSizing;
  readonly serviceAccount: kplus.IServiceAccount;
  /** The Secrets from {@link createServerSecrets}. */
  readonly secrets: ServerSecrets;
  /** The `basic_auth.ini` text (see basicAuthIni), mounted at {@link MLFLOW_AUTH_CONFIG_PATH}. */
  readonly authIni: string;
  /** PostgreSQL endpoint of the backend store. */
  readonly database: DatabaseEndpoint;
  /** Artifact bucket; MLflow proxies artifacts to its `mlflow/` prefix. */
  readonly artifactBucketName: string;
  /** AWS region of the bucket. */
  readonly region: string;
  /** Host headers MLflow accepts (see {@link mlflowAllowedHosts}). */
  readonly allowedHosts: readonly string[];
  /**
   * Origins allowed to make cross-origin requests.
   * @default - none (no `--cors-allowed-origins`)
   */
  readonly corsOrigins?: readonly string[];
}

/** The MLflow server objects of the chart. */
export interface MlflowServer {
  readonly deployment: kplus.Deployment;
  readonly service: kplus.Service;
}

/**
 * The `mlflow` tracking server in `chart`: the `mlflow-auth-config` ConfigMap, the Deployment
 * (`mlflow server --app-name basic-auth`, one uvicorn worker, the `sync-admin` init container,
 * readiness on both databases), its spread and PDB ({@link addHighAvailability}) and its ClusterIP
 * Service.
 */
export function createMlflowServer(chart: Chart, props: MlflowServerProps): MlflowServer {
  const { namespace, labels, image, sizing, secrets } = props;
  const authConfig = new kplus.ConfigMap(chart, 'AuthConfig', {
    metadata: { name: 'mlflow-auth-config', namespace, labels },
    data: { 'basic_auth.ini': props.authIni },
  });
  const tmp = kplus.Volume.fromEmptyDir(chart, 'Tmp', 'tmp', {
    sizeLimit: Size.gibibytes(sizing.ephemeralStorageLimitGibibytes),
  });
  const authVolume = kplus.Volume.fromConfigMap(chart, 'AuthVolume', authConfig, { name: 'auth-config' });
  const mounts: kplus.VolumeMount[] = [
    { volume: tmp, path: '/tmp' },
    { volume: authVolume, path: '/etc/mlflow', readOnly: true },
  ];
  const common: Record<string, kplus.EnvValue> = {
    MLFLOW_AUTH_CONFIG_PATH: kplus.EnvValue.fromValue(MLFLOW_AUTH_CONFIG_PATH),
    MLFLOW_BACKEND_STORE_URI: kplus.EnvValue.fromValue(databaseUri(props.database, MLFLOW_BACKEND_DATABASE)),
    PGUSER: secrets.database.env('username'),
    PGPASSWORD: secrets.database.env('password'),
    AWS_REGION: kplus.EnvValue.fromValue(props.region),
    AWS_DEFAULT_REGION: kplus.EnvValue.fromValue(props.region),
    TMPDIR: kplus.EnvValue.fromValue('/tmp'),
    MLFLOW_DISABLE_TELEMETRY: kplus.EnvValue.fromValue('true'),
    DO_NOT_TRACK: kplus.EnvValue.fromValue('true'),
  };
  const origins = props.corsOrigins ?? [];

  const deployment = new kplus.Deployment(chart, 'Deployment', {
    metadata: {
      name: 'mlflow',
      namespace,
      labels,
      // Reloader rolls the pods when any of these Secrets changes (rotation reaches the pods), or
      // the basic-auth ini (defaultPermission, the auth database): MLflow reads it at start only.
      annotations: {
        'secret.reloader.stakater.com/reload': [secrets.admin, secrets.flask, secrets.database]
          .map((s) => s.name)
          .join(','),
        'configmap.reloader.stakater.com/reload': authConfig.name,
      },
    },
    podMetadata: { labels },
    replicas: props.replicas,
    serviceAccount: props.serviceAccount,
    automountServiceAccountToken: false,
    securityContext: restrictedPodSecurityContext(),
    spread: false,
    strategy: kplus.DeploymentStrategy.rollingUpdate({
      maxSurge: kplus.PercentOrAbsolute.absolute(1),
      maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
    }),
    volumes: [tmp, authVolume],
    initContainers: [
      {
        name: 'sync-admin',
        image,
        command: ['python', '-m', 'cohort_lab_auth', 'sync-admin'],
        envVariables: {
          ...common,
          MLFLOW_AUTH_ADMIN_USERNAME: kplus.EnvValue.fromValue(MLFLOW_ADMIN_USERNAME),
          MLFLOW_AUTH_ADMIN_PASSWORD: secrets.admin.env('password'),
        },
        volumeMounts: mounts,
        securityContext: restrictedSecurityContext(),
        resources: resources({
          ...sizing,
          cpuLimitMillis: 500,
          memoryLimitMebibytes: 512,
          memoryRequestMebibytes: 256,
        }),
      },
    ],
    containers: [
      {
        name: 'mlflow',
        image,
        command: ['mlflow', 'server'],
        args: [
          '--app-name',
          'basic-auth',
          '--host',
          '0.0.0.0',
          '--port',
          String(MLFLOW_PORT),
          '--workers',
          '1',
          '--serve-artifacts',
          '--artifacts-destination',
          `s3://${props.artifactBucketName}/${withoutTrailingSlash(MLFLOW_PREFIX)}`,
          '--allowed-hosts',
          props.allowedHosts.join(','),
          ...(origins.length > 0 ? ['--cors-allowed-origins', origins.join(',')] : []),
        ],
        ports: [{ number: MLFLOW_PORT, name: 'http' }],
        envVariables: {
          ...common,
          MLFLOW_FLASK_SERVER_SECRET_KEY: secrets.flask.env('secretKey'),
          // GenAI job runner and AI gateway are not part of this course; off saves ~2 GB per pod.
          MLFLOW_SERVER_ENABLE_JOB_EXECUTION: kplus.EnvValue.fromValue('false'),
          MLFLOW_ENABLE_AI_GATEWAY: kplus.EnvValue.fromValue('false'),
          // Connection pool per database (tracking and auth) and pod: one connection per request
          // in flight kept open. SQLAlchemy's default (5 + 10 overflow) closes every connection
          // beyond 5 when it is returned, so a class's load paid a new TLS connection to
          // PostgreSQL on most requests (docs/performance.md).
          MLFLOW_SQLALCHEMYSTORE_POOL_SIZE: kplus.EnvValue.fromValue(String(MLFLOW_DB_POOL_SIZE)),
          MLFLOW_SQLALCHEMYSTORE_MAX_OVERFLOW: kplus.EnvValue.fromValue(String(MLFLOW_DB_POOL_OVERFLOW)),
        },
        volumeMounts: mounts,
        securityContext: restrictedSecurityContext(),
        resources: resources(sizing),
        startup: kplus.Probe.fromHttpGet('/health', {
          port: MLFLOW_PORT,
          periodSeconds: Duration.seconds(5),
          failureThreshold: 36,
        }),
        liveness: kplus.Probe.fromHttpGet('/health', {
          port: MLFLOW_PORT,
          periodSeconds: Duration.seconds(20),
          timeoutSeconds: Duration.seconds(5),
          failureThreshold: 3,
        }),
        // Touches both databases: a pod that cannot reach PostgreSQL takes no traffic.
        readiness: kplus.Probe.fromCommand(['python', '-m', 'cohort_lab_auth', 'probe'], {
          periodSeconds: Duration.seconds(10),
          timeoutSeconds: Duration.seconds(5),
          failureThreshold: 3,
        }),
      },
    ],
  });
  hardenPodSpec(deployment);
  acknowledgeCheckov(deployment, [...props.imageExceptions, ENV_SECRET_EXCEPTION]);
  addHighAvailability(chart, deployment, { name: 'mlflow', namespace, labels });

  const service = new kplus.Service(chart, 'Service', {
    metadata: { name: 'mlflow', namespace, labels },
    type: kplus.ServiceType.CLUSTER_IP,
    selector: deployment,
    ports: [{ name: 'http', port: MLFLOW_PORT, targetPort: MLFLOW_PORT }],
  });
  return { deployment, service };
}
