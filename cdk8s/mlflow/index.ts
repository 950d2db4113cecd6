import { ApiObject, Chart, ChartProps, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  appLabels,
  HTTPS_PORT,
  LEARNER_NAMESPACE_LABEL,
  MLFLOW_ADMIN_USERNAME,
  MLFLOW_PORT,
  MLFLOW_PREFIX,
  POD_IDENTITY_AGENT,
  PRIVATE_IPV4_RANGES,
  SERVICE_ACCOUNTS,
  withoutTrailingSlash,
  WORLD_CIDR,
} from '../../lib/core';
import { addHighAvailability } from '../common/availability';
import { ExternalSecret } from '../common/external-secret';
import {
  acknowledgeCheckov,
  CheckovException,
  ENV_SECRET_EXCEPTION,
  imageDigestExceptions,
} from '../common/checkov';
import {
  ContainerSizing,
  hardenPodSpec,
  resources,
  restrictedPodSecurityContext,
  restrictedSecurityContext,
} from '../common/hardening';
import { ChartValues, imageSetting, stableFingerprint } from '../common/values';

/** In-pod path of the basic-auth ini (a ConfigMap: it carries no secret). */
export const MLFLOW_AUTH_CONFIG_PATH = '/etc/mlflow/basic_auth.ini';
/**
 * Seconds a verified password stays in MLflow's per-worker credential cache (MLflow >= 3.17).
 * Without it every request pays a ~120 ms scrypt check (mlflow#9684). It is also how long an
 * old password can keep working on another replica after a rotation.
 */
