/**
 * One person of the roster as a CloudFormation custom resource (`Custom::CohortLabRosterMember`),
 * served by the shared rotation function, which already runs in the VPC and reaches MLflow's
 * private endpoint with the admin secret.
 *
 * Properties: `Slug` (the normalised id: Cognito and MLflow user name), `Email`, `Role`
 * (`learner` | `instructor`), `UserPoolId`. Physical id: `member/<slug>`. Data: `Username`, `Group`.
 *
 * - Create/Update: the Cognito user `<slug>` (created with `email` and `email_verified` unless it
 *   exists; Cognito mails the invitation; an existing user's email is set to the roster's) in the
 *   role's group; an Update that changes the Role takes the user out of the old group; an Update
 *   that changes the Slug answers a new physical id, and CloudFormation then deletes the old one.
 *   The MLflow user is not made here: the person's secret's first rotation makes it.
 * - Delete: the MLflow user (users/delete with the working admin), the learner's CI user
 *   `ci.<slug>` when there is one, and the Cognito user; any already gone is fine. Experiments and runs stay, for the instructors.
 *
 * Every request is idempotent (CloudFormation may repeat one) and is answered, SUCCESS or FAILED
 * with a reason that names what failed and never holds a secret value.
 */
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  AdminRemoveUserFromGroupCommand,
  AdminUpdateUserAttributesCommand,
} from '@aws-sdk/client-cognito-identity-provider';
// The modules themselves, not the lib/core index: the Lambda bundle must not pull in aws-cdk-lib.
import { ciUsername } from '../../../lib/core/github';
import { normaliseId, slugProblem } from '../../../lib/core/identity';
import { ROSTER_MEMBER_RESOURCE_TYPE, ROSTER_ROLES, rosterGroup, RosterRole } from '../../../lib/core/roster';
import { workingAdmin } from './admin';
import { CfnResponse, responseTo, sendResponse } from './cfn-response';
import { RosterError } from './errors';
import { MlflowApi } from './mlflow-api';
import { MemberDeps, MemberEvent } from './types';

/** A member's properties, checked. */
export interface MemberProperties {
  readonly slug: string;
  readonly email: string;
  readonly role: RosterRole;
  readonly userPoolId: string;
}

/** Physical id of the member `slug`. */
export function memberId(slug: string): string {
  return `member/${slug}`;
}

