/**
 * The rotation function's Secrets Manager reads, for answers moto does not give: values that are
 * not JSON objects, a missing version next to other errors, an unusable random password. No
 * secret value may reach an error message.
 */
import {
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { RotationError } from '../../../../constructs/mlflow-rotation/lambda';
import {
  getJson,
  newPassword,
  PASSWORD_LENGTH,
  tryGetJson,
  userSecret,
} from '../../../../constructs/mlflow-rotation/lambda/secret-store';
import { RotationDeps } from '../../../../constructs/mlflow-rotation/lambda/types';

const ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:cohort-lab/demo/redis-AbCdEf';

/** Dependencies whose client answers every call with `answer` (or throws it) and records the input. */
function depsAnswering(answer: unknown): { deps: RotationDeps; inputs: unknown[] } {
  const inputs: unknown[] = [];
  const secrets = {
    send: async (command: GetSecretValueCommand | GetRandomPasswordCommand) => {
      inputs.push(command.input);
      if (answer instanceof Error) throw answer;
      return answer;
    },
  } as unknown as SecretsManagerClient;
  return {
    deps: { secrets, mlflowUrl: 'http://mlflow.invalid', adminSecretId: 'admin', log: () => {} },
    inputs,
  };
}

describe('getJson', () => {
  test('reads the version of the stage (and token) and returns its JSON object', async () => {
    const { deps, inputs } = depsAnswering({ SecretString: '{"password":"p","previousPassword":"q"}' });
    await expect(getJson(deps, ARN, 'AWSPENDING', 'v-2')).resolves.toEqual({
      password: 'p',
      previousPassword: 'q',
    });
    expect(inputs).toEqual([{ SecretId: ARN, VersionStage: 'AWSPENDING', VersionId: 'v-2' }]);
  });

  test.each([
    ['not JSON', 'hunter2-not-json'],
    ['a JSON array', '["hunter2"]'],
    ['a JSON string', '"hunter2"'],
    ['null', 'null'],
  ])('fails when the value is %s, without quoting it', async (_name, value) => {
    const { deps } = depsAnswering({ SecretString: value });
    const error = await getJson(deps, ARN, 'AWSCURRENT').catch((e: unknown) => e);
    expect(error).toEqual(new RotationError(`Secret ${ARN} (AWSCURRENT) is not a JSON object`));
    expect((error as Error).message).not.toContain('hunter2');
  });

  test('fails when the version has no string value (binary secret)', async () => {
    const { deps } = depsAnswering({ SecretBinary: new Uint8Array([1]) });
    await expect(getJson(deps, ARN, 'AWSCURRENT')).rejects.toThrow(
      new RotationError(`Secret ${ARN} (AWSCURRENT) is not a JSON object`),
    );
  });
});

describe('tryGetJson', () => {
  test('is undefined when the version does not exist', async () => {
    const missing = new ResourceNotFoundException({ message: 'no AWSPENDING', $metadata: {} });
    const { deps } = depsAnswering(missing);
    await expect(tryGetJson(deps, ARN, 'AWSPENDING', 'v-2')).resolves.toBeUndefined();
  });

  test('passes any other failure on', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const { deps } = depsAnswering(throttled);
    await expect(tryGetJson(deps, ARN, 'AWSPREVIOUS')).rejects.toBe(throttled);
  });
});

describe('newPassword', () => {
  test(`asks for ${PASSWORD_LENGTH} letters and digits, of each kind`, async () => {
    const { deps, inputs } = depsAnswering({ RandomPassword: 'a'.repeat(PASSWORD_LENGTH) });
    await expect(newPassword(deps)).resolves.toBe('a'.repeat(PASSWORD_LENGTH));
    expect(inputs).toEqual([{ PasswordLength: 32, ExcludePunctuation: true, RequireEachIncludedType: true }]);
  });

  test.each([undefined, '', 'short'])('fails when Secrets Manager returns %j', async (password) => {
    const { deps } = depsAnswering({ RandomPassword: password });
    await expect(newPassword(deps)).rejects.toThrow(
      new RotationError('GetRandomPassword returned no usable password'),
    );
  });
});

describe('userSecret', () => {
  test('accepts username and password strings, keeping other fields', () => {
    const value = { username: 'grace', password: 'p', engine: 'mlflow' };
    expect(userSecret(value, ARN)).toBe(value);
  });

  test.each([{ username: 'grace' }, { password: 'hunter2' }, { username: 'grace', password: 42 }])(
    'fails when the value is %j, without quoting it',
    (value) => {
      expect(() => userSecret(value, ARN)).toThrow(
        new RotationError(`Secret ${ARN} must hold {"username", "password"} strings`),
      );
    },
  );
});
