import { CustomResource, Duration, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  ROSTER_MEMBER_RESOURCE_TYPE,
  ROSTER_ROLES,
  RosterRole,
  normaliseId,
  slugProblem,
} from '../../lib/core';

/** Properties of {@link RosterMember}. */
export interface RosterMemberProps {
  /** ARN of the function that serves the member: `SecretRotation.serviceToken`. */
  readonly serviceToken: string;
  /** The person's normalised id: their Cognito and MLflow user name. */
  readonly slug: string;
  /** Where Cognito mails the invitation; the Cognito user's `email` (verified). */
  readonly email: string;
  /** `learner` or `instructor`: the Cognito group (`learners`, `instructors`) the user is in. */
  readonly role: RosterRole;
  /** The cohort's user pool. The function must be allowed on it (`SecretRotation.grantRosterMembers`). */
  readonly userPoolId: string;
  /**
   * How long CloudFormation waits for the function's answer before it fails the resource.
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;
}

/**
 * One person of the roster in the cohort's services: a `Custom::CohortLabRosterMember` served by
 * the shared rotation function. Creating it makes the person's Cognito user (Cognito mails the
 * invitation) in the role's group; deleting it removes the person's MLflow user and Cognito user,
 * never their experiments or runs. The person's MLflow user itself comes from their secret's first
 * rotation (`SecretKind.MLFLOW_USER` or `MLFLOW_INSTRUCTOR`).
 *
 * Physical id `member/<slug>` (a new Slug replaces the resource); attributes `Username` and `Group`.
 */
export class RosterMember extends Construct {
  /** The custom resource (the primary child, id `Resource`). */
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: RosterMemberProps) {
    super(scope, id);
    if (!Token.isUnresolved(props.slug)) {
      const problem = slugProblem(props.slug);
      if (normaliseId(props.slug) !== props.slug) {
        throw new Error(`RosterMember: slug "${props.slug}" is not a normalised id`);
      }
      if (problem !== undefined) {
        throw new Error(`RosterMember: slug "${props.slug}" is not usable: ${problem}`);
      }
    }
    if (!(ROSTER_ROLES as readonly string[]).includes(props.role)) {
      throw new Error(`RosterMember: role "${props.role}" must be one of ${ROSTER_ROLES.join(', ')}`);
    }
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: props.serviceToken,
      resourceType: ROSTER_MEMBER_RESOURCE_TYPE,
      properties: { Slug: props.slug, Email: props.email, Role: props.role, UserPoolId: props.userPoolId },
      serviceTimeout: props.timeout ?? Duration.minutes(5),
    });
  }

  /** The person's Cognito user name (`Fn::GetAtt` `Username`). */
  public get username(): string {
    return this.resource.getAttString('Username');
  }

  /** The Cognito group the person is in (`Fn::GetAtt` `Group`). */
  public get group(): string {
    return this.resource.getAttString('Group');
  }
}