export const MLFLOW_AUTH_CACHE_TTL_SECONDS = 60;

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
  cpuRequestMillis: 250,
  cpuLimitMillis: 1000,
  memoryRequestMebibytes: 768,
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
    const { values } = props;
    const { config, infra, namespace, secrets } = values;
    const labels = appLabels('mlflow');
    const image = infra.images.mlflow;
    const source = infra.imageSources.mlflow;
    const imageExceptions = imageDigestExceptions(image, source, imageSetting('mlflow', source));

    const serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: { name: SERVICE_ACCOUNTS.mlflow, namespace, labels },
      automountToken: false,
    });

    const refresh = values.secretRefreshSeconds;
    const store = infra.secretStoreName;
    const adminSecret = new ExternalSecret(this, 'AdminSecret', {
      name: 'mlflow-admin',
      namespace,
      storeName: store,
      refreshIntervalSeconds: refresh,
      keys: [{ secretKey: 'password', remoteName: secrets.mlflowAdmin, property: 'password' }],
    });
    const flaskSecret = new ExternalSecret(this, 'FlaskSecret', {
      name: 'mlflow-flask',
      namespace,
      storeName: store,
      refreshIntervalSeconds: refresh,
      keys: [{ secretKey: 'secretKey', remoteName: secrets.mlflowFlaskKey, property: 'secretKey' }],
    });
    const dbSecret = new ExternalSecret(this, 'DbSecret', {
      name: 'mlflow-db',
      namespace,
      storeName: store,
      refreshIntervalSeconds: refresh,
      keys: [
        { secretKey: 'username', remoteName: secrets.dbMlflow, property: 'username' },
        { secretKey: 'password', remoteName: secrets.dbMlflow, property: 'password' },
      ],
    });
    const dbMasterSecret = new ExternalSecret(this, 'DbMasterSecret', {
      name: 'mlflow-db-master',
      namespace,
      storeName: store,
      refreshIntervalSeconds: refresh,
      keys: [
        { secretKey: 'username', remoteName: secrets.dbMaster, property: 'username' },
        { secretKey: 'password', remoteName: secrets.dbMaster, property: 'password' },
      ],
    });

    const db = infra.database;
    const dbUri = (name: string) =>
      `postgresql+psycopg2://${db.host}:${db.port}/${name}?sslmode=${db.sslMode}&connect_timeout=10`;
    const authIni = [
      '[mlflow]',
      `default_permission = ${config.mlflow.defaultPermission}`,
      `database_uri = ${dbUri('mlflow_auth')}`,
      `admin_username = ${MLFLOW_ADMIN_USERNAME}`,
      // MLflow's basic auth plus a per-request user memo (images/mlflow/cohort_lab_auth.py).
      'authorization_function = cohort_lab_auth:authenticate_request_basic_auth',
      'grant_default_workspace_access = false',
      `auth_cache_ttl_seconds = ${MLFLOW_AUTH_CACHE_TTL_SECONDS}`,
      'auth_cache_max_size = 5000',
      '',
    ].join('\n');
    const authConfig = new kplus.ConfigMap(this, 'AuthConfig', {
      metadata: { name: 'mlflow-auth-config', namespace, labels },
      data: { 'basic_auth.ini': authIni },
    });

    this.allowedHosts = [
      ...(config.mlflow.hostname ? [config.mlflow.hostname] : ['*.elb.amazonaws.com']),
      ...(infra.mlflowPrivateEndpoint ? [infra.mlflowPrivateEndpoint.hostname] : []),
      `mlflow.${namespace}.svc.cluster.local:${MLFLOW_PORT}`,
      `mlflow.${namespace}.svc:${MLFLOW_PORT}`,
      `mlflow.${namespace}:${MLFLOW_PORT}`,
    ];
    const origins = config.mlflow.hostname ? [`https://${config.mlflow.hostname}`] : [];

    const tmp = kplus.Volume.fromEmptyDir(this, 'Tmp', 'tmp', {
      sizeLimit: Size.gibibytes((props.sizing ?? DEFAULT_SIZING).ephemeralStorageLimitGibibytes),
    });
    const authVolume = kplus.Volume.fromConfigMap(this, 'AuthVolume', authConfig, { name: 'auth-config' });
    const mounts: kplus.VolumeMount[] = [
      { volume: tmp, path: '/tmp' },
      { volume: authVolume, path: '/etc/mlflow', readOnly: true },
    ];
    const common: Record<string, kplus.EnvValue> = {
      MLFLOW_AUTH_CONFIG_PATH: kplus.EnvValue.fromValue(MLFLOW_AUTH_CONFIG_PATH),
      MLFLOW_BACKEND_STORE_URI: kplus.EnvValue.fromValue(dbUri('mlflow')),
      PGUSER: dbSecret.env('username'),
      PGPASSWORD: dbSecret.env('password'),
      AWS_REGION: kplus.EnvValue.fromValue(infra.region),
      AWS_DEFAULT_REGION: kplus.EnvValue.fromValue(infra.region),
      TMPDIR: kplus.EnvValue.fromValue('/tmp'),
      MLFLOW_DISABLE_TELEMETRY: kplus.EnvValue.fromValue('true'),
      DO_NOT_TRACK: kplus.EnvValue.fromValue('true'),
    };

    const sizing = props.sizing ?? DEFAULT_SIZING;
    this.deployment = new kplus.Deployment(this, 'Deployment', {
      metadata: {
        name: 'mlflow',
        namespace,
        labels,
        // Reloader rolls the pods when any of these Secrets changes (rotation reaches the pods).
        annotations: {
          'secret.reloader.stakater.com/reload': [adminSecret, flaskSecret, dbSecret]
            .map((s) => s.name)
            .join(','),
        },
      },
      podMetadata: { labels },
      replicas: config.mlflow.replicas,
      serviceAccount,
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
            MLFLOW_AUTH_ADMIN_PASSWORD: adminSecret.env('password'),
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
            `s3://${infra.artifactBucketName}/${withoutTrailingSlash(MLFLOW_PREFIX)}`,
            '--allowed-hosts',
            this.allowedHosts.join(','),
            ...(origins.length > 0 ? ['--cors-allowed-origins', origins.join(',')] : []),
          ],
          ports: [{ number: MLFLOW_PORT, name: 'http' }],
          envVariables: {
            ...common,
            MLFLOW_FLASK_SERVER_SECRET_KEY: flaskSecret.env('secretKey'),
            // GenAI job runner and AI gateway are not part of this course; off saves ~2 GB per pod.
            MLFLOW_SERVER_ENABLE_JOB_EXECUTION: kplus.EnvValue.fromValue('false'),
            MLFLOW_ENABLE_AI_GATEWAY: kplus.EnvValue.fromValue('false'),
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
    hardenPodSpec(this.deployment);
    acknowledgeCheckov(this.deployment, [...imageExceptions, ENV_SECRET_EXCEPTION]);
    addHighAvailability(this, this.deployment, { name: 'mlflow', namespace, labels });

    this.service = new kplus.Service(this, 'Service', {
      metadata: { name: 'mlflow', namespace, labels },
      type: kplus.ServiceType.CLUSTER_IP,
      selector: this.deployment,
      ports: [{ name: 'http', port: MLFLOW_PORT, targetPort: MLFLOW_PORT }],
    });

    this.ingress = this.createIngress(values, labels);
    if (infra.mlflowPrivateEndpoint) {
      // The AWS Load Balancer Controller keeps the private endpoint's targets = the MLflow pods.
      new ApiObject(this, 'PrivateEndpointBinding', {
        apiVersion: 'elbv2.k8s.aws/v1beta1',
        kind: 'TargetGroupBinding',
        metadata: { name: 'mlflow-private', namespace, labels },
        spec: {
          serviceRef: { name: 'mlflow', port: MLFLOW_PORT },
          targetGroupARN: infra.mlflowPrivateEndpoint.targetGroupArn,
          targetType: 'ip',
        },
      });
    }
    this.createNetworkPolicy(values, labels);
    this.bootstrapJob = this.createBootstrapJob(values, image, imageExceptions, dbMasterSecret, dbSecret);
  }

  private createIngress(values: ChartValues, labels: Record<string, string>): kplus.Ingress {
    const { config, namespace } = values;
    const tls = config.mlflow.certificateArn !== undefined;
    const annotations: Record<string, string> = {
      'alb.ingress.kubernetes.io/scheme': 'internet-facing',
      'alb.ingress.kubernetes.io/target-type': 'ip',
      'alb.ingress.kubernetes.io/healthcheck-path': '/health',
      'alb.ingress.kubernetes.io/tags': `lab:cohort=${config.name}`,
    };
    if (tls) {
      Object.assign(annotations, {
        'alb.ingress.kubernetes.io/listen-ports': '[{"HTTP": 80}, {"HTTPS": 443}]',
        'alb.ingress.kubernetes.io/ssl-redirect': '443',
        'alb.ingress.kubernetes.io/certificate-arn': config.mlflow.certificateArn ?? '',
        'alb.ingress.kubernetes.io/ssl-policy': 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      });
    } else {
      annotations['alb.ingress.kubernetes.io/listen-ports'] = '[{"HTTP": 80}]';
    }
    const ingress = new kplus.Ingress(this, 'Ingress', {
      metadata: { name: 'mlflow', namespace, labels, annotations },
    });
    const backend = kplus.IngressBackend.fromService(this.service, { port: MLFLOW_PORT });
    if (config.mlflow.hostname) {
      ingress.addHostRule(config.mlflow.hostname, '/', backend, kplus.HttpIngressPathType.PREFIX);
    } else {
      ingress.addRule('/', backend, kplus.HttpIngressPathType.PREFIX);
    }
    ApiObject.of(ingress).addJsonPatch(JsonPatch.add('/spec/ingressClassName', 'alb'));
    return ingress;
  }

  private createNetworkPolicy(values: ChartValues, labels: Record<string, string>): void {
    const { namespace, infra } = values;
    // Written as a raw object: cdk8s-plus-27 cannot express ipBlock peers together with
    // namespace selectors in one policy with the port ranges needed here.
    new kplus.k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: { name: 'mlflow', namespace, labels },
      spec: {
        podSelector: { matchLabels: labels },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          {
            // The load balancer's targets (ip mode) and the rotation Lambda sit in the VPC.
            from: [{ ipBlock: { cidr: infra.vpcCidr } }],
            ports: [{ protocol: 'TCP', port: kplus.k8s.IntOrString.fromNumber(MLFLOW_PORT) }],
          },
          {
            // Learners' notebooks and pipelines in their own namespaces.
            from: [{ namespaceSelector: { matchLabels: { [LEARNER_NAMESPACE_LABEL]: 'true' } } }],
            ports: [{ protocol: 'TCP', port: kplus.k8s.IntOrString.fromNumber(MLFLOW_PORT) }],
          },
        ],
        egress: [
          {
            // PostgreSQL (RDS) inside the VPC.
            to: [{ ipBlock: { cidr: infra.vpcCidr } }],
            ports: [{ protocol: 'TCP', port: kplus.k8s.IntOrString.fromNumber(values.infra.database.port) }],
          },
          {
            // S3 through the gateway endpoint (public S3 addresses) over TLS.
            to: [{ ipBlock: { cidr: WORLD_CIDR, except: [...PRIVATE_IPV4_RANGES] } }],
            ports: [{ protocol: 'TCP', port: kplus.k8s.IntOrString.fromNumber(HTTPS_PORT) }],
          },
          {
            // EKS Pod Identity agent: where the SDK gets the service account's credentials.
            to: [{ ipBlock: { cidr: POD_IDENTITY_AGENT.cidr } }],
            ports: [{ protocol: 'TCP', port: kplus.k8s.IntOrString.fromNumber(POD_IDENTITY_AGENT.port) }],
          },
        ],
      },
    });
  }

  private createBootstrapJob(
    values: ChartValues,
    image: string,
    imageExceptions: readonly CheckovException[],
    master: ExternalSecret,
    app: ExternalSecret,
  ): kplus.Job {
    const { namespace, infra } = values;
    const env: Record<string, kplus.EnvValue> = {
      PGHOST: kplus.EnvValue.fromValue(infra.database.host),
      PGPORT: kplus.EnvValue.fromValue(String(infra.database.port)),
      PGSSLMODE: kplus.EnvValue.fromValue(infra.database.sslMode),
      PGDATABASE: kplus.EnvValue.fromValue('postgres'),
      PGCONNECT_TIMEOUT: kplus.EnvValue.fromValue('10'),
      PGUSER: master.env('username'),
      PGPASSWORD: master.env('password'),
      APP_DB_USER: app.env('username'),
      APP_DB_PASSWORD: app.env('password'),
      MLFLOW_DATABASES: kplus.EnvValue.fromValue('mlflow,mlflow_auth'),
    };
    // Jobs are immutable: a change to the spec gets a new name, so kubectl apply creates a new Job.
    const fingerprint = stableFingerprint([
      infra.imageIds?.mlflow ?? image,
      infra.database.host,
      infra.database.port,
    ]);
    const jobLabels = appLabels('mlflow-db-bootstrap');
    const job = new kplus.Job(this, 'DbBootstrap', {
      metadata: { name: `mlflow-db-bootstrap-${fingerprint}`, namespace, labels: jobLabels },
      podMetadata: { labels: jobLabels },
      backoffLimit: 6,
      ttlAfterFinished: Duration.hours(24),
      serviceAccount: kplus.ServiceAccount.fromServiceAccountName(
        this,
        'BootstrapSa',
        SERVICE_ACCOUNTS.mlflow,
      ),
      automountServiceAccountToken: false,
      securityContext: restrictedPodSecurityContext({ fsGroup: false }),
      volumes: [],
      containers: [
        {
          name: 'bootstrap',
          image,
          command: ['python', '-m', 'cohort_lab_db', 'bootstrap'],
          envVariables: env,
          securityContext: restrictedSecurityContext(),
          resources: resources({
            cpuRequestMillis: 50,
            cpuLimitMillis: 250,
            memoryRequestMebibytes: 64,
            memoryLimitMebibytes: 256,
            ephemeralStorageLimitGibibytes: 1,
          }),
        },
      ],
    });
    hardenPodSpec(job);
    acknowledgeCheckov(job, [...imageExceptions, ENV_SECRET_EXCEPTION]);
    // The job talks only to PostgreSQL (and DNS, allowed namespace-wide).
    new kplus.k8s.KubeNetworkPolicy(this, 'BootstrapNetworkPolicy', {
      metadata: { name: 'mlflow-db-bootstrap', namespace, labels: jobLabels },
      spec: {
        podSelector: { matchLabels: jobLabels },
        policyTypes: ['Egress'],
        egress: [
          {
            to: [{ ipBlock: { cidr: infra.vpcCidr } }],
            ports: [{ protocol: 'TCP', port: kplus.k8s.IntOrString.fromNumber(infra.database.port) }],
          },
        ],
      },
    });
    return job;
  }
}
