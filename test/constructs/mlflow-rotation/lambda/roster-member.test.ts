/**
 * Roster member requests (Custom::CohortLabRosterMember) against an in-memory user pool, a
 * scripted MLflow and a loopback server standing in for CloudFormation's response URL. The real
 * MLflow and moto's Cognito are in test/integration/roster.test.ts.
 */
import type {
  CloudFormationCustomResourceCreateEvent,
  CloudFormationCustomResourceDeleteEvent,
  CloudFormationCustomResourceUpdateEvent,
} from 'aws-lambda';
import { makeMemberHandler, MemberDeps, MemberEvent } from '../../../../constructs/mlflow-rotation/lambda';
import { CfnResponse } from '../../../../constructs/mlflow-rotation/lambda/cfn-response';
import {
  memberProperties,
  slugOfMemberId,
} from '../../../../constructs/mlflow-rotation/lambda/roster-member';
import { adminSecrets, awsError, FakeUserPool, Received, Reply, startStub, StubServer } from './fakes';

const POOL = 'eu-west-1_AbCdEf123';
const ADMIN = { username: 'admin', password: 'admin-password-that-must-not-leak' };
const BASE = {
  ServiceToken: 'arn:aws:lambda:eu-west-1:111122223333:function:rotation',
  StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/cohortlab-spring-people/guid',
  RequestId: 'request-1',
  LogicalResourceId: 'Member',
  ResourceType: 'Custom::CohortLabRosterMember',
};
const GRACE = { Slug: 'grace-hopper', Email: 'grace@example.org', Role: 'learner', UserPoolId: POOL };

let cfn: StubServer;
let mlflow: StubServer;
/** MLflow's users, as the scripted MLflow knows them. */
let mlflowUsers: Set<string>;
/** What the scripted MLflow answers to users/delete instead of the usual, when set. */
let deleteReply: Reply | undefined;
let adminLogsIn: boolean;
let pool: FakeUserPool;
let lines: string[];
let deps: MemberDeps;

