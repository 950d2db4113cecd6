/**
 * The price table `plan`, `list` and the cohort budget estimate costs from: on-demand list prices
 * in US dollars, per region, with the page each figure comes from. Plain data; the arithmetic is in
 * lib/config/cost.ts.
 *
 * The figures were transcribed from the AWS pricing pages named in {@link PRICE_SOURCES}. This
 * repository builds and tests without internet access, so nothing re-reads those pages: when the
 * table's date is old, check the pages and update the figures and {@link PRICES_AS_OF} together.
 * Spot capacity is priced at the on-demand rate (an upper bound: the spot price moves by the hour).
 * Data transfer, NAT and load balancer traffic (per GB, per LCU), S3 storage and requests, and
 * CloudWatch Logs ingestion depend on use and are left out; the plan says so.
 */

/** The day the table's figures were transcribed. */
export const PRICES_AS_OF = '2026-12-06';

/** Hours in a month as AWS bills monthly prices by the hour (365 × 24 / 12). */
export const HOURS_PER_MONTH = 730;

/** Where each kind of price is published. */
export const PRICE_SOURCES = {
  eks: 'https://aws.amazon.com/eks/pricing/ (cluster in standard support, per hour)',
  ec2: 'https://aws.amazon.com/ec2/pricing/on-demand/ (Linux, on-demand, per hour)',
  natGateway: 'https://aws.amazon.com/vpc/pricing/ (NAT gateway, per hour; data processed excluded)',
  publicIpv4: 'https://aws.amazon.com/vpc/pricing/ (public IPv4 address, per hour)',
  rds: 'https://aws.amazon.com/rds/postgresql/pricing/ (single-AZ on-demand instance per hour; gp storage per GB-month)',
  alb: 'https://aws.amazon.com/elasticloadbalancing/pricing/ (Application Load Balancer per hour; LCUs excluded)',
  ebs: 'https://aws.amazon.com/ebs/pricing/ (gp3 per GB-month)',
  kms: 'https://aws.amazon.com/kms/pricing/ (customer managed key per month)',
  waf: 'https://aws.amazon.com/waf/pricing/ (web ACL per month, rule per month; requests excluded)',
  secretsManager: 'https://aws.amazon.com/secrets-manager/pricing/ (per secret per month)',
} as const;

/** The prices of one region, in US dollars. */
export interface RegionPrices {
  readonly eksClusterPerHour: number;
  /** EC2 instance type to its on-demand Linux price per hour. */
  readonly ec2PerHour: Readonly<Record<string, number>>;
  readonly natGatewayPerHour: number;
  readonly publicIpv4PerHour: number;
  /**
   * RDS for PostgreSQL instance class (without `db.`) to its single-AZ price per hour: every class
   * the database sizing may choose (lib/core/database-sizing.ts; a test holds the two together).
   * `t4g.medium` and the `m6g` classes were added without the pricing page at hand (`t4g.medium`
   * checked against a published copy of its table, `m6g` not): re-read them with the next update.
   */
  readonly rdsPostgresPerHour: Readonly<Record<string, number>>;
  readonly rdsStoragePerGibMonth: number;
  readonly albPerHour: number;
  readonly ebsGp3PerGibMonth: number;
  readonly kmsKeyPerMonth: number;
  readonly wafWebAclPerMonth: number;
  readonly wafRulePerMonth: number;
  readonly secretPerMonth: number;
}

/** The regions with figures; `plan` prices any other region as "no prices for <region>". */
export const REGION_PRICES: Readonly<Record<string, RegionPrices>> = {
  'us-east-1': {
    eksClusterPerHour: 0.1,
    ec2PerHour: {
      'c7g.large': 0.0725,
      'm5.large': 0.096,
      'm6i.large': 0.096,
      'm6i.xlarge': 0.192,
      'm6g.large': 0.077,
      't3.large': 0.0832,
      't3a.large': 0.0752,
      't4g.nano': 0.0042,
    },
    natGatewayPerHour: 0.045,
    publicIpv4PerHour: 0.005,
    rdsPostgresPerHour: {
      't4g.micro': 0.016,
      't4g.small': 0.032,
      't4g.medium': 0.065,
      'm6g.large': 0.159,
      'm6g.xlarge': 0.318,
      'm6g.2xlarge': 0.636,
    },
    rdsStoragePerGibMonth: 0.115,
    albPerHour: 0.0225,
    ebsGp3PerGibMonth: 0.08,
    kmsKeyPerMonth: 1,
    wafWebAclPerMonth: 5,
    wafRulePerMonth: 1,
    secretPerMonth: 0.4,
  },
  'eu-west-1': {
    eksClusterPerHour: 0.1,
    ec2PerHour: {
      'c7g.large': 0.0774,
      'm5.large': 0.107,
      'm6i.large': 0.107,
      'm6i.xlarge': 0.214,
      'm6g.large': 0.086,
      't3.large': 0.0912,
      't3a.large': 0.0816,
      't4g.nano': 0.0046,
    },
    natGatewayPerHour: 0.048,
    publicIpv4PerHour: 0.005,
    rdsPostgresPerHour: {
      't4g.micro': 0.017,
      't4g.small': 0.034,
      't4g.medium': 0.068,
      'm6g.large': 0.169,
      'm6g.xlarge': 0.338,
      'm6g.2xlarge': 0.676,
    },
    rdsStoragePerGibMonth: 0.127,
    albPerHour: 0.0252,
    ebsGp3PerGibMonth: 0.088,
    kmsKeyPerMonth: 1,
    wafWebAclPerMonth: 5,
    wafRulePerMonth: 1,
    secretPerMonth: 0.4,
  },
};

/** The region a cohort file without `region` is priced in (the plan says so). */
export const DEFAULT_PRICE_REGION = 'us-east-1';

/**
 * The data stack's outputs holding the estimated cost per hour, fixed and per learner (`cohort-lab
 * list` reads them). Neither depends on who is on the roster, so a roster change leaves the data
 * stack as it is.
 */
export const ESTIMATE_OUTPUTS = {
  fixedUsdPerHour: 'EstimatedFixedUsdPerHour',
  perLearnerUsdPerHour: 'EstimatedUsdPerLearnerHour',
} as const;
