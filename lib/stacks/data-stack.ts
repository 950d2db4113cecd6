import { CfnOutput, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { ArtifactBucket } from '../../constructs/artifact-bucket';
import { CohortAlerts } from '../../constructs/cohort-alerts';
import { CohortKey } from '../../constructs/cohort-key';
import { PeoplePolicies } from '../../constructs/lab-person';
import { CohortConfig } from '../config';
import { ArtifactRetention, secretPrefix } from '../core';
import { cdkProfile } from './profile-mapping';

/** Properties of {@link DataStack}. */
export interface DataStackProps extends StackProps {
  /** The validated cohort. */
  readonly config: CohortConfig;
}

/**
 * Stateful data of a cohort: the cohort KMS key, the artifact bucket and the alert topic. Deleted last, and by
 * default it leaves the bucket and key behind (see `artifacts.retention`).
 */
export class DataStack extends Stack {
  public readonly key: CohortKey;
  public readonly artifacts: ArtifactBucket;
  public readonly alerts: CohortAlerts;
  /** The rule that announces every failed rotation of the cohort's secrets (its matches are on the dashboard). */
  public readonly rotationFailed: events.Rule;
  /** The managed policies of the people's roles (learners, instructors). */
  public readonly peoplePolicies: PeoplePolicies;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { config } = props;
    const profile = cdkProfile(config.profile);
    const deleteData = config.artifacts.retention === ArtifactRetention.DELETE;

    // The key outlives the stack whenever anything encrypted with it does.
    this.key = new CohortKey(this, 'CohortKey', {
      cohortName: config.name,
      removalPolicy: deleteData ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });

    this.artifacts = new ArtifactBucket(this, 'Artifacts', {
      encryptionKey: this.key.key,
      retention: config.artifacts.retention,
      noncurrentVersionExpiration: profile.noncurrentVersionExpiration,
      accessLogExpiration: profile.accessLogExpiration,
    });

    // People reach their part of the bucket, the key and their own secrets through their roles'
    // tags (LabPerson in the learners-N stacks): a fixed number of statements, whatever the roster.
    this.artifacts.grantPeopleByTag(config.name);
    this.key.grantPeopleKeyUse(config.name);
    this.peoplePolicies = new PeoplePolicies(this, 'People', { cohortName: config.name });

    // Where failures that need a human go; the owner is subscribed by email.
    this.alerts = new CohortAlerts(this, 'Alerts', {
      cohortName: config.name,
      encryptionKey: this.key.key,
      emails: [config.owner],
    });
    this.rotationFailed = this.alerts.alertOnRotationFailure(secretPrefix(config.name));

    new CfnOutput(this, 'AlertTopicArn', {
      value: this.alerts.topic.topicArn,
      description: 'Cohort alert topic',
    });
    new CfnOutput(this, 'ArtifactBucketName', {
      value: this.artifacts.bucketName,
      description: 'Cohort artifact bucket (shared/, learners/<id>/, mlflow/, feast/)',
    });
    new CfnOutput(this, 'CohortKeyArn', { value: this.key.keyArn, description: 'Cohort KMS key' });
  }
}
