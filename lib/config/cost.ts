import {
  DEFAULT_PRICE_REGION,
  Egress,
  HOURS_PER_MONTH,
  LEARNER_QUOTA_REQUESTS,
  nodeAllocatable,
  PRICE_SOURCES,
  PRICES_AS_OF,
  REGION_PRICES,
  RegionPrices,
} from '../core';
import { LAB_PEAK_LOAD, rosterCapacity, rosterOf } from './capacity';
import { CohortConfig } from './types';

/**
 * What a cohort costs by the hour, from the dated price table of lib/core/prices.ts: the part
 * that runs whatever the roster (control plane, egress, database, load balancer, key, service
 * secrets, the node group's minimum), the part each learner adds (their share of a node at the lab's
 * peak, docs/capacity.md, and their credentials secret), and the ceiling the node group's maximum
 * allows. Pure arithmetic; traffic-priced items are left out and named in {@link CostEstimate.excluded}.
 */

/** Secrets every cohort holds whatever its roster (lib/core/names.ts, secretNames). */
const SERVICE_SECRETS = 5;
/** Rules of the MLflow web ACL (constructs/mlflow-web-acl: the rate limit and two AWS managed groups). */
const WEB_ACL_RULES = 3;
/** Public IPv4 addresses of the shared load balancer (one per subnet; two subnets). */
const LOAD_BALANCER_ADDRESSES = 2;
/** Root volume of each node (constructs/cohort-cluster, diskSizeGiB default). */
const NODE_DISK_GIB = 30;
/** The NAT instance of the sandbox profile (constructs/cohort-network default). */
const NAT_INSTANCE_TYPE = 't4g.nano';

/** One priced item. */
export interface CostLine {
  readonly item: string;
  readonly usdPerHour: number;
  /** The page the price comes from (lib/core/prices.ts). */
  readonly source: string;
}

/** A cohort's estimated cost. */
export interface CostEstimate {
  /** The region priced (the cohort's, or the default when the file names none). */
  readonly region: string;
  /** True when the region was not in the cohort file and the default was used. */
  readonly regionAssumed: boolean;
  readonly pricesAsOf: string;
  readonly fixed: readonly CostLine[];
  readonly perLearner: readonly CostLine[];
  readonly fixedUsdPerHour: number;
  readonly perLearnerUsdPerHour: number;
  readonly learners: number;
  readonly instructors: number;
  /** The instructors' MLflow credential secrets. */
  readonly instructorsUsdPerHour: number;
  /** Fixed, plus the learners' share, plus the instructors' secrets; never above {@link ceilingUsdPerHour}. */
  readonly usdPerHour: number;
  /** The most the cohort can cost an hour: every node of the node group's maximum running. */
  readonly ceilingUsdPerHour: number;
  /**
   * The ceiling without the people's secrets: the same whoever is on the roster, so that what is
   * computed from it (the default budget) does not change the data stack when someone joins.
   */
  readonly capacityCeilingUsdPerHour: number;
  /** Course hours: from the first day's start to the last day's end. */
  readonly courseHours: number;
  readonly courseUsd: number;
  readonly monthlyUsd: number;
  /** What the figures leave out. */
  readonly excluded: readonly string[];
}

/** Thrown when the table has no price for something the cohort uses. */
export class NoPriceError extends Error {}

