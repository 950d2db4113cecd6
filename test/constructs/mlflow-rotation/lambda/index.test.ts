/**
 * What the rotation function does before it talks to anything, for states moto cannot produce.
 * Everything else (kind tags, tokens, every step against MLflow) runs against moto's Secrets
 * Manager and a real MLflow server in test/integration/rotation.test.ts.
 */
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  handler,
  isMemberEvent,
  makeHandler,
  MemberEvent,
  RotationError,
} from '../../../../constructs/mlflow-rotation/lambda';
import { startStub } from './fakes';

const ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:cohort-lab/demo/redis-AbCdEf';

/** A client that answers DescribeSecret with `meta` and fails the test on any other call. */
function describeOnly(meta: Record<string, unknown>): { client: SecretsManagerClient; calls: string[] } {
  const calls: string[] = [];
  const client = {
    send: async (command: object) => {
      calls.push(command.constructor.name);
      if (command instanceof DescribeSecretCommand) return meta;
      throw new Error(`unexpected ${command.constructor.name}`);
    },
  } as unknown as SecretsManagerClient;
  return { client, calls };
}

describe('rotation function', () => {
  test('fails when rotation was turned off (CancelRotateSecret), before reading or writing any value', async () => {
    // GIVEN a secret whose rotation was cancelled: RotationEnabled false. (moto's CancelRotateSecret
    // needs a Lambda ARN on the secret, and setting one makes moto run its Docker Lambda.)
    const { client, calls } = describeOnly({
      ARN,
      RotationEnabled: false,
      VersionIdsToStages: { 'v-1': ['AWSCURRENT'], 'v-2': ['AWSPENDING'] },
      Tags: [{ Key: 'lab:secret-kind', Value: 'generated-dual' }],
    });
    const lines: string[] = [];
    const rotate = makeHandler({
      secrets: client,
      mlflowUrl: 'http://mlflow.invalid',
      adminSecretId: 'admin',
      log: (_level, message) => lines.push(message),
    });
    // WHEN any step runs THEN it fails with the reason, and nothing else was called
    for (const Step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) {
      await expect(rotate({ SecretId: ARN, ClientRequestToken: 'v-2', Step })).rejects.toThrow(
        new RotationError(`Secret ${ARN} is not enabled for rotation`),
      );
    }
    expect(calls).toEqual(Array(4).fill('DescribeSecretCommand'));
    expect(lines).toEqual([]);
  });

  test('the Lambda entry point fails when MLFLOW_URL or ADMIN_SECRET_ID is not set', async () => {
    const saved = { MLFLOW_URL: process.env.MLFLOW_URL, ADMIN_SECRET_ID: process.env.ADMIN_SECRET_ID };
    try {
      for (const env of [{ MLFLOW_URL: 'http://mlflow.internal' }, { ADMIN_SECRET_ID: 'admin' }, {}]) {
        delete process.env.MLFLOW_URL;
        delete process.env.ADMIN_SECRET_ID;
        Object.assign(process.env, env);
        await expect(
          handler({ SecretId: ARN, ClientRequestToken: 't', Step: 'createSecret' }),
        ).rejects.toThrow('MLFLOW_URL and ADMIN_SECRET_ID must be set');
      }
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  test('tells a custom-resource request (RequestType) from a rotation step (Step)', () => {
    expect(isMemberEvent({ SecretId: ARN, ClientRequestToken: 't', Step: 'createSecret' })).toBe(false);
    expect(isMemberEvent({ RequestType: 'Delete' } as MemberEvent)).toBe(true);
  });

  test('the Lambda entry point answers a member request FAILED when the environment is not set', async () => {
    // GIVEN no environment, and CloudFormation waiting at its response URL
    const saved = { MLFLOW_URL: process.env.MLFLOW_URL, ADMIN_SECRET_ID: process.env.ADMIN_SECRET_ID };
    delete process.env.MLFLOW_URL;
    delete process.env.ADMIN_SECRET_ID;
    const cfn = await startStub(() => ({ status: 200 }));
    try {
      // WHEN a member is created
      await handler({
        RequestType: 'Create',
        ServiceToken: 'arn',
        ResponseURL: `${cfn.url}/r`,
        StackId: 'stack',
        RequestId: 'request-1',
        LogicalResourceId: 'Member',
        ResourceType: 'Custom::CohortLabRosterMember',
        ResourceProperties: { ServiceToken: 'arn', Slug: 'grace-hopper' },
      });
      // THEN CloudFormation hears why at once rather than waiting for its timeout
      expect(cfn.received.map((r) => JSON.parse(r.body) as unknown)).toEqual([
        {
          Status: 'FAILED',
          Reason: 'MLFLOW_URL and ADMIN_SECRET_ID must be set',
          PhysicalResourceId: 'member/grace-hopper',
          StackId: 'stack',
          RequestId: 'request-1',
          LogicalResourceId: 'Member',
        },
      ]);
    } finally {
      await cfn.close();
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
