import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { acknowledgeWildcardResources, escapeRegExp } from '../../lib/core';
import { CohortCluster } from '../cohort-cluster';
import { PodIdentityRole } from '../pod-identity-role';

/** A Helm chart pinned to one released version. */
export interface PinnedChart {
  /** Chart repository URL. */
  readonly repository: string;
  /** Chart name in the repository. */
  readonly chart: string;
  /** Exact chart version. */
  readonly version: string;
}

/** Properties of {@link SecretsSync}. */
export interface SecretsSyncProps {
  /** The cluster to install into. */
  readonly cluster: CohortCluster;
  /**
   * Secrets Manager name prefix the operator may read, e.g. `cohort-lab/<cohort>/` (must end in `/`).
   */
  readonly secretPrefix: string;
  /** Key the secrets are encrypted with; the operator may decrypt with it through Secrets Manager only. */
  readonly encryptionKey: kms.IKey;
  /** Namespaces whose ExternalSecrets may use the ClusterSecretStore. */
  readonly allowedNamespaces: readonly string[];
  /**
   * Namespaces Reloader watches (scoped mode: a Role in each, no ClusterRole). Every one must exist
   * before this construct deploys: the chart creates its Roles there.
   * @default - all namespaces (ClusterRole); Reloader only restarts workloads annotated for it
   */
  readonly reloadNamespaces?: readonly string[];
  /**
   * Name of the ClusterSecretStore.
   * @default 'cohort-secrets-manager'
   */
  readonly clusterSecretStoreName?: string;
  /**
   * Namespace and service account of External Secrets Operator.
   * @default { namespace: 'external-secrets', serviceAccount: 'external-secrets' }
   */
  readonly operator?: { readonly namespace: string; readonly serviceAccount: string };
  /**
   * Namespace of Reloader.
   * @default 'reloader'
   */
  readonly reloaderNamespace?: string;
}

/**
 * How Secrets Manager values reach pods: External Secrets Operator (Helm) with a Pod Identity role
 * that reads only the cohort's secrets, a ClusterSecretStore for Secrets Manager in the stack's
 * region usable only from the allowed namespaces, and Stakater Reloader (Helm), which restarts a
 * workload when a Secret it references changes.
 *
 * Helm fetches both charts at deploy time (the kubectl Lambda, through the NAT); synth is offline.
 */
export class SecretsSync extends Construct {
  /**
   * External Secrets Operator. Chart versions cannot be checked at synth (no network); this one is
   * the chart released with ESO v2.9.0 (tag helm-chart-2.9.0, serves external-secrets.io/v1).
   */
  public static readonly EXTERNAL_SECRETS_CHART: PinnedChart = {
    repository: 'https://charts.external-secrets.io',
    chart: 'external-secrets',
    version: '2.9.0',
  };
  /** Stakater Reloader: chart 2.2.16 (tag chart-v2.2.16, Reloader v1.4.21). */
  public static readonly RELOADER_CHART: PinnedChart = {
    repository: 'https://stakater.github.io/stakater-charts',
    chart: 'reloader',
    version: '2.2.16',
  };

  /** The External Secrets Operator release (primary child, id `Resource`). */
  public readonly externalSecrets: eks.HelmChart;
  /** The operator's Pod Identity role. */
  public readonly operatorRole: PodIdentityRole;
  /** The ClusterSecretStore manifest. */
  public readonly clusterSecretStore: eks.KubernetesManifest;
  /** Name of the ClusterSecretStore. */
  public readonly clusterSecretStoreName: string;
  /** The Reloader release. */
  public readonly reloader: eks.HelmChart;

