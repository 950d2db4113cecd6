import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  acknowledgeWildcardResources,
  escapeRegExp,
  PERSON_TAG,
  PersonRole,
  personTagKey,
  secretPrefix,
} from '../../lib/core';

/** Properties of {@link PeoplePolicies}. */
export interface PeoplePoliciesProps {
  /** The cohort's name: its secrets are under `cohort-lab/<cohort>/`. */
  readonly cohortName: string;
}

/**
 * The two managed policies every person's role of a cohort shares, one per role type. Each holds
 * ONE statement, keyed on the role's own tag: a learner's role reads the secrets tagged
 * `lab:learner=${aws:PrincipalTag/lab:learner}` (their own MLflow credentials) and no other; an
 * instructor's the same with `lab:instructor`. The key they are encrypted with allows its use
 * through Secrets Manager in its own policy (CohortKey.grantPeopleKeyUse). The policies are the
 * same size for 3 people and for 1,000.
 */
export class PeoplePolicies extends Construct {
  /** Attached to every learner's role. */
  public readonly learners: iam.ManagedPolicy;
  /** Attached to every instructor's role. */
  public readonly instructors: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: PeoplePoliciesProps) {
    super(scope, id);
    this.learners = this.policy('Learners', props.cohortName, PersonRole.LEARNER);
    this.instructors = this.policy('Instructors', props.cohortName, PersonRole.INSTRUCTOR);
  }

  /** The policy of `role`. */
  public of(role: PersonRole): iam.ManagedPolicy {
    return role === PersonRole.LEARNER ? this.learners : this.instructors;
  }

  private policy(id: string, cohortName: string, role: PersonRole): iam.ManagedPolicy {
    const tag = personTagKey(role);
    const secrets = Stack.of(this).formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${secretPrefix(cohortName)}*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const policy = new iam.ManagedPolicy(this, id, {
      description: `Cohort Lab ${cohortName}: what every ${role} may do, keyed on the role's ${tag} tag`,
      statements: [
        new iam.PolicyStatement({
          sid: 'OwnSecretsOnly',
          actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          resources: [secrets],
          conditions: {
            StringEquals: {
              [`secretsmanager:ResourceTag/${tag}`]: `\${aws:PrincipalTag/${tag}}`,
              [`aws:PrincipalTag/${PERSON_TAG.role}`]: role,
            },
          },
        }),
      ],
    });
    acknowledgeWildcardResources(
      policy.node.defaultChild as iam.CfnManagedPolicy,
      new RegExp(`:secret:${escapeRegExp(secretPrefix(cohortName))}\\*$`),
      `The cohort's secrets, narrowed to the person's own by the condition on the secret's ${tag} tag; secrets are created as people join, so they cannot be listed.`,
    );
    return policy;
  }
}
