import { ArnFormat, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import {
  LAB_TAG,
  LEARNER_SERVICE_ACCOUNT,
  PERSON_TAG,
  peopleRolePath,
  PersonRole,
  personRoleName,
  personRoleResource,
  personTagKey,
  SecretKind,
  secretNames,
  SLUG_PATTERN,
} from '../../lib/core';
import { generatedSecret } from '../cohort-secrets';
import { GithubCiRole } from '../github-ci';
import { RosterMember, SecretRotation } from '../mlflow-rotation';
import { PodIdentityRole } from '../pod-identity-role';

/** Properties of {@link LabPerson}. */
export interface LabPersonProps {
  /** The cohort's name: in the role's path and name, its tags and the secret's name. */
  readonly cohortName: string;
  /** The person's slug (their MLflow username). */
  readonly slug: string;
  /** Learner or instructor. */
  readonly role: PersonRole;
  /** The cluster: a learner's pods get the role through Pod Identity; the person gets an access entry. */
  readonly cluster: eks.ICluster;
  /**
   * The learner's namespace (its `lab` service account gets the role through Pod Identity, and the
   * person's access entry is limited to it). Required for learners; instructors have none.
   * @default - none (instructors)
   */
  readonly namespace?: string;
  /** The cohort key: the secret is encrypted with it. */
  readonly encryptionKey: kms.IKey;
  /** The shared managed policy of the person's role type (same for everyone: keyed on the role's tags). */
  readonly policy: iam.IManagedPolicy;
  /**
   * The shared rotation function: it creates the person's MLflow user on the first rotation, and
   * serves the roster member (their Cognito user; their MLflow user's removal when they leave).
   */
  readonly rotation: SecretRotation;
  /** The email the roster gives the person: their Cognito user's, where Cognito mails the invitation. */
  readonly email: string;
  /** The cohort's Cognito user pool (the function must be allowed on it: `grantRosterMembers`). */
  readonly userPoolId: string;
  /**
   * The IAM user or role the roster gives the person. It may assume the person's role and gets a
   * cluster access entry (a learner: their namespace; an instructor: cluster admin).
   * @default - neither: the person uses MLflow and Feast with their credentials only
   */
  readonly iamPrincipalArn?: string;
  /**
   * Roles that act for the person and may assume the role: the External Secrets Operator, which
   * syncs the learner's credentials into their namespace with it.
   * @default - none
   */
  readonly trustedRoles?: readonly iam.IRole[];
  /**
   * A learner's GitHub repository (Lab 2): a CI role that its environments' jobs assume, and the
   * CI user's MLflow credentials ({@link GithubCiRole}).
   * @default - none
   */
  readonly github?: LabPersonGithub;
  /**
   * What deleting the person's stack (or the person leaving the roster) does to their secret.
   * @default RemovalPolicy.DESTROY (CloudFormation deletes it at once, without a recovery window)
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** What a learner's CI role needs besides what the person has ({@link LabPersonProps.github}). */
export interface LabPersonGithub {
  /** `<owner>/<repo>`, as GitHub spells it. */
  readonly repository: string;
  /** The environments whose jobs may assume the CI role. */
  readonly environments: readonly string[];
  /** ARN of GitHub's OIDC provider in the account. */
  readonly oidcProviderArn: string;
  /** The shared CI policy (data stack). */
  readonly policy: iam.IManagedPolicy;
}

/**
 * One person of a cohort's roster, from the roster alone:
 *
 * - an IAM role `lab-<slug>-<cohort hash>` under `/cohortlab/<cohort>/people/`, tagged
 *   `lab:learner=<slug>` (or `lab:instructor`) and `lab:role`, with the shared policy of its type:
 *   every grant is keyed on those tags, so no policy grows with the roster. A learner's `lab`
 *   service account gets the role through EKS Pod Identity; the roster's principal and the
 *   External Secrets Operator may assume it;
 * - the MLflow credentials `cohort-lab/<cohort>/learners/<slug>/mlflow` (instructors:
 *   `.../instructors/<slug>/mlflow`), tagged with the person, rotated by the shared function from
 *   deploy time on, which creates the MLflow user then;
 * - with a principal, an EKS access entry: a learner edits their namespace, an instructor
 *   administers the cluster.
 *
 * Every logical ID is keyed by the slug (the construct's id), so adding or removing someone
 * changes nobody else's resources.
 */
export class LabPerson extends Construct {
  /**
   * The person's IAM role (primary child, id `Resource`): always for a learner (their workloads
   * and the secret sync use it); for an instructor only with an `iamPrincipalArn` to assume it.
   */
  public readonly role?: iam.Role;
  /** The Pod Identity role of a learner (undefined for instructors). */
  public readonly podIdentity?: PodIdentityRole;
  /** The MLflow credentials `{username, password}`. */
  public readonly mlflowSecret: secretsmanager.Secret;
  /** The secret's rotation schedule (rotates at deploy, then every interval). */
  public readonly rotationSchedule: secretsmanager.CfnRotationSchedule;
  /** The person in the cohort's services: their Cognito user; on removal, their MLflow user goes. */
  public readonly member: RosterMember;
  /** The cluster access entry of the roster principal, when there is one. */
  public readonly accessEntry?: eks.AccessEntry;
  /** A learner's CI role and CI credentials, when the roster names their repository. */
  public readonly ci?: GithubCiRole;
  public readonly slug: string;
  public readonly personRole: PersonRole;

  constructor(scope: Construct, id: string, props: LabPersonProps) {
    super(scope, id);
    if (!SLUG_PATTERN.test(props.slug)) {
      throw new Error(`LabPerson ${id}: slug "${props.slug}" is not a normalised id`);
    }
    const learner = props.role === PersonRole.LEARNER;
    if (learner && props.namespace === undefined) {
      throw new Error(`LabPerson ${id}: learner "${props.slug}" needs a namespace`);
    }
    if (!learner && props.namespace !== undefined) {
      throw new Error(
        `LabPerson ${id}: instructor "${props.slug}" has no namespace (got "${props.namespace}")`,
      );
    }
    this.slug = props.slug;
    this.personRole = props.role;
    const roleName = personRoleName(props.cohortName, props.slug);
    const path = peopleRolePath(props.cohortName);
    const description = `Cohort Lab ${props.cohortName}: ${props.role} ${props.slug}`;

    if (learner) {
      this.podIdentity = new PodIdentityRole(this, 'Resource', {
        cluster: props.cluster,
        namespace: props.namespace!,
        serviceAccount: LEARNER_SERVICE_ACCOUNT,
        roleName,
        path,
        description,
      });
      this.role = this.podIdentity.role;
      if (props.iamPrincipalArn !== undefined) {
        this.podIdentity.trust(new iam.ArnPrincipal(props.iamPrincipalArn));
      }
      for (const trusted of props.trustedRoles ?? []) {
        this.podIdentity.trust(new iam.ArnPrincipal(trusted.roleArn));
      }
    } else if (props.iamPrincipalArn !== undefined) {
      this.role = new iam.Role(this, 'Resource', {
        roleName,
        path,
        description,
        assumedBy: new iam.ArnPrincipal(props.iamPrincipalArn),
      });
    }
    if (this.role !== undefined) {
      this.role.addManagedPolicy(props.policy);
      Tags.of(this.role).add(personTagKey(props.role), props.slug);
      Tags.of(this.role).add(PERSON_TAG.role, props.role);
      Tags.of(this.role).add(LAB_TAG.cohort, props.cohortName);
    }

    const names = secretNames(props.cohortName);
    this.mlflowSecret = generatedSecret(this, 'MlflowSecret', {
      secretName: learner ? names.learnerMlflow(props.slug) : names.instructorMlflow(props.slug),
      description: `MLflow credentials of ${props.role} ${props.slug}`,
      encryptionKey: props.encryptionKey,
      removalPolicy: props.removalPolicy,
      template: { username: props.slug },
      generateKey: 'password',
    });
    Tags.of(this.mlflowSecret).add(personTagKey(props.role), props.slug);
    this.rotationSchedule = props.rotation.addSecret(
      this.mlflowSecret,
      learner ? SecretKind.MLFLOW_USER : SecretKind.MLFLOW_INSTRUCTOR,
      true,
    );

    this.member = new RosterMember(this, 'Member', {
      serviceToken: props.rotation.serviceToken,
      slug: props.slug,
      email: props.email,
      role: props.role,
      userPoolId: props.userPoolId,
    });
    // When the person leaves, the secret and its schedule go before the member: a rotation in
    // between would otherwise create the MLflow user again after the member removed it.
    this.mlflowSecret.node.addDependency(this.member);
    this.rotationSchedule.node.addDependency(this.member);

    if (props.github !== undefined) {
      if (!learner) {
        throw new Error(`LabPerson ${id}: instructor "${props.slug}" has no GitHub CI role`);
      }
      this.ci = new GithubCiRole(this, 'Ci', {
        cohortName: props.cohortName,
        slug: props.slug,
        repository: props.github.repository,
        environments: props.github.environments,
        oidcProviderArn: props.github.oidcProviderArn,
        policy: props.github.policy,
        encryptionKey: props.encryptionKey,
        rotation: props.rotation,
        removalPolicy: props.removalPolicy,
      });
      // The member goes last (its Delete removes the CI user), and the CI user's first rotation
      // follows the learner's, which makes the learner's MLflow user it grants MANAGE to.
      this.ci.secret.node.addDependency(this.member);
      this.ci.rotationSchedule.node.addDependency(this.member);
      this.ci.rotationSchedule.node.addDependency(this.rotationSchedule);
    }

    if (props.iamPrincipalArn !== undefined) {
      this.accessEntry = new eks.AccessEntry(this, 'Access', {
        cluster: props.cluster,
        principal: props.iamPrincipalArn,
        accessPolicies: [
          learner
            ? eks.AccessPolicy.fromAccessPolicyName('AmazonEKSEditPolicy', {
                accessScopeType: eks.AccessScopeType.NAMESPACE,
                namespaces: [props.namespace!],
              })
            : eks.AccessPolicy.fromAccessPolicyName('AmazonEKSClusterAdminPolicy', {
                accessScopeType: eks.AccessScopeType.CLUSTER,
              }),
        ],
      });
    }
  }

  /** The ARN of a person's role in `scope`'s stack, computed from its fixed name and path (no lookup). */
  public static personRoleArn(scope: Construct, cohortName: string, slug: string): string {
    return Stack.of(scope).formatArn({
      service: 'iam',
      region: '',
      resource: 'role',
      resourceName: personRoleResource(cohortName, slug),
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }
}

export * from './policies';
