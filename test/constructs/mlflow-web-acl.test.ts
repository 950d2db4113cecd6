import { Template } from 'aws-cdk-lib/assertions';
import { MlflowWebAcl, WEB_ACL_BASE_CAPACITY, WEB_ACL_WCUS } from '../../constructs/mlflow-web-acl';
import { testStack } from '../support/cohort';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- template JSON
type Json = any;

describe('MlflowWebAcl', () => {
  test('over the limit a source address gets 429, Retry-After and a page that says why', () => {
    // GIVEN a limit of 100 requests a minute
    const stack = testStack();
    new MlflowWebAcl(stack, 'Acl', {
      name: 'cohortlab-spring-mlflow',
      rateLimit: { requests: 100, windowSeconds: 60 },
    });
    // THEN
    const acl: Json = Object.values(Template.fromStack(stack).findResources('AWS::WAFv2::WebACL'))[0];
    const rate = acl.Properties.Rules[0];
    expect(rate.Statement.RateBasedStatement).toEqual({
      AggregateKeyType: 'IP',
      Limit: 100,
      EvaluationWindowSec: 60,
    });
    expect(rate.Action.Block.CustomResponse).toEqual({
      ResponseCode: 429,
      CustomResponseBodyKey: 'rate-limited',
      ResponseHeaders: [{ Name: 'Retry-After', Value: '60' }],
    });
    expect(acl.Properties.CustomResponseBodies['rate-limited'].Content).toMatch(
      /^Too many requests from your network: more than 100 in 1 minute\./,
    );
  });

  test('the artifact routes skip the common rule set, whose body-size rule only counts', () => {
    const stack = testStack();
    new MlflowWebAcl(stack, 'Acl', { name: 'x', rateLimit: { requests: 2000, windowSeconds: 300 } });
    const common: Json = (
      Object.values(Template.fromStack(stack).findResources('AWS::WAFv2::WebACL'))[0] as Json
    ).Properties.Rules[1].Statement.ManagedRuleGroupStatement;
    const prefixes = common.ScopeDownStatement.NotStatement.Statement.OrStatement.Statements.map(
      (st: Json) => st.ByteMatchStatement.SearchString,
    );
    expect(prefixes).toEqual([
      '/api/2.0/mlflow-artifacts/artifacts/',
      '/ajax-api/2.0/mlflow-artifacts/artifacts/',
    ]);
    expect(common.RuleActionOverrides).toEqual([
      { Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } },
    ]);
  });

  test('the rules stay within the capacity of the base price', () => {
    const used = Object.values(WEB_ACL_WCUS).reduce((a, b) => a + b, 0);
    expect(used).toBe(906);
    expect(used).toBeLessThanOrEqual(WEB_ACL_BASE_CAPACITY);
  });

  test.each([9, 2.5, 0])(
    'fails when the rate limit is %d requests (AWS WAF takes whole numbers from 10)',
    (requests) => {
      expect(
        () =>
          new MlflowWebAcl(testStack(), 'Acl', { name: 'x', rateLimit: { requests, windowSeconds: 300 } }),
      ).toThrow(
        `MlflowWebAcl Acl: rateLimit.requests must be a whole number of at least 10 (got ${requests})`,
      );
    },
  );
});
