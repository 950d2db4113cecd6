import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import {
  acknowledgeWildcardResources,
  DNS_LABEL_PATTERN,
  DNS_SUBDOMAIN_PATTERN,
  escapeRegExp,
} from '../../lib/core';
import { ArtifactBucket } from '../artifact-bucket';

/** Properties of {@link PodIdentityRole}. */
export interface PodIdentityRoleProps {
  /** The cluster whose pods assume the role. */
  readonly cluster: eks.ICluster;
  /**
   * Kubernetes namespace of the service account. Omitted together with `serviceAccount`, the role
   * is created without an association: several service accounts share it, each through
   * {@link PodIdentityRole.associate}.
   */
  readonly namespace?: string;
  /** Name of the Kubernetes service account. It need not exist yet: the charts create it. */
  readonly serviceAccount?: string;
  /**
   * Description of the IAM role.
   * @default - `Pod Identity: <namespace>/<serviceAccount>`
   */
  readonly description?: string;
  /**
   * Physical name of the role (so its ARN can be computed without asking AWS).
   * @default - a name CloudFormation generates
   */
  readonly roleName?: string;
  /**
   * IAM path of the role.
   * @default '/'
   */
  readonly path?: string;
}

/**
 * An IAM role for one Kubernetes service account through EKS Pod Identity: a role only
 * `pods.eks.amazonaws.com` may assume, for this account and this cluster only, and the Pod Identity
 * association that binds it to `<namespace>/<serviceAccount>`. No OIDC provider, no annotations.
 *
 * It is an `IGrantable`: grant it exactly what the workload needs.
 */
export class PodIdentityRole extends Construct implements iam.IGrantable {
  /** The IAM role (primary child, id `Resource`). */
  public readonly role: iam.Role;
  public readonly grantPrincipal: iam.IPrincipal;
  /** Namespace of the service account (undefined for a role shared through `associate`). */
  public readonly namespace?: string;
  /** Name of the service account (undefined for a role shared through `associate`). */
  public readonly serviceAccount?: string;
  private readonly cluster: eks.ICluster;
  private readonly ownAssociation?: eks.CfnPodIdentityAssociation;