function mlflowAnswer(r: Received): Reply {
  if (r.url.startsWith('/api/2.0/mlflow/users/get')) {
    return r.user === 'admin' && adminLogsIn
      ? { status: 200, body: { user: { is_admin: true } } }
      : { status: 401, body: 'no' };
  }
  if (r.method === 'DELETE' && r.url === '/api/2.0/mlflow/users/delete') {
    if (deleteReply !== undefined) return deleteReply;
    const { username } = JSON.parse(r.body) as { username: string };
    return mlflowUsers.delete(username)
      ? { status: 200, body: {} }
      : { status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST' } };
  }
  return { status: 500, body: { error_code: 'UNEXPECTED' } };
}

beforeAll(async () => {
  cfn = await startStub(() => ({ status: 200 }));
  mlflow = await startStub((r) => mlflowAnswer(r));
});

afterAll(async () => {
  await cfn.close();
  await mlflow.close();
});

beforeEach(() => {
  cfn.received.length = 0;
  mlflow.received.length = 0;
  mlflowUsers = new Set(['grace-hopper', 'alan-turing']);
  deleteReply = undefined;
  adminLogsIn = true;
  pool = new FakeUserPool(POOL);
  lines = [];
  deps = {
    secrets: adminSecrets(ADMIN),
    cognito: pool.client(),
    mlflowUrl: mlflow.url,
    adminSecretId: 'cohort-lab/spring/mlflow-admin',
    log: (level, message, fields) => lines.push(JSON.stringify({ level, message, ...fields })),
  };
});

const responseUrl = () => `${cfn.url}/response?X-Amz-Signature=abc`;

function create(props: Record<string, unknown> = GRACE): CloudFormationCustomResourceCreateEvent {
  return {
    ...BASE,
    RequestType: 'Create',
    ResponseURL: responseUrl(),
    ResourceProperties: { ServiceToken: BASE.ServiceToken, ...props },
  };
}

function update(
  physicalId: string,
  props: Record<string, unknown>,
  old: Record<string, unknown> = GRACE,
): CloudFormationCustomResourceUpdateEvent {
  return {
    ...BASE,
    RequestType: 'Update',
    ResponseURL: responseUrl(),
    PhysicalResourceId: physicalId,
    ResourceProperties: { ServiceToken: BASE.ServiceToken, ...props },
    OldResourceProperties: { ServiceToken: BASE.ServiceToken, ...old },
  };
}

function remove(
  physicalId: string,
  props: Record<string, unknown> = GRACE,
): CloudFormationCustomResourceDeleteEvent {
  return {
    ...BASE,
    RequestType: 'Delete',
    ResponseURL: responseUrl(),
    PhysicalResourceId: physicalId,
    ResourceProperties: { ServiceToken: BASE.ServiceToken, ...props },
  };
}

/** Run one request and return the response CloudFormation received. */
async function send(event: MemberEvent): Promise<CfnResponse> {
  const before = cfn.received.length;
  await makeMemberHandler(deps)(event);
  expect(cfn.received.length).toBe(before + 1);
  const put = cfn.received[before];
  expect(put.method).toBe('PUT');
  return JSON.parse(put.body) as CfnResponse;
}

describe('Create', () => {
  test('makes the Cognito user with the verified email (Cognito mails the invitation) in the role group', async () => {
    // WHEN a learner is created
    const response = await send(create());
    // THEN CloudFormation hears SUCCESS with the member's id and attributes
    expect(response).toEqual({
      Status: 'SUCCESS',
      PhysicalResourceId: 'member/grace-hopper',
      Data: { Username: 'grace-hopper', Group: 'learners' },
      StackId: BASE.StackId,
      RequestId: 'request-1',
      LogicalResourceId: 'Member',
    });
    // AND the user exists with the roster's email, invited by email, in the learners group
    expect(pool.users.get('grace-hopper')).toEqual({
      email: 'grace@example.org',
      emailVerified: true,
      groups: new Set(['learners']),
    });
    expect(pool.invited).toEqual(['grace-hopper']);
    // AND MLflow was not called (the person's secret makes the MLflow user)
    expect(mlflow.received).toEqual([]);
    // AND the log names the person by slug, never by email
    expect(lines.join('\n')).toContain('roster member: created the Cognito user (invited by email)');
    expect(lines.join('\n')).not.toContain('grace@example.org');
  });

  test('an instructor lands in the instructors group', async () => {
    // GIVEN an instructor WHEN created THEN in the instructors group
    const response = await send(create({ ...GRACE, Slug: 'ada', Role: 'instructor' }));
    expect(response.Data).toEqual({ Username: 'ada', Group: 'instructors' });
    expect(pool.users.get('ada')?.groups).toEqual(new Set(['instructors']));
  });

  test('a repeated Create finds the user and neither creates nor invites it again', async () => {
    // GIVEN a member created once WHEN CloudFormation repeats the Create THEN only a look-up and the (idempotent) group add
    await send(create());
    pool.calls.length = 0;
    const response = await send(create());
    expect(response.Status).toBe('SUCCESS');
    expect(pool.calls).toEqual(['AdminGetUser', 'AdminAddUserToGroup']);
    expect(pool.invited).toEqual(['grace-hopper']);
  });

  test("an existing user with another email gets the roster's email", async () => {
    // GIVEN a user with an old email WHEN created with the roster's THEN the email is the roster's
    await send(create({ ...GRACE, Email: 'old@example.org' }));
    await send(create());
    expect(pool.users.get('grace-hopper')?.email).toBe('grace@example.org');
    expect(pool.calls).toContain('AdminUpdateUserAttributes');
  });

  test('a user created meanwhile (UsernameExistsException) is fine', async () => {
    // GIVEN the user appears between the look-up and the create
    pool.failNext.set('AdminCreateUser', awsError('UsernameExistsException', 'User account already exists'));
    pool.users.set('grace-hopper', { email: 'grace@example.org', emailVerified: true, groups: new Set() });
    pool.failNext.set('AdminGetUser', awsError('UserNotFoundException', 'User does not exist.'));
    // WHEN created THEN SUCCESS, and the user is in the group
    const response = await send(create());
    expect(response.Status).toBe('SUCCESS');
    expect(pool.users.get('grace-hopper')?.groups).toEqual(new Set(['learners']));
  });

  test('fails when the properties are not a member, naming every problem, with an id that names no member', async () => {
    // GIVEN four bad properties WHEN created THEN one reason names all four, and nothing was called
    const response = await send(
      create({ Slug: 'Grace.Hopper', Email: 'not-an-email', Role: 'teacher', UserPoolId: '' }),
    );
    expect(response).toEqual({
      Status: 'FAILED',
      Reason:
        'Slug "Grace.Hopper" is not a normalised id; Email must be an email address; Role must be one of learner, instructor (got "teacher"); UserPoolId must be a user pool id (got "")',
      PhysicalResourceId: 'not-created/Member',
      StackId: BASE.StackId,
      RequestId: 'request-1',
      LogicalResourceId: 'Member',
    });
    expect(pool.calls).toEqual([]);
  });

  test('fails when the slug is reserved for the MLflow admin', async () => {
    // GIVEN the admin's user name as Slug WHEN created THEN refused
    const response = await send(create({ ...GRACE, Slug: 'admin' }));
    expect(response.Reason).toBe(
      'Slug "admin" is not usable: normalises to "admin", which is reserved for the MLflow admin',
    );
  });

  test("fails when Cognito fails, with Cognito's error; the rollback's Delete can remove what was made", async () => {
    // GIVEN Cognito throttles the group add WHEN created THEN FAILED, with the member's own id
    pool.failNext.set('AdminAddUserToGroup', awsError('TooManyRequestsException', 'Rate exceeded'));
    const response = await send(create());
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toBe(
      'Cognito AdminAddUserToGroup failed: TooManyRequestsException: Rate exceeded',
    );
    expect(response.PhysicalResourceId).toBe('member/grace-hopper');
  });

  test('fails when the resource is of another type', async () => {
    // GIVEN a request for another resource type WHEN it arrives THEN refused before any call
    const response = await send({ ...create(), ResourceType: 'Custom::Other' });
    expect(response.Reason).toBe('This function serves Custom::CohortLabRosterMember, not Custom::Other');
    expect(pool.calls).toEqual([]);
  });
});

describe('Update', () => {
  beforeEach(async () => {
    await send(create());
  });

  test('a new Role moves the user from the old group to the new one; the id stays', async () => {
    // GIVEN a learner WHEN the Role becomes instructor THEN only in instructors, same id
    const response = await send(update('member/grace-hopper', { ...GRACE, Role: 'instructor' }));
    expect(response.PhysicalResourceId).toBe('member/grace-hopper');
    expect(response.Data).toEqual({ Username: 'grace-hopper', Group: 'instructors' });
    expect(pool.users.get('grace-hopper')?.groups).toEqual(new Set(['instructors']));
  });

  test('a new Email is set on the user', async () => {
    // GIVEN a learner WHEN the Email changes THEN the user has the new one
    await send(update('member/grace-hopper', { ...GRACE, Email: 'grace.hopper@example.org' }));
    expect(pool.users.get('grace-hopper')?.email).toBe('grace.hopper@example.org');
  });

  test('a new Slug is a new member with a new id (CloudFormation then deletes the old one)', async () => {
    // GIVEN a learner WHEN the Slug changes THEN a new user and a new id; the old user waits for its Delete
    const response = await send(update('member/grace-hopper', { ...GRACE, Slug: 'grace-b-hopper' }));
    expect(response.PhysicalResourceId).toBe('member/grace-b-hopper');
    expect([...pool.users.keys()].sort()).toEqual(['grace-b-hopper', 'grace-hopper']);
  });

  test('fails when the new properties are bad, keeping the id CloudFormation holds', async () => {
    // GIVEN a learner WHEN updated to an unknown Role THEN FAILED under the same id
    const response = await send(update('member/grace-hopper', { ...GRACE, Role: 'guest' }));
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toBe('Role must be one of learner, instructor (got "guest")');
    expect(response.PhysicalResourceId).toBe('member/grace-hopper');
  });
});

describe('Delete', () => {
  beforeEach(async () => {
    await send(create());
    await send(create({ ...GRACE, Slug: 'alan-turing', Email: 'alan@example.org' }));
  });

  test("removes the person's MLflow user (as the admin) and Cognito user, and no one else's", async () => {
    // GIVEN two members WHEN one is deleted THEN the MLflow user (DELETE as the admin) and the Cognito user of that one only
    const response = await send(remove('member/grace-hopper'));
    expect(response).toEqual({
      Status: 'SUCCESS',
      PhysicalResourceId: 'member/grace-hopper',
      StackId: BASE.StackId,
      RequestId: 'request-1',
      LogicalResourceId: 'Member',
    });
    const deletes = mlflow.received.filter((r) => r.method === 'DELETE');
    // (the learner's CI user is asked for too: Grace has none here, so MLflow answers 404)
    expect(deletes.map((r) => [r.url, r.user, JSON.parse(r.body)])).toEqual([
      ['/api/2.0/mlflow/users/delete', 'admin', { username: 'grace-hopper' }],
      ['/api/2.0/mlflow/users/delete', 'admin', { username: 'ci.grace-hopper' }],
    ]);
    expect(mlflowUsers).toEqual(new Set(['alan-turing']));
    expect([...pool.users.keys()]).toEqual(['alan-turing']);
  });

  test("removes the learner's CI user (Lab 2) with them, and no one else's", async () => {
    // GIVEN Grace and Alan each with a CI user
    mlflowUsers.add('ci.grace-hopper');
    mlflowUsers.add('ci.alan-turing');
    // WHEN Grace leaves
    const response = await send(remove('member/grace-hopper'));
    // THEN her user and her CI user are gone; Alan's stay
    expect(response.Status).toBe('SUCCESS');
    expect(mlflowUsers).toEqual(new Set(['alan-turing', 'ci.alan-turing']));
  });

  test('a repeated Delete finds both users gone and succeeds', async () => {
    // GIVEN a member deleted once WHEN CloudFormation repeats the Delete THEN SUCCESS, both already gone
    await send(remove('member/grace-hopper'));
    lines.length = 0;
    const response = await send(remove('member/grace-hopper'));
    expect(response.Status).toBe('SUCCESS');
    expect(lines.join('\n')).toContain('roster member: no MLflow user to delete');
    expect(lines.join('\n')).toContain('roster member: no Cognito user to delete');
  });

  test('the slug comes from the physical id: after a Slug change the old member is deleted', async () => {
    // GIVEN the properties of the new Slug WHEN the old id is deleted THEN the old user goes
    await send(remove('member/alan-turing', GRACE));
    expect([...pool.users.keys()]).toEqual(['grace-hopper']);
  });

  test('an id that names no member (a Create that failed early) deletes nothing', async () => {
    // GIVEN the id of a Create that failed before making anything WHEN deleted THEN nothing is called
    const response = await send(remove('not-created/Member', { Slug: 'Bad Slug' }));
    expect(response.Status).toBe('SUCCESS');
    expect(mlflow.received).toEqual([]);
    expect(pool.users.size).toBe(2);
  });

  test('fails when no admin credential logs in to MLflow, before touching Cognito', async () => {
    // GIVEN MLflow refuses the admin WHEN deleted THEN FAILED, and the Cognito user stays
    adminLogsIn = false;
    const response = await send(remove('member/grace-hopper'));
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toBe(
      'roster member grace-hopper Delete: neither AWSCURRENT nor AWSPENDING of cohort-lab/spring/mlflow-admin logs in to MLflow',
    );
    expect(pool.users.has('grace-hopper')).toBe(true);
  });

  test("fails when MLflow refuses the delete, with MLflow's error code and never the admin password", async () => {
    // GIVEN MLflow answers 500 with a message quoting the password WHEN deleted THEN the reason holds the code only
    deleteReply = { status: 500, body: { error_code: 'INTERNAL_ERROR', message: `bad ${ADMIN.password}` } };
    const response = await send(remove('member/grace-hopper'));
    expect(response.Reason).toBe('MLflow answered 500 (INTERNAL_ERROR) to users/delete');
    expect(JSON.stringify(response)).not.toContain(ADMIN.password);
    expect(lines.join('\n')).not.toContain(ADMIN.password);
  });

  test('fails when Cognito fails other than with a missing user', async () => {
    // GIVEN Cognito denies the delete WHEN deleted THEN FAILED with Cognito's error
    pool.failNext.set('AdminDeleteUser', awsError('AccessDeniedException', 'not allowed'));
    const response = await send(remove('member/grace-hopper'));
    expect(response.Reason).toBe('Cognito AdminDeleteUser failed: AccessDeniedException: not allowed');
    expect(response.PhysicalResourceId).toBe('member/grace-hopper');
  });
});

describe('memberProperties and physical ids', () => {
  test('reads a checked member', () => {
    // GIVEN good properties WHEN read THEN the member
    expect(memberProperties({ ...GRACE, Role: 'instructor' })).toEqual({
      slug: 'grace-hopper',
      email: 'grace@example.org',
      role: 'instructor',
      userPoolId: POOL,
    });
  });

  test('fails when a property is missing', () => {
    // GIVEN no properties WHEN read THEN every problem at once
    expect(() => memberProperties({})).toThrow(
      'Slug must be a string; Email must be an email address; Role must be one of learner, instructor (got none); UserPoolId must be a user pool id (got none)',
    );
  });

  test.each([
    ['member/grace-hopper', 'grace-hopper'],
    ['member/Grace', undefined],
    ['member/admin', undefined],
    ['not-created/Member', undefined],
    ['grace-hopper', undefined],
  ])('%s names member %s', (id, slug) => {
    // GIVEN a physical id WHEN read THEN the slug it names, if it names a usable one
    expect(slugOfMemberId(id)).toBe(slug);
  });
});