/** Estimate the cost of `config`; throws NoPriceError when the table lacks the region or a type. */
export function estimateCost(config: CohortConfig): CostEstimate {
  const region = config.region ?? DEFAULT_PRICE_REGION;
  const prices = REGION_PRICES[region];
  if (prices === undefined) {
    throw new NoPriceError(
      `no prices for region ${region} in lib/core/prices.ts (priced: ${Object.keys(REGION_PRICES).join(', ')})`,
    );
  }
  const nodePrice = Math.max(...config.compute.instanceTypes.map((t) => ec2Price(prices, t, region)));
  const nodeDiskPerHour = (NODE_DISK_GIB * prices.ebsGp3PerGibMonth) / HOURS_PER_MONTH;
  const perNodeHour = nodePrice + nodeDiskPerHour;
  const fixed = fixedLines(config, prices, region, perNodeHour);
  const perLearner: CostLine[] = [
    {
      item: `share of a ${config.compute.instanceTypes.join('/')} node at the lab's peak (${round(nodeShare(config), 3)} node)`,
      usdPerHour: nodeShare(config) * perNodeHour,
      source: PRICE_SOURCES.ec2,
    },
    {
      item: 'MLflow credentials secret',
      usdPerHour: prices.secretPerMonth / HOURS_PER_MONTH,
      source: PRICE_SOURCES.secretsManager,
    },
  ];
  const fixedUsdPerHour = sum(fixed);
  const perLearnerUsdPerHour = sum(perLearner);
  const instructorsUsdPerHour = (config.instructors.length * prices.secretPerMonth) / HOURS_PER_MONTH;
  const extraNodes = config.compute.maxNodes - config.compute.minNodes;
  const capacityCeilingUsdPerHour = fixedUsdPerHour + extraNodes * perNodeHour;
  const peopleSecrets = config.learners.length * perLearner[1].usdPerHour + instructorsUsdPerHour;
  const ceilingUsdPerHour = capacityCeilingUsdPerHour + peopleSecrets;
  const usdPerHour = Math.min(
    ceilingUsdPerHour,
    fixedUsdPerHour + config.learners.length * perLearnerUsdPerHour + instructorsUsdPerHour,
  );
  const courseHours = (daysBetween(config.course.start, config.course.end) + 1) * 24;
  return {
    region,
    regionAssumed: config.region === undefined,
    pricesAsOf: PRICES_AS_OF,
    fixed,
    perLearner,
    fixedUsdPerHour,
    perLearnerUsdPerHour,
    learners: config.learners.length,
    instructors: config.instructors.length,
    instructorsUsdPerHour,
    usdPerHour,
    ceilingUsdPerHour,
    capacityCeilingUsdPerHour,
    courseHours,
    courseUsd: usdPerHour * courseHours,
    monthlyUsd: usdPerHour * HOURS_PER_MONTH,
    excluded: [
      config.compute.spot ? 'spot nodes priced at the on-demand rate (an upper bound)' : undefined,
      'data transfer, NAT data processing and load balancer LCUs (priced per GB / per use)',
      'S3 storage and requests, CloudWatch Logs ingestion and storage',
    ].filter((s): s is string => s !== undefined),
  };
}

/**
 * The monthly budget a cohort file that names none gets: the capacity ceiling's month (every node of
 * the maximum running all month), rounded up to whole tens of dollars. It leaves out the people's
 * secrets ($0.40 a month each) so that a roster change never changes the data stack; a large roster
 * sets `budget.monthlyUsd`.
 */
export function defaultMonthlyBudgetUsd(estimate: CostEstimate): number {
  return Math.ceil((estimate.capacityCeilingUsdPerHour * HOURS_PER_MONTH) / 10) * 10;
}

