import { CohortConfig, CostEstimate, defaultMonthlyBudgetUsd, estimateCost, NoPriceError } from '../config';
import { clusterName, ExpiryAction, stackName } from '../core';

/**
 * The parts of `plan` a person acts on, derived from the validated cohort without a synth: the
 * cost, the expiry, the addresses and DNS records, and the next command to run.
 */

/** The cost, or why the table cannot price the cohort. */
export type PlanCost = { readonly estimate: CostEstimate } | { readonly unpriced: string };

/** The expiry as the plan shows it. */
export interface PlanExpiry {
  readonly date: string;
  /** Whole days from `today`; negative once expired. */
  readonly daysLeft: number;
  readonly action: ExpiryAction;
  /** The reminder dates, earliest first. */
  readonly reminders: readonly string[];
}

/** An address a person uses, and a DNS record someone must create. */
export interface PlanEndpoints {
  readonly urls: ReadonlyArray<{ readonly what: string; readonly url: string }>;
  readonly dnsRecords: ReadonlyArray<{
    readonly name: string;
    readonly type: string;
    readonly value: string;
  }>;
}

const DAY_MS = 86_400_000;

export function planCost(config: CohortConfig): PlanCost {
  try {
    return { estimate: estimateCost(config) };
  } catch (err) {
    if (err instanceof NoPriceError) {
      return { unpriced: err.message };
    }
    throw err;
  }
}

export function planExpiry(config: CohortConfig, today: string): PlanExpiry {
  const end = Date.parse(config.expires);
  return {
    date: config.expires,
    daysLeft: Math.round((end - Date.parse(today)) / DAY_MS),
    action: config.expiry.action,
    reminders: [...config.expiry.remindDaysBefore]
      .sort((a, b) => b - a)
      .map((days) => new Date(end - days * DAY_MS).toISOString().slice(0, 10)),
  };
}

export function planEndpoints(config: CohortConfig): PlanEndpoints {
  const apps = stackName(config.name, 'apps');
  const region = config.region ?? '<region>';
  const mlflow = config.mlflow.hostname;
  return {
    urls: [
      {
        what: 'MLflow UI and API',
        url:
          mlflow !== undefined
            ? `https://${mlflow}`
            : `http://<DNS name of the load balancer of Ingress cohort-lab/mlflow>`,
      },
      { what: 'Feast', url: 'in the cluster only (no Ingress): kubectl port-forward, or from pods' },
      {
        what: 'Kubernetes API',
        url: `aws eks update-kubeconfig --name ${clusterName(config.name)} --region ${region}`,
      },
    ],
    dnsRecords:
      mlflow === undefined
        ? []
        : [
            {
              name: mlflow,
              type: 'CNAME (or Route 53 alias A)',
              value: `the DNS name of the ALB of Ingress cohort-lab/mlflow, once ${apps} is deployed`,
            },
          ],
  };
}

/** What to run next: fix the findings, or deploy. */
export function nextCommand(config: CohortConfig, ready: boolean): string {
  if (!ready) {
    return `fix the findings above, then: npm run plan -- ${config.sourceFile}`;
  }
  return `npx cdk deploy -c cohort=${config.sourceFile} --all`;
}

/** `152 days from today`, `today`, or `EXPIRED 3 day(s) ago`. */
export function expiryText(days: number): string {
  if (days < 0) {
    return `EXPIRED ${-days} day(s) ago`;
  }
  return days === 0 ? 'today' : `${days} days from today`;
}

/** A rate per hour: cents and below shown to four decimals (a KMS key is $0.0014 an hour). */
function rate(n: number): string {
  return n > 0 && n < 0.01 ? `$${n.toFixed(4)}` : usd(n);
}

function usd(n: number): string {
  return `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** The cost lines of the plan, or why there are none. */
export function renderCost(cost: PlanCost, budgetUsd: number | undefined): string[] {
  if ('unpriced' in cost) {
    return [`Cost: not estimated: ${cost.unpriced}`];
  }
  const e = cost.estimate;
  const lines = [
    `Cost (on-demand list prices of ${e.region}${e.regionAssumed ? ', assumed: the cohort file names no region' : ''}, ` +
      `table of ${e.pricesAsOf}, lib/core/prices.ts):`,
    `  per hour    ${usd(e.usdPerHour)} = fixed ${usd(e.fixedUsdPerHour)} + ${e.learners} learner(s) x ${usd(e.perLearnerUsdPerHour)}` +
      (e.instructors > 0 ? ` + ${e.instructors} instructor secret(s) ${rate(e.instructorsUsdPerHour)}` : '') +
      ` (ceiling at compute.maxNodes ${usd(e.ceilingUsdPerHour)})`,
    `  per course  ${usd(e.courseUsd)} (${e.courseHours} hours); per month ${usd(e.monthlyUsd)}`,
    `  budget      ${budgetUsd !== undefined ? `${usd(budgetUsd)} a month (budget.monthlyUsd)` : `${usd(defaultMonthlyBudgetUsd(e))} a month (default: the capacity ceiling's month, people's secrets left out)`}`,
  ];
  for (const line of e.fixed) {
    lines.push(`    fixed       ${rate(line.usdPerHour).padStart(8)}/h  ${line.item}`);
  }
  for (const line of e.perLearner) {
    lines.push(`    per learner ${rate(line.usdPerHour).padStart(8)}/h  ${line.item}`);
  }
  lines.push(`  not counted: ${e.excluded.join('; ')}`);
  return lines;
}
