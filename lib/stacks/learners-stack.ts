import { CfnWaitConditionHandle, Stack, StackProps } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { App as Cdk8sApp } from 'cdk8s';
import { Construct } from 'constructs';
import { addLearnerChart, ImageSource, LearnerChart, ServingImage } from '../../cdk8s';
import { CohortAlerts } from '../../constructs/cohort-alerts';
import { GithubOidcProvider } from '../../constructs/github-ci';
import { LabPerson, PeoplePolicies } from '../../constructs/lab-person';
import { DriftRole, LearnerDrift } from '../../constructs/learner-drift';
import { SecretRotation } from '../../constructs/mlflow-rotation';
import { CohortConfig, Instructor, Learner } from '../config';
import { ciPolicyName, PersonRole } from '../core';

/** One person of a shard, with what they are. */
export type ShardMember =
  | { readonly role: PersonRole.LEARNER; readonly person: Learner }
  | { readonly role: PersonRole.INSTRUCTOR; readonly person: Instructor };

/** Properties of {@link LearnersStack}. */
export interface LearnersStackProps extends StackProps {
  readonly config: CohortConfig;
  /** The shard number N of `learners-N`. */
  readonly shard: number;
  /** The people whose hash (or pin) is this shard (lib/core/shards.ts). */
  readonly members: readonly ShardMember[];
  /** The cohort's cluster (cluster stack): pods, access entries and the learners' manifests. */
  readonly cluster: eks.ICluster;
  /** The cohort key (data stack): the people's secrets. */
  readonly cohortKey: kms.IKey;
  /** The people's shared managed policies (data stack). */
  readonly policies: PeoplePolicies;
  /** The MLflow image (apps stack): the model servers of learners with a repository run it. */
  readonly servingImage: ServingImage;
  /** The shared rotation function (apps stack): creates each person's MLflow user. */
  readonly rotation: SecretRotation;
  /** The External Secrets Operator's role (cluster stack): it reads a learner's secret as the learner. */
  readonly secretsOperatorRole: iam.IRole;
  /** The cohort's Cognito user pool (apps stack): each person gets a user in it. */
  readonly userPoolId: string;
  /** The cohort's alerts (data stack): instructors get critical alerts, learners their warnings. */
  readonly alerts: CohortAlerts;
  /** The drift jobs' shared Pod Identity role (apps stack): each learner's association is here. */
  readonly driftRole: DriftRole;
  /** Lab 3's drift image (apps stack) and where it comes from. */
  readonly driftImage: { readonly uri: string; readonly source: ImageSource };
  /** The artifact bucket (data stack): the Feast registry and the learners' drift references. */
  readonly artifactBucketName: string;
}

/**
 * The people of one shard of the roster, `cohortlab-<cohort>-learners-N`: each person's role,
 * MLflow credentials and access entry (LabPerson) and, for a learner, their own namespace on the
 * cluster (cdk8s/learner), applied as one manifest per learner so that a learner who leaves takes
 * exactly their objects with them. A person's shard depends only on their slug, so this stack
 * changes only when one of its own people joins, changes or leaves.
 */
export class LearnersStack extends Stack {
  /** Everyone of this shard, by slug. */
  public readonly people: ReadonlyMap<string, LabPerson>;
  /** Each learner's objects on the cluster, by slug. */
  public readonly manifests: ReadonlyMap<string, eks.KubernetesManifest>;
  /** Each learner's chart (what the manifest applies), by slug. */
  public readonly charts: ReadonlyMap<string, LearnerChart>;

  private sharedCiPolicy?: iam.IManagedPolicy;

  /**
   * The data stack's CI policy, by its fixed name (no cross-stack reference: its export would make
   * the data stack change when the first learner with a repository joins or the last one leaves).
   */
  private ciPolicy(cohort: string): iam.IManagedPolicy {
    this.sharedCiPolicy ??= iam.ManagedPolicy.fromManagedPolicyName(this, 'CiPolicy', ciPolicyName(cohort));
    return this.sharedCiPolicy;
  }