function fixedLines(
  config: CohortConfig,
  prices: RegionPrices,
  region: string,
  perNodeHour: number,
): CostLine[] {
  const { database } = config;
  const egress: CostLine =
    config.profile.egress === Egress.NAT_GATEWAY
      ? { item: 'NAT gateway', usdPerHour: prices.natGatewayPerHour, source: PRICE_SOURCES.natGateway }
      : {
          item: `NAT instance (${NAT_INSTANCE_TYPE})`,
          usdPerHour: ec2Price(prices, NAT_INSTANCE_TYPE, region),
          source: PRICE_SOURCES.ec2,
        };
  const dbClass = prices.rdsPostgresPerHour[database.instanceClass];
  if (dbClass === undefined) {
    throw new NoPriceError(
      `no price for RDS db.${database.instanceClass} in ${region} in lib/core/prices.ts`,
    );
  }
  const secrets = SERVICE_SECRETS;
  return [
    { item: 'EKS control plane', usdPerHour: prices.eksClusterPerHour, source: PRICE_SOURCES.eks },
    {
      item: `${config.compute.minNodes} node(s) always on (compute.minNodes), with ${NODE_DISK_GIB} GiB gp3 each`,
      usdPerHour: config.compute.minNodes * perNodeHour,
      source: PRICE_SOURCES.ec2,
    },
    egress,
    {
      item: `public IPv4 addresses (egress 1, load balancer ${LOAD_BALANCER_ADDRESSES})`,
      usdPerHour: (1 + LOAD_BALANCER_ADDRESSES) * prices.publicIpv4PerHour,
      source: PRICE_SOURCES.publicIpv4,
    },
    {
      item: `PostgreSQL db.${database.instanceClass} with ${database.allocatedStorageGiB} GiB`,
      usdPerHour: dbClass + (database.allocatedStorageGiB * prices.rdsStoragePerGibMonth) / HOURS_PER_MONTH,
      source: PRICE_SOURCES.rds,
    },
    {
      item: 'Application Load Balancer (MLflow ingress)',
      usdPerHour: prices.albPerHour,
      source: PRICE_SOURCES.alb,
    },
    {
      item: 'internal Application Load Balancer (the rotation function to MLflow)',
      usdPerHour: prices.albPerHour,
      source: PRICE_SOURCES.alb,
    },
    {
      item: `web ACL in front of MLflow, ${WEB_ACL_RULES} rules`,
      usdPerHour: (prices.wafWebAclPerMonth + WEB_ACL_RULES * prices.wafRulePerMonth) / HOURS_PER_MONTH,
      source: PRICE_SOURCES.waf,
    },
    {
      item: 'KMS cohort key',
      usdPerHour: prices.kmsKeyPerMonth / HOURS_PER_MONTH,
      source: PRICE_SOURCES.kms,
    },
    {
      item: `${secrets} service secrets`,
      usdPerHour: (secrets * prices.secretPerMonth) / HOURS_PER_MONTH,
      source: PRICE_SOURCES.secretsManager,
    },
  ];
}

/**
 * Nodes one learner takes at the lab's peak: the share of the roster active at once, times the
 * part of the namespace quota an active learner requests, over what a node offers (whichever of CPU,
 * memory and pods runs out first).
 */
export function nodeShare(config: CohortConfig): number {
  // Types without sizing figures are left out (maxNodesWarning says so); one with figures is needed.
  const sized = config.compute.instanceTypes.filter((t) => nodeAllocatable(t) !== undefined);
  if (sized.length === 0) {
    throw new NoPriceError(
      `no sizing figures for ${config.compute.instanceTypes.join(', ')} in lib/core/capacity.ts, so no node share per learner`,
    );
  }
  const perNode = rosterCapacity({ ...rosterOf(config), instanceTypes: sized, learners: 0 }).perNode;
  const load = LAB_PEAK_LOAD;
  return (
    load.activeShare *
    Math.max(
      (LEARNER_QUOTA_REQUESTS.cpuMillis * load.quotaShare) / perNode.cpuMillis,
      (LEARNER_QUOTA_REQUESTS.memoryMebibytes * load.quotaShare) / perNode.memoryMebibytes,
      load.podsPerActiveLearner / perNode.pods,
    )
  );
}

function ec2Price(prices: RegionPrices, type: string, region: string): number {
  const price = prices.ec2PerHour[type];
  if (price === undefined) {
    throw new NoPriceError(`no price for EC2 ${type} in ${region} in lib/core/prices.ts`);
  }
  return price;
}

function sum(lines: readonly CostLine[]): number {
  return lines.reduce((total, line) => total + line.usdPerHour, 0);
}

function daysBetween(start: string, end: string): number {
  return Math.round((Date.parse(end) - Date.parse(start)) / 86_400_000);
}

function round(n: number, digits: number): number {
  return Number(n.toFixed(digits));
}

/** The cohort budget's monthly amount: the file's `budget.monthlyUsd`, else {@link defaultMonthlyBudgetUsd}. */
export function budgetAmountUsd(config: CohortConfig): number {
  return config.budget.monthlyUsd ?? defaultMonthlyBudgetUsd(estimateCost(config));
}