/** The slug a physical id names, or undefined when it names no member this function made. */
export function slugOfMemberId(physicalId: string): string | undefined {
  const slug = /^member\/(.+)$/.exec(physicalId)?.[1];
  return slug !== undefined && slugIssue(slug) === undefined ? slug : undefined;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const USER_POOL_ID = /^[\w-]+_[0-9a-zA-Z]+$/;

/** Check a member's properties; every problem in one message. */
export function memberProperties(props: Record<string, unknown>): MemberProperties {
  const problems: string[] = [];
  const { Slug: slug, Email: email, Role: role, UserPoolId: userPoolId } = props;
  if (typeof slug !== 'string') problems.push('Slug must be a string');
  else {
    const issue = slugIssue(slug);
    if (issue !== undefined) problems.push(`Slug "${slug}" ${issue}`);
  }
  // The email is not quoted back: it is personal data, and the template holds it anyway.
  if (typeof email !== 'string' || !EMAIL.test(email)) problems.push('Email must be an email address');
  if (!(ROSTER_ROLES as readonly unknown[]).includes(role)) {
    problems.push(`Role must be one of ${ROSTER_ROLES.join(', ')} (got ${JSON.stringify(role) ?? 'none'})`);
  }
  if (typeof userPoolId !== 'string' || !USER_POOL_ID.test(userPoolId)) {
    problems.push(`UserPoolId must be a user pool id (got ${JSON.stringify(userPoolId) ?? 'none'})`);
  }
  if (problems.length > 0) throw new RosterError(problems.join('; '));
  return { slug, email, role, userPoolId } as MemberProperties;
}

function slugIssue(slug: string): string | undefined {
  if (normaliseId(slug) !== slug) return 'is not a normalised id';
  const problem = slugProblem(slug);
  return problem === undefined ? undefined : `is not usable: ${problem}`;
}

/** Build the handler of roster member requests. It answers CloudFormation and does not throw. */
export function makeMemberHandler(deps: MemberDeps): (event: MemberEvent) => Promise<void> {
  return async (event) => {
    const fields = {
      requestType: event.RequestType,
      requestId: event.RequestId,
      resource: event.LogicalResourceId,
    };
    // Secret values this request read, kept out of the reason.
    const secrets: string[] = [];
    let response: CfnResponse;
    try {
      if (event.ResourceType !== ROSTER_MEMBER_RESOURCE_TYPE) {
        throw new RosterError(
          `This function serves ${ROSTER_MEMBER_RESOURCE_TYPE}, not ${event.ResourceType}`,
        );
      }
      const outcome = await apply(deps, event, secrets, fields);
      response = responseTo(event, { Status: 'SUCCESS', ...outcome });
      deps.log('info', 'roster member: done', { ...fields, physicalId: outcome.PhysicalResourceId });
    } catch (err) {
      const reason = redact(err instanceof Error ? err.message : String(err), secrets);
      response = responseTo(event, {
        Status: 'FAILED',
        Reason: reason,
        PhysicalResourceId: failedId(event),
      });
      deps.log('error', 'roster member: failed', { ...fields, reason });
    }
    await (deps.respond ?? sendResponse)(event.ResponseURL, response);
  };
}

/**
 * The physical id of a failed request: the one CloudFormation holds, or for a Create the member's
 * own when its Slug is usable (the rollback's Delete then removes what was made), else one that
 * names no member (that Delete does nothing).
 */
export function failedId(event: MemberEvent): string {
  if (event.RequestType !== 'Create') return event.PhysicalResourceId;
  const slug = event.ResourceProperties.Slug as unknown;
  return typeof slug === 'string' && slugIssue(slug) === undefined
    ? memberId(slug)
    : `not-created/${event.LogicalResourceId}`;
}

async function apply(
  deps: MemberDeps,
  event: MemberEvent,
  secrets: string[],
  fields: Record<string, string>,
): Promise<Pick<CfnResponse, 'PhysicalResourceId' | 'Data'>> {
  if (event.RequestType === 'Delete') {
    await remove(deps, event.PhysicalResourceId, event.ResourceProperties, secrets, fields);
    return { PhysicalResourceId: event.PhysicalResourceId };
  }
  const member = memberProperties(event.ResourceProperties);
  const data = { Username: member.slug, Group: rosterGroup(member.role) };
  await ensureCognitoUser(deps, member, { ...fields, slug: member.slug });
  if (event.RequestType === 'Update' && slugOfMemberId(event.PhysicalResourceId) === member.slug) {
    const old = event.OldResourceProperties;
    const oldRole = old.Role as RosterRole;
    if (oldRole !== member.role && ROSTER_ROLES.includes(oldRole) && old.UserPoolId === member.userPoolId) {
      await cognito(
        'AdminRemoveUserFromGroup',
        deps.cognito.send(
          new AdminRemoveUserFromGroupCommand({
            UserPoolId: member.userPoolId,
            Username: member.slug,
            GroupName: rosterGroup(oldRole),
          }),
        ),
      );
      deps.log('info', 'roster member: left the old group', {
        ...fields,
        slug: member.slug,
        group: rosterGroup(oldRole),
      });
    }
    return { PhysicalResourceId: event.PhysicalResourceId, Data: data };
  }
  // A Create, or an Update to another Slug: a new member (CloudFormation deletes the old one).
  return { PhysicalResourceId: memberId(member.slug), Data: data };
}

/** The Cognito user `slug` with the roster's email, in the role's group. */
async function ensureCognitoUser(deps: MemberDeps, m: MemberProperties, fields: Record<string, string>) {
  const found = await cognito(
    'AdminGetUser',
    deps.cognito.send(new AdminGetUserCommand({ UserPoolId: m.userPoolId, Username: m.slug })),
    ['UserNotFoundException'],
  );
  const emailAttributes = [
    { Name: 'email', Value: m.email },
    { Name: 'email_verified', Value: 'true' },
  ];
  if (found === undefined) {
    const created = await cognito(
      'AdminCreateUser',
      deps.cognito.send(
        new AdminCreateUserCommand({
          UserPoolId: m.userPoolId,
          Username: m.slug,
          UserAttributes: emailAttributes,
          DesiredDeliveryMediums: ['EMAIL'],
        }),
      ),
      ['UsernameExistsException'],
    );
    if (created !== undefined) {
      deps.log('info', 'roster member: created the Cognito user (invited by email)', fields);
    }
  } else if (found.UserAttributes?.find((a) => a.Name === 'email')?.Value !== m.email) {
    await cognito(
      'AdminUpdateUserAttributes',
      deps.cognito.send(
        new AdminUpdateUserAttributesCommand({
          UserPoolId: m.userPoolId,
          Username: m.slug,
          UserAttributes: emailAttributes,
        }),
      ),
    );
    deps.log('info', "roster member: set the Cognito user's email to the roster's", fields);
  }
  await cognito(
    'AdminAddUserToGroup',
    deps.cognito.send(
      new AdminAddUserToGroupCommand({
        UserPoolId: m.userPoolId,
        Username: m.slug,
        GroupName: rosterGroup(m.role),
      }),
    ),
  );
}

/** Delete the member's MLflow user, then its Cognito user; already gone is fine. */
async function remove(
  deps: MemberDeps,
  physicalId: string,
  props: Record<string, unknown>,
  secrets: string[],
  fields: Record<string, string>,
): Promise<void> {
  const slug = slugOfMemberId(physicalId);
  if (slug === undefined) {
    // A Create that failed before it made anything (its physical id names no member).
    deps.log('info', 'roster member: the physical id names no member; nothing to delete', fields);
    return;
  }
  const userPoolId = props.UserPoolId;
  if (typeof userPoolId !== 'string' || !USER_POOL_ID.test(userPoolId)) {
    throw new RosterError(`UserPoolId must be a user pool id (got ${JSON.stringify(userPoolId) ?? 'none'})`);
  }
  const mlflow = new MlflowApi(deps);
  const admin = await workingAdmin(deps, mlflow, `roster member ${slug} Delete`);
  secrets.push(admin.password);
  const deleted = await mlflow.deleteUser(admin, slug);
  deps.log('info', `roster member: ${deleted ? 'deleted the MLflow user' : 'no MLflow user to delete'}`, {
    ...fields,
    slug,
  });
  // A learner's CI user (Lab 2) goes with them; most members have none.
  const ciDeleted = await mlflow.deleteUser(admin, ciUsername(slug));
  if (ciDeleted) {
    deps.log('info', 'roster member: deleted the CI user', { ...fields, slug });
  }
  const gone = await cognito(
    'AdminDeleteUser',
    deps.cognito.send(new AdminDeleteUserCommand({ UserPoolId: userPoolId, Username: slug })),
    ['UserNotFoundException'],
  );
  deps.log(
    'info',
    `roster member: ${gone === undefined ? 'no Cognito user to delete' : 'deleted the Cognito user'}`,
    { ...fields, slug },
  );
}

/**
 * One Cognito call; undefined when it fails with one of `tolerated`. Other failures become a
 * message naming the call and Cognito's error (its messages hold no secret).
 */
async function cognito<T>(
  operation: string,
  call: Promise<T>,
  tolerated: readonly string[] = [],
): Promise<T | undefined> {
  try {
    return await call;
  } catch (err) {
    const { name, message } = err as Error;
    if (tolerated.includes(name)) return undefined;
    throw new RosterError(`Cognito ${operation} failed: ${name}: ${message}`);
  }
}

/** `text` with every value of `secrets` replaced by `***`. */
function redact(text: string, secrets: readonly string[]): string {
  return secrets.filter((s) => s.length > 0).reduce((out, s) => out.split(s).join('***'), text);
}