  constructor(scope: Construct, id: string, props: PodIdentityRoleProps) {
    super(scope, id);
    if ((props.namespace === undefined) !== (props.serviceAccount === undefined)) {
      throw new Error(`PodIdentityRole ${id}: give both namespace and serviceAccount, or neither`);
    }
    if (props.namespace !== undefined && props.serviceAccount !== undefined) {
      checkServiceAccount(id, props.namespace, props.serviceAccount);
    }
    this.namespace = props.namespace;
    this.serviceAccount = props.serviceAccount;
    this.cluster = props.cluster;

    const stack = Stack.of(this);
    // The confused-deputy guard from the EKS user guide: only Pod Identity acting for this account
    // and this cluster may assume the role.
    const principal = new iam.ServicePrincipal('pods.eks.amazonaws.com').withConditions({
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnEquals: {
        'aws:SourceArn': stack.formatArn({
          service: 'eks',
          resource: 'cluster',
          resourceName: props.cluster.clusterName,
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
      },
    });
    this.role = new iam.Role(this, 'Resource', {
      assumedBy: principal,
      description:
        props.description ??
        (props.namespace === undefined
          ? 'Pod Identity: shared by several service accounts'
          : `Pod Identity: ${props.namespace}/${props.serviceAccount}`),
      roleName: props.roleName,
      path: props.path,
    });
    // Pod Identity tags the session (cluster, namespace, service account, pod).
    this.role.assumeRolePolicy?.addStatements(
      new iam.PolicyStatement({
        actions: ['sts:TagSession'],
        principals: [principal],
      }),
    );
    this.grantPrincipal = this.role;

    if (props.namespace !== undefined && props.serviceAccount !== undefined) {
      this.ownAssociation = this.associate(this, 'Association', props.namespace, props.serviceAccount);
    }
  }

  /** The Pod Identity association made with the role (only when namespace and serviceAccount were given). */
  public get association(): eks.CfnPodIdentityAssociation {
    if (this.ownAssociation === undefined) {
      throw new Error(
        `PodIdentityRole ${this.node.id}: shared role without its own association; use the ones associate() returned`,
      );
    }
    return this.ownAssociation;
  }

  /**
   * Bind one more service account to the role: a Pod Identity association in `scope` (for example
   * the construct of the person it serves, so that its logical ID follows them and nobody else's
   * changes when they leave). The role's trust already allows any association of this cluster.
   *
   * With `sessionPolicy`, the association's sessions get the intersection of the role's policies
   * and that policy (the association's `Policy`), so one shared role can be narrowed per service
   * account, e.g. to one learner's S3 keys. EKS requires the automatic session tags to be off then
   * (`DisableSessionTags`); the session name still names the pod.
   */
  public associate(
    scope: Construct,
    id: string,
    namespace: string,
    serviceAccount: string,
    sessionPolicy?: iam.PolicyDocument,
  ): eks.CfnPodIdentityAssociation {
    checkServiceAccount(this.node.id, namespace, serviceAccount);
    return new eks.CfnPodIdentityAssociation(scope, id, {
      clusterName: this.cluster.clusterName,
      namespace,
      serviceAccount,
      roleArn: this.role.roleArn,
      ...(sessionPolicy === undefined
        ? {}
        : { policy: Stack.of(scope).toJsonString(sessionPolicy.toJSON()), disableSessionTags: true }),
    });
  }

  /** ARN of the IAM role. */
  public get roleArn(): string {
    return this.role.roleArn;
  }

  /**
   * Let `principal` assume the role too (sts:AssumeRole), beside Pod Identity: for example a
   * person's own IAM principal, or an operator that acts for the workload.
   */
  public trust(principal: iam.IPrincipal): void {
    this.role.assumeRolePolicy?.addStatements(
      new iam.PolicyStatement({ actions: ['sts:AssumeRole'], principals: [principal] }),
    );
  }

  /**
   * Let the workload read the Secrets Manager secrets called `names` (exact names; the ARN carries
   * Secrets Manager's six-character suffix) and decrypt them with `key` through Secrets Manager only.
   */
  public grantReadSecrets(names: readonly string[], key?: kms.IKey): iam.Grant {
    if (names.length === 0) {
      throw new Error(`PodIdentityRole ${this.node.id}: grantReadSecrets needs at least one secret name`);
    }
    return this.grantSecretArns(
      names.map((name) => secretArn(this, `${name}-??????`)),
      key,
    );
  }

  /** Let the workload read every Secrets Manager secret whose name starts with `prefix`. */
  public grantReadSecretsUnderPrefix(prefix: string, key?: kms.IKey): iam.Grant {
    if (!prefix.endsWith('/')) {
      throw new Error(`PodIdentityRole ${this.node.id}: secret prefix "${prefix}" must end in "/"`);
    }
    const grant = this.grantSecretArns([secretArn(this, `${prefix}*`)], key);
    acknowledgeWildcardResources(
      this.defaultPolicy(),
      new RegExp(`:secret:${escapeRegExp(prefix)}\\*$`),
      `Reads every secret under ${prefix} and no other: the prefix is the cohort's, and secrets under it are created over the cohort's life (per-learner credentials), so they cannot be listed one by one.`,
    );
    return grant;
  }

  /**
   * Let the workload read, write and delete objects under `prefix` of the artifact bucket only
   * (plus the bucket key for them), through {@link ArtifactBucket.grantReadWritePrefix}.
   */
  public grantArtifactPrefix(artifacts: ArtifactBucket, prefix: string): iam.Grant {
    const grant = artifacts.grantReadWritePrefix(this, prefix);
    const policy = this.defaultPolicy();
    acknowledgeWildcardResources(
      policy,
      new RegExp(`/${escapeRegExp(prefix)}\\*$`),
      `Object access is limited to the ${prefix} prefix of the artifact bucket; the wildcard covers the objects under that prefix only.`,
    );
    Validations.of(policy).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          'SSE-KMS writes need a data key from the bucket key; the grant names the one cohort key, not every key.',
      },
      {
        id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
        reason:
          'Part of the encrypt/decrypt grant on the one cohort key that SSE-KMS uses for the artifact bucket.',
      },
    );
    return grant;
  }

  /** The role's default policy (it exists once something was granted). */
  private defaultPolicy(): iam.CfnPolicy {
    const policy = this.role.node.tryFindChild('DefaultPolicy');
    if (policy === undefined) {
      throw new Error(`PodIdentityRole ${this.node.id}: no policy yet; grant something first`);
    }
    return policy.node.defaultChild as iam.CfnPolicy;
  }

  private grantSecretArns(resourceArns: string[], key?: kms.IKey): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee: this,
      actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      resourceArns,
    });
    if (key !== undefined) {
      // On the role, not the key policy: the key usually lives in another stack (the data stack), and
      // its policy already delegates to IAM in this account.
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [key.keyArn],
          conditions: {
            StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` },
          },
        }),
      );
    }
    return grant;
  }
}

function checkServiceAccount(id: string, namespace: string, serviceAccount: string): void {
  if (!DNS_LABEL_PATTERN.test(namespace)) {
    throw new Error(`PodIdentityRole ${id}: namespace "${namespace}" is not a Kubernetes namespace name`);
  }
  if (!DNS_SUBDOMAIN_PATTERN.test(serviceAccount) || serviceAccount.length > 253) {
    throw new Error(
      `PodIdentityRole ${id}: serviceAccount "${serviceAccount}" is not a Kubernetes service account name`,
    );
  }
}

function secretArn(scope: Construct, resourceName: string): string {
  return Stack.of(scope).formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}
