import { Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { appLabels, SERVICE_ACCOUNTS } from '../../lib/core';
import { acknowledgeCheckov, CheckovException, ENV_SECRET_EXCEPTION } from '../common/checkov';
import { ExternalSecret } from '../common/external-secret';
import {
  hardenPodSpec,
  resources,
  restrictedPodSecurityContext,
  restrictedSecurityContext,
} from '../common/hardening';
import { DatabaseEndpoint, stableFingerprint } from '../common/values';
import { MLFLOW_DATABASES } from './database';

/** Properties of {@link createMasterSecret}. */
export interface MasterSecretProps {
  readonly namespace: string;
  /** ClusterSecretStore that reads the cohort's Secrets Manager secrets. */
  readonly storeName: string;
  /** How often ESO re-reads Secrets Manager, in seconds. */
  readonly refreshIntervalSeconds: number;
  /** Secrets Manager name of the RDS master user's secret (`username`, `password`). */
  readonly remoteName: string;
}

/** The `mlflow-db-master` Secret (ExternalSecret `DbMasterSecret` of `chart`), for the bootstrap Job only. */
export function createMasterSecret(chart: Chart, props: MasterSecretProps): ExternalSecret {
  return new ExternalSecret(chart, 'DbMasterSecret', {
    name: 'mlflow-db-master',
    namespace: props.namespace,
    storeName: props.storeName,
    refreshIntervalSeconds: props.refreshIntervalSeconds,
    keys: [
      { secretKey: 'username', remoteName: props.remoteName, property: 'username' },
      { secretKey: 'password', remoteName: props.remoteName, property: 'password' },
    ],
  });
}

/** Properties of {@link createBootstrapJob}. */
export interface BootstrapJobProps {
  readonly namespace: string;
  /** The MLflow image (it carries `cohort_lab_db`). */
  readonly image: string;
  /**
   * Synth-time identity of the image, for the Job's name (a deploy-time image URI is a token).
   * @default - the image reference itself
   */
  readonly imageId?: string;
  /** The image's checkov exceptions (see imageDigestExceptions). */
  readonly imageExceptions: readonly CheckovException[];
  /** PostgreSQL endpoint the databases are created on. */
  readonly database: DatabaseEndpoint;
  /** CIDR of the cohort VPC, where the database is. */
  readonly vpcCidr: string;
  /** The master user's Secret (from {@link createMasterSecret}): the Job connects as it. */
  readonly master: ExternalSecret;
  /** MLflow's own database user's Secret (`username`, `password`): the role the Job creates. */
  readonly app: ExternalSecret;
}

/**
 * The `mlflow-db-bootstrap-<hash>` Job in `chart` and its NetworkPolicy: with the RDS master
 * secret it creates MLflow's roles (the alternating users `mlflow`/`mlflow_clone`) and databases.
 * Jobs are immutable: a change to the spec gets a new name, so `kubectl apply` creates a new Job.
 */
export function createBootstrapJob(chart: Chart, props: BootstrapJobProps): kplus.Job {
  const { namespace, image, database, master, app } = props;
  const env: Record<string, kplus.EnvValue> = {
    PGHOST: kplus.EnvValue.fromValue(database.host),
    PGPORT: kplus.EnvValue.fromValue(String(database.port)),
    PGSSLMODE: kplus.EnvValue.fromValue(database.sslMode),
    PGDATABASE: kplus.EnvValue.fromValue('postgres'),
    PGCONNECT_TIMEOUT: kplus.EnvValue.fromValue('10'),
    PGUSER: master.env('username'),
    PGPASSWORD: master.env('password'),
    APP_DB_USER: app.env('username'),
    APP_DB_PASSWORD: app.env('password'),
    MLFLOW_DATABASES: kplus.EnvValue.fromValue(MLFLOW_DATABASES.join(',')),
  };
  const fingerprint = stableFingerprint([props.imageId ?? image, database.host, database.port]);
  const jobLabels = appLabels('mlflow-db-bootstrap');
  const job = new kplus.Job(chart, 'DbBootstrap', {
    metadata: { name: `mlflow-db-bootstrap-${fingerprint}`, namespace, labels: jobLabels },
    podMetadata: { labels: jobLabels },
    backoffLimit: 6,
    ttlAfterFinished: Duration.hours(24),
    serviceAccount: kplus.ServiceAccount.fromServiceAccountName(
      chart,
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
  acknowledgeCheckov(job, [...props.imageExceptions, ENV_SECRET_EXCEPTION]);
  // The job talks only to PostgreSQL (and DNS, allowed namespace-wide).
  new kplus.k8s.KubeNetworkPolicy(chart, 'BootstrapNetworkPolicy', {
    metadata: { name: 'mlflow-db-bootstrap', namespace, labels: jobLabels },
    spec: {
      podSelector: { matchLabels: jobLabels },
      policyTypes: ['Egress'],
      egress: [
        {
          to: [{ ipBlock: { cidr: props.vpcCidr } }],
          ports: [{ protocol: 'TCP', port: kplus.k8s.IntOrString.fromNumber(database.port) }],
        },
      ],
    },
  });
  return job;
}
