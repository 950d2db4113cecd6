import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

/** Properties of {@link MlflowWebAcl}. */
export interface MlflowWebAclProps {
  /** Name of the web ACL (and prefix of its metric names' dimension), e.g. `cohortlab-<cohort>-mlflow`. */
  readonly name: string;
  /** Requests one source address may send per window before the rest of the window gets 429. */
  readonly rateLimit: { readonly requests: number; readonly windowSeconds: 60 | 120 | 300 | 600 };
}

/** The URI paths of MLflow's proxied artifact uploads and downloads (binary bodies). */
export const ARTIFACT_PATH_PREFIXES = [
  '/api/2.0/mlflow-artifacts/artifacts/',
  '/ajax-api/2.0/mlflow-artifacts/artifacts/',
] as const;

/** The metric names (CloudWatch `AWS/WAFV2`, dimension `Rule`) of the web ACL and its rules. */
export const WEB_ACL_METRICS = {
  webAcl: 'MlflowWebAcl',
  rateLimit: 'MlflowRateLimitPerIp',
  commonRules: 'MlflowAwsCommonRules',
  knownBadInputs: 'MlflowAwsKnownBadInputs',
} as const;

/**
 * Web ACL capacity units (WCUs) of the rules, by AWS WAF's published figures (Developer Guide:
 * "Web ACL capacity units", the managed rule groups' list; from memory, not fetched): the
 * rate-based rule 2, the common rule set 700, the known-bad-inputs rule set 200, and the common
 * set's scope-down, two STARTS_WITH byte matches on the URI path without transformation, 2 each.
 */
export const WEB_ACL_WCUS = {
  rateLimit: 2,
  commonRules: 700,
  commonRulesScopeDown: 4,
  knownBadInputs: 200,
} as const;

/**
 * WCUs a web ACL may use at the base price (AWS WAF charges extra above 1,500; the hard maximum is
 * 5,000). The rules above stay under it: {@link MlflowWebAcl} checks.
 */
export const WEB_ACL_BASE_CAPACITY = 1500;

/** Name of the custom response body the rate-based rule answers with. */
const RATE_LIMITED_BODY = 'rate-limited';

/**
 * The web ACL in front of MLflow's internet-facing load balancer (regional WAFv2; the MLflow
 * Ingress associates it through `alb.ingress.kubernetes.io/wafv2-acl-arn`):
 *
 * 1. a rate-based rule per source address: over the limit, a request gets 429 with a plain-text
 *    explanation and `Retry-After: 60` (MLflow's client retries 429 with backoff);
 * 2. AWS's managed common rule set, except on artifact transfers (binary bodies) and with its 8 KB
 *    body-size rule counting instead of blocking (runs are logged in batches, artifacts proxied);
 * 3. AWS's managed known-bad-inputs rule set.
 *
 * Everything else is allowed; each rule publishes CloudWatch metrics and samples requests.
 */
export class MlflowWebAcl extends Construct {
  /** The web ACL (primary child, id `Resource`). */
  public readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: MlflowWebAclProps) {
    super(scope, id);
    const { requests, windowSeconds } = props.rateLimit;
    if (!Number.isInteger(requests) || requests < 10) {
      throw new Error(
        `MlflowWebAcl ${id}: rateLimit.requests must be a whole number of at least 10 (got ${requests})`,
      );
    }
    const capacity = Object.values(WEB_ACL_WCUS).reduce((a, b) => a + b, 0);
    if (capacity > WEB_ACL_BASE_CAPACITY) {
      throw new Error(
        `MlflowWebAcl ${id}: the rules take ${capacity} WCUs, more than the ${WEB_ACL_BASE_CAPACITY} of the base price`,
      );
    }
    const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });
    const startsWith = (prefix: string): wafv2.CfnWebACL.StatementProperty => ({
      byteMatchStatement: {
        fieldToMatch: { uriPath: {} },
        positionalConstraint: 'STARTS_WITH',
        searchString: prefix,
        textTransformations: [{ priority: 0, type: 'NONE' }],
      },
    });
    const notArtifacts: wafv2.CfnWebACL.StatementProperty = {
      notStatement: {
        statement: { orStatement: { statements: ARTIFACT_PATH_PREFIXES.map(startsWith) } },
      },
    };
    const windowMinutes = windowSeconds / 60;

    this.webAcl = new wafv2.CfnWebACL(this, 'Resource', {
      name: props.name,
      description: 'Cohort Lab MLflow edge: rate limit per source address, AWS managed rules',
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(WEB_ACL_METRICS.webAcl),
      customResponseBodies: {
        [RATE_LIMITED_BODY]: {
          contentType: 'TEXT_PLAIN',
          content:
            `Too many requests from your network: more than ${requests} in ${windowMinutes} minute${windowMinutes === 1 ? '' : 's'}. ` +
            'MLflow lets you in again within a minute or two once the rate drops. If your whole class ' +
            'shares one network address, tell your instructor.',
        },
      },
      rules: [
        {
          name: 'RateLimitPerSourceIp',
          priority: 0,
          statement: {
            rateBasedStatement: {
              aggregateKeyType: 'IP',
              limit: requests,
              evaluationWindowSec: windowSeconds,
            },
          },
          action: {
            block: {
              customResponse: {
                responseCode: 429,
                customResponseBodyKey: RATE_LIMITED_BODY,
                responseHeaders: [{ name: 'Retry-After', value: '60' }],
              },
            },
          },
          visibilityConfig: visibility(WEB_ACL_METRICS.rateLimit),
        },
        {
          name: 'AwsCommonRuleSet',
          priority: 1,
          statement: {
            managedRuleGroupStatement: {
              vendorName: 'AWS',
              name: 'AWSManagedRulesCommonRuleSet',
              scopeDownStatement: notArtifacts,
              ruleActionOverrides: [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }],
            },
          },
          overrideAction: { none: {} },
          visibilityConfig: visibility(WEB_ACL_METRICS.commonRules),
        },
        {
          name: 'AwsKnownBadInputsRuleSet',
          priority: 2,
          statement: {
            managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesKnownBadInputsRuleSet' },
          },
          overrideAction: { none: {} },
          visibilityConfig: visibility(WEB_ACL_METRICS.knownBadInputs),
        },
      ],
    });
  }

  /** ARN of the web ACL (for the Ingress annotation). */
  public get webAclArn(): string {
    return this.webAcl.attrArn;
  }
}
