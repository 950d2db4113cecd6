import { deniesPlainHttp } from '../../../../lib/ops/validate/bucket-checks';
import { intervalDays } from '../../../../lib/ops/validate/secret-checks';
import {
  CHECK_IDS,
  CheckId,
  CheckStatus,
  exitCodeOf,
  renderJunit,
  runChecks,
  selectChecks,
  ValidateInputError,
  ValidationTarget,
} from '../../../../lib/ops/validate';
import { CheckResult } from '../../../../lib/ops/validate/types';

const result = (id: CheckId, status: CheckStatus, evidence: string[]): CheckResult => ({
  id,
  title: `title of ${id}`,
  status,
  evidence,
  seconds: 0.25,
});

describe('selectChecks', () => {
  test('every check, in order, when none is named', () => {
    expect(selectChecks(undefined)).toEqual(CHECK_IDS);
  });

  test('the named ones, in the order they run', () => {
    expect(selectChecks('log-retention, mlflow-auth')).toEqual([CheckId.MLFLOW_AUTH, CheckId.LOG_RETENTION]);
  });

  test('fails when a check is unknown, naming it and the checks there are', () => {
    expect(() => selectChecks('mlflow-auth,mlflow-auht')).toThrow(
      new ValidateInputError(`--only: unknown check "mlflow-auht"; the checks are ${CHECK_IDS.join(', ')}`),
    );
  });
});

describe('exitCodeOf', () => {
  test('0 when every check passed or skipped, 1 when one failed', () => {
    const ok = [
      result(CheckId.MLFLOW_AUTH, CheckStatus.PASS, []),
      result(CheckId.EKS_ENDPOINT, CheckStatus.SKIP, ['x']),
    ];
    expect(exitCodeOf(ok)).toBe(0);
    expect(exitCodeOf([...ok, result(CheckId.LOG_RETENTION, CheckStatus.FAIL, [])])).toBe(1);
  });
});

describe('runChecks', () => {
  test('a check the environment cannot hold skips with its reason; one that throws fails with the error', async () => {
    // GIVEN a target whose secrets client throws and on which the EKS check cannot run
    const target = {
      notHere: { [CheckId.EKS_ENDPOINT]: 'no cluster here' },
      secretPrefix: 'cohort-lab/x/',
      sm: { send: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')) },
    } as unknown as ValidationTarget;
    // WHEN the two checks run
    const results = await runChecks(target, [CheckId.SECRETS_ROTATION_ON, CheckId.EKS_ENDPOINT]);
    // THEN
    expect(results.map((r) => [r.id, r.status, r.evidence])).toEqual([
      [
        CheckId.SECRETS_ROTATION_ON,
        CheckStatus.FAIL,
        ['the check could not run: Error: connect ECONNREFUSED 127.0.0.1:1'],
      ],
      [CheckId.EKS_ENDPOINT, CheckStatus.SKIP, ['no cluster here']],
    ]);
  });
});

describe('renderJunit', () => {
  test('one test case per check; a failure carries its evidence, a skip its reason, text escaped', () => {
    const xml = renderJunit(
      'demo',
      [
        result(CheckId.MLFLOW_AUTH, CheckStatus.PASS, ['401 on /graphql']),
        result(CheckId.BUCKET_TLS_ONLY, CheckStatus.FAIL, ['no Deny when <aws:SecureTransport> & "false"']),
        result(CheckId.EKS_ENDPOINT, CheckStatus.SKIP, ['no EKS here']),
      ],
      new Date('2026-12-06T10:00:00Z'),
    );
    expect(xml).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<testsuites name="cohort-lab validate" tests="3" failures="1" skipped="1" time="0.750">',
        '  <testsuite name="demo" tests="3" failures="1" skipped="1" errors="0" time="0.750" timestamp="2026-12-06T10:00:00.000Z">',
        '    <testcase classname="cohort-lab.validate" name="mlflow-auth: title of mlflow-auth" time="0.250">',
        '      <system-out>401 on /graphql</system-out>',
        '    </testcase>',
        '    <testcase classname="cohort-lab.validate" name="bucket-tls-only: title of bucket-tls-only" time="0.250">',
        '      <failure message="bucket-tls-only failed">no Deny when &lt;aws:SecureTransport&gt; &amp; &quot;false&quot;</failure>',
        '      <system-out>no Deny when &lt;aws:SecureTransport&gt; &amp; &quot;false&quot;</system-out>',
        '    </testcase>',
        '    <testcase classname="cohort-lab.validate" name="eks-endpoint: title of eks-endpoint" time="0.250">',
        '      <skipped message="no EKS here"/>',
        '      <system-out>no EKS here</system-out>',
        '    </testcase>',
        '  </testsuite>',
        '</testsuites>',
        '',
      ].join('\n'),
    );
  });
});

describe('deniesPlainHttp', () => {
  const tlsDeny = {
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: 's3:*',
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };

  test("the statement enforceSSL writes (and its Principal '*' and boolean forms)", () => {
    expect(deniesPlainHttp(tlsDeny)).toBe(true);
    expect(
      deniesPlainHttp({ ...tlsDeny, Principal: '*', Condition: { Bool: { 'aws:SecureTransport': false } } }),
    ).toBe(true);
  });

  test.each([
    ['an Allow', { ...tlsDeny, Effect: 'Allow' }],
    ['a Deny of one action only', { ...tlsDeny, Action: 's3:GetObject' }],
    ['a Deny for one principal', { ...tlsDeny, Principal: { AWS: 'arn:aws:iam::111122223333:root' } }],
    ['a Deny of TLS requests', { ...tlsDeny, Condition: { Bool: { 'aws:SecureTransport': 'true' } } }],
  ])('fails when the statement is %s', (_what, statement) => {
    expect(deniesPlainHttp(statement)).toBe(false);
  });
});

describe('intervalDays', () => {
  test('days after, or a rate() in days; a cron() is not judged', () => {
    expect(intervalDays({ AutomaticallyAfterDays: 30 })).toBe(30);
    expect(intervalDays({ ScheduleExpression: 'rate(30 days)' })).toBe(30);
    expect(intervalDays({ ScheduleExpression: 'rate(1 day)' })).toBe(1);
    expect(intervalDays({ ScheduleExpression: 'cron(0 16 1,15 * ? *)' })).toBeUndefined();
    expect(intervalDays(undefined)).toBeUndefined();
  });
});