  constructor(scope: Construct, id: string, props: LearnersStackProps) {
    // Written without indentation: a shard's template is mostly its learners' Kubernetes objects,
    // and indentation alone adds about a third to its bytes (TEMPLATE_BYTES is checked on the file
    // as written, which is what CloudFormation receives).
    super(scope, id, { ...props, suppressTemplateIndentation: true });
    const { config } = props;
    const people = new Map<string, LabPerson>();
    const manifests = new Map<string, eks.KubernetesManifest>();
    const charts = new Map<string, LearnerChart>();
    for (const member of props.members) {
      const { person, role } = member;
      const learner = member.role === PersonRole.LEARNER ? member.person : undefined;
      const labPerson = new LabPerson(this, `Person-${person.slug}`, {
        cohortName: config.name,
        slug: person.slug,
        role,
        cluster: props.cluster,
        namespace: learner?.namespace,
        encryptionKey: props.cohortKey,
        policy: props.policies.of(role),
        rotation: props.rotation,
        email: person.email,
        userPoolId: props.userPoolId,
        iamPrincipalArn: person.iamPrincipalArn,
        trustedRoles: learner ? [props.secretsOperatorRole] : [],
        github: learner?.github && {
          repository: learner.github.repository,
          environments: learner.github.environments,
          oidcProviderArn: GithubOidcProvider.arnIn(config.github?.existingOidcProviderArn),
          policy: this.ciPolicy(config.name),
        },
      });
      people.set(person.slug, labPerson);
      if (learner) {
        // Three resources per learner: their drift job's Pod Identity association, their drift
        // alarm and their warnings' subscription (constructs/learner-drift).
        new LearnerDrift(labPerson, 'Drift', {
          cohortName: config.name,
          slug: learner.slug,
          email: learner.email,
          alerts: props.alerts,
          driftRole: props.driftRole,
          artifactBucketName: props.artifactBucketName,
          thresholds: config.alerts.drift,
        });
      } else {
        // Two per instructor: critical alerts and drift alarms by email.
        props.alerts.routeCritical(labPerson, 'Alerts', person.email);
      }
      if (learner && labPerson.role) {
        const chart = addLearnerChart(
          new Cdk8sApp(),
          config.name,
          this.region,
          learner,
          labPerson.role.roleArn,
          props.servingImage,
          {
            image: props.driftImage.uri,
            imageSource: props.driftImage.source,
            schedule: config.drift.schedule,
            alertTopicArn: props.alerts.topic.topicArn,
            feastProject: config.feast.project,
            artifactBucketName: props.artifactBucketName,
          },
        );
        const manifest = new eks.KubernetesManifest(labPerson, 'Objects', {
          cluster: props.cluster,
          manifest: chart.toJson(),
          // Objects dropped from the chart are deleted from the cluster on the next deploy.
          prune: true,
        });
        // The ClusterSecretStore assumes the role, and the role trusts the operator.
        manifest.node.addDependency(labPerson.role);
        manifests.set(learner.slug, manifest);
        charts.set(learner.slug, chart);
      }
    }
    if (props.members.length === 0) {
      // CloudFormation refuses a template without resources. A shard whose last person left must
      // still deploy, empty, so that the person's role, secret and namespace are removed with it.
      new CfnWaitConditionHandle(this, 'EmptyShard');
    }
    this.people = people;
    this.manifests = manifests;
    this.charts = charts;
  }
}

/**
 * The members of every shard of `config`, by shard number (ascending), empty shards included: every
 * shard of the profile is a stack, always, so that when a shard's last person leaves the roster
 * its stack is still in the app and the next deploy removes that person's resources (a stack
 * that dropped out of the app would keep them, and CDK could no longer deploy or destroy it).
 */
export function shardMembers(config: CohortConfig): Map<number, ShardMember[]> {
  const shards = new Map<number, ShardMember[]>();
  for (let shard = 0; shard < config.profile.learnerShards; shard++) {
    shards.set(shard, []);
  }
  const add = (member: ShardMember) => {
    const list = shards.get(member.person.shard) ?? [];
    list.push(member);
    shards.set(member.person.shard, list);
  };
  config.instructors.forEach((person) => add({ role: PersonRole.INSTRUCTOR, person }));
  config.learners.forEach((person) => add({ role: PersonRole.LEARNER, person }));
  return new Map([...shards.entries()].sort(([a], [b]) => a - b));
}