  constructor(scope: Construct, id: string, props: SecretsSyncProps) {
    super(scope, id);
    if (!props.secretPrefix.endsWith('/') || props.secretPrefix.length < 2) {
      throw new Error(
        `SecretsSync ${id}: secretPrefix "${props.secretPrefix}" must be a name prefix ending in "/"`,
      );
    }
    if (props.allowedNamespaces.length === 0) {
      throw new Error(`SecretsSync ${id}: allowedNamespaces must name at least one namespace`);
    }
    const operator = props.operator ?? { namespace: 'external-secrets', serviceAccount: 'external-secrets' };
    const cluster = props.cluster.cluster;
    this.clusterSecretStoreName = props.clusterSecretStoreName ?? 'cohort-secrets-manager';

    this.operatorRole = props.cluster.addPodIdentityRole(
      'OperatorRole',
      operator.namespace,
      operator.serviceAccount,
    );
    this.operatorRole.grantReadSecretsUnderPrefix(props.secretPrefix, props.encryptionKey);

    const eso = SecretsSync.EXTERNAL_SECRETS_CHART;
    this.externalSecrets = new eks.HelmChart(this, 'Resource', {
      cluster,
      repository: eso.repository,
      chart: eso.chart,
      version: eso.version,
      release: 'external-secrets',
      namespace: operator.namespace,
      createNamespace: true,
      wait: true,
      timeout: Duration.minutes(10),
      values: {
        installCRDs: true,
        serviceAccount: { create: true, name: operator.serviceAccount },
        // A namespaced SecretStore without credentials would borrow the operator's identity, i.e.
        // every cohort secret: only the ClusterSecretStore below (namespace-limited) is served.
        processSecretStore: false,
        // Pull only: nothing is written back to Secrets Manager.
        processPushSecret: false,
        processClusterPushSecret: false,
        // Do not hand ExternalSecret/SecretStore rights to everyone with edit/admin in a namespace.
        rbac: { aggregateToEdit: false, aggregateToAdmin: false },
        resources: resources('50m', '64Mi', '256Mi'),
        webhook: { resources: resources('20m', '32Mi', '128Mi') },
        certController: { resources: resources('20m', '32Mi', '128Mi') },
      },
    });
    // The Pod Identity webhook injects credentials when a pod starts: the association and the
    // agent must exist before the operator's pods, and nodes before `wait` can succeed.
    this.externalSecrets.node.addDependency(this.operatorRole.association, props.cluster.nodegroup);

    this.clusterSecretStore = new eks.KubernetesManifest(this, 'ClusterSecretStore', {
      cluster,
      manifest: [
        {
          apiVersion: 'external-secrets.io/v1',
          kind: 'ClusterSecretStore',
          metadata: { name: this.clusterSecretStoreName },
          spec: {
            // No auth block: the operator's own credentials, i.e. its Pod Identity role.
            provider: { aws: { service: 'SecretsManager', region: Stack.of(this).region } },
            conditions: [{ namespaces: [...props.allowedNamespaces] }],
          },
        },
      ],
    });
    // The CRD comes with the chart.
    this.clusterSecretStore.node.addDependency(this.externalSecrets);

    const reloaderChart = SecretsSync.RELOADER_CHART;
    this.reloader = new eks.HelmChart(this, 'Reloader', {
      cluster,
      repository: reloaderChart.repository,
      chart: reloaderChart.chart,
      version: reloaderChart.version,
      release: 'reloader',
      namespace: props.reloaderNamespace ?? 'reloader',
      createNamespace: true,
      wait: true,
      values: {
        reloader: {
          // The cohort namespace is created later by the charts, and scoped mode needs it to exist
          // (it puts a Role in it), so the default watches globally; only annotated workloads restart.
          ...(props.reloadNamespaces === undefined
            ? { watchGlobally: true, autoReloadAll: false }
            : { watchGlobally: false, namespaces: [...props.reloadNamespaces] }),
          // Restart by patching a pod-template annotation, not by injecting env vars.
          reloadStrategy: 'annotations',
          readOnlyRootFileSystem: true,
          deployment: {
            resources: resources('10m', '64Mi', '256Mi'),
            containerSecurityContext: {
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              capabilities: { drop: ['ALL'] },
            },
          },
        },
      },
    });
    this.reloader.node.addDependency(props.cluster.nodegroup);
  }

  /**
   * Let the operator assume the roles under IAM `path` (for example every person's role of the
   * cohort, `/cohortlab/<cohort>/people/`), so a ClusterSecretStore with `role: <arn>` reads
   * Secrets Manager as that role: a learner's store then reaches the learner's own secrets and no
   * other. The roles must trust the operator's role as well.
   */
  public allowAssumingRolesUnder(path: string): void {
    if (!/^\/([\w+=,.@-]+\/)+$/.test(path)) {
      throw new Error(`SecretsSync ${this.node.id}: "${path}" is not an IAM path such as /team/people/`);
    }
    this.operatorRole.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AssumePeopleRoles',
        actions: ['sts:AssumeRole'],
        resources: [rolesUnder(this, path)],
      }),
    );
    acknowledgeWildcardResources(
      this.operatorRole.role.node.findChild('DefaultPolicy').node.defaultChild as iam.CfnPolicy,
      new RegExp(`:role/${escapeRegExp(path.replace(/^\//, ''))}\\*$`),
      `Roles under ${path} are created over the cohort's life (one per person on the roster); the operator assumes one per ClusterSecretStore, which reads only what that role may read.`,
    );
  }
}

/**
 * The ARN pattern of roles under `path` in the stack's account, for {@link SecretsSync.allowAssumingRolesUnder}.
 */
function rolesUnder(scope: Construct, path: string): string {
  return Stack.of(scope).formatArn({
    service: 'iam',
    region: '',
    resource: 'role',
    resourceName: `${path.replace(/^\//, '')}*`,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}

function resources(cpu: string, memoryRequest: string, memoryLimit: string): Record<string, unknown> {
  return { requests: { cpu, memory: memoryRequest }, limits: { memory: memoryLimit } };
}
