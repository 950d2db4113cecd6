import { z } from 'zod';
import {
  COHORT_NAME_PATTERN,
  cronScheduleProblem,
  FEAST_PROJECT_PATTERN,
  MAX_MLFLOW_ALLOWED_CIDRS,
  MAX_PUBLIC_ACCESS_CIDRS,
  MLFLOW_PERMISSIONS,
  REGION_PATTERN,
} from '../core';
import { EXPIRY_ACTIONS, MAX_REMINDERS, NODES_PER_NODE_GROUP } from '../core';
import { githubSchema, instructorSchema, learnerSchema, notText } from './schema-people';

export { githubSchema, instructorSchema, learnerGithubSchema, learnerSchema } from './schema-people';

/**
 * The cohort file schema: the one place a cohort file's shape is defined (the people and their
 * GitHub repositories in `schema-people.ts`). Cross-field rules (duplicates, dates, profile
 * limits) live in `rules/`; this file only says what each field may hold.
 */

const ISO_DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const ACCOUNT_PATTERN = /^\d{12}$/;
/** AWS tag characters: letters, digits, spaces and `_ . : / = + - @`. */
const TAG_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

const isoDate = z
  .string()
  .regex(ISO_DATE_PATTERN, { error: 'must be a date written YYYY-MM-DD' })
  .refine((s) => isRealDate(s), { error: 'is not a calendar date' });

/** One managed node group holds at most this many nodes (EKS quota); the Cluster Autoscaler scales within it. */
const MAX_NODES = NODES_PER_NODE_GROUP.budget;
const MAX_NODES_MESSAGE = `must be ${MAX_NODES} or fewer (EKS: nodes per managed node group)`;

export const computeSchema = z.strictObject({
  instanceTypes: z
    .array(
      z
        .string()
        .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { error: 'must be an EC2 instance type like m6i.large' }),
    )
    .min(1, { error: 'must list at least one instance type' })
    .optional(),
  minNodes: z
    .int({ error: 'must be a whole number' })
    .min(0, { error: 'must be 0 or more' })
    .max(MAX_NODES, { error: MAX_NODES_MESSAGE })
    .optional(),
  maxNodes: z
    .int({ error: 'must be a whole number' })
    .min(1, { error: 'must be 1 or more' })
    .max(MAX_NODES, { error: MAX_NODES_MESSAGE })
    .optional(),
  spot: z.boolean({ error: 'must be true or false' }).optional(),
});

const HOSTNAME_PATTERN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const ACM_ARN_PATTERN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/;
/** A container image reference pinned by digest, or by a tag other than `latest`. */
const IMAGE_PATTERN =
  /^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)+(@sha256:[0-9a-f]{64}|:(?!latest$)[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/;

/** A container image reference pinned by digest or tag (cohort files; environment files of standalone manifests). */
export const imageRef = z.string().regex(IMAGE_PATTERN, {
  error: 'must be a full image reference pinned by digest (@sha256:...) or by a tag other than latest',
});

/** The cluster's Kubernetes API endpoint; the cross-field rules (opt-in for the world) are in rules/cluster.ts. */
export const clusterSchema = z.strictObject({
  endpointAccess: z.enum(['private', 'public'], { error: 'must be one of private, public' }).optional(),
  publicAccessCidrs: z
    .array(z.cidrv4({ error: 'must be an IPv4 CIDR block such as 203.0.113.0/24' }), {
      error: 'must be a list of IPv4 CIDR blocks',
    })
    .max(MAX_PUBLIC_ACCESS_CIDRS, {
      error: `must list at most ${MAX_PUBLIC_ACCESS_CIDRS} CIDR blocks (EKS limit)`,
    })
    .optional(),
  allowPublicAccessFromAnywhere: z.boolean({ error: 'must be true or false' }).optional(),
});

export const mlflowSchema = z.strictObject({
  hostname: z
    .string()
    .regex(HOSTNAME_PATTERN, { error: 'must be a fully qualified host name such as mlflow.lab.example.edu' })
    .optional(),
  certificateArn: z
    .string()
    .regex(ACM_ARN_PATTERN, {
      error: 'must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)',
    })
    .optional(),
  replicas: z
    .int({ error: 'must be a whole number' })
    .min(1, { error: 'must be 1 or more' })
    .max(10, { error: 'must be 10 or fewer' })
    .optional(),
  image: imageRef.optional(),
  defaultPermission: z
    .enum(MLFLOW_PERMISSIONS, { error: `must be one of ${MLFLOW_PERMISSIONS.join(', ')}` })
    .optional(),
  // The networks MLflow's Ingress admits; the cross-field rules (opt-in for the world) are in rules/ingress.ts.
  allowedCidrs: z
    .array(z.cidrv4({ error: 'must be an IPv4 CIDR block such as 203.0.113.0/24' }), {
      error: 'must be a list of IPv4 CIDR blocks',
    })
    .max(MAX_MLFLOW_ALLOWED_CIDRS, {
      error: `must list at most ${MAX_MLFLOW_ALLOWED_CIDRS} CIDR blocks (two security group rules each; 60 per group)`,
    })
    .optional(),
  allowAccessFromAnywhere: z.boolean({ error: 'must be true or false' }).optional(),
});

export const feastSchema = z.strictObject({
  image: imageRef.optional(),
  redisImage: imageRef.optional(),
  project: z
    .string()
    .regex(FEAST_PROJECT_PATTERN, {
      error: 'must start with a letter and contain only letters, digits and "_" (at most 63 characters)',
    })
    .optional(),
});

export const driftSchema = z.strictObject({
  // The Kubernetes CronJob's schedule (UTC); the five-field rules are in lib/core/drift.ts.
  schedule: z
    .string({ error: 'must be a cron schedule such as "0 6 * * *" (quote it)' })
    .superRefine((value, ctx) => {
      const problem = cronScheduleProblem(value);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  image: imageRef.optional(),
});

export const artifactsSchema = z.strictObject({
  retention: z
    .enum(['retain', 'export', 'delete'], { error: 'must be one of retain, export, delete' })
    .optional(),
});

/** Days before `lab:expires` a reminder goes to the cohort's topic; at most 90 (a course's last quarter-year). */
const reminderDay = z
  .int({ error: 'must be a whole number of days' })
  .min(1, { error: 'must be 1 or more' })
  .max(90, { error: 'must be 90 or fewer' });

export const expirySchema = z.strictObject({
  action: z.enum(EXPIRY_ACTIONS, { error: `must be one of ${EXPIRY_ACTIONS.join(', ')}` }).optional(),
  remindDaysBefore: z
    .array(reminderDay, { error: 'must be a list of whole numbers of days' })
    .max(MAX_REMINDERS, { error: `must list at most ${MAX_REMINDERS} reminders` })
    .optional(),
});

const percent = z
  .int({ error: 'must be a whole number (a percentage of the monthly budget)' })
  .min(1, { error: 'must be 1 or more' })
  .max(1000, { error: 'must be 1000 or fewer' });

/**
 * A budget holds at most five notifications (AWS CloudFormation User Guide,
 * AWS::Budgets::Budget NotificationWithSubscribers: "A budget can have up to five
 * notifications"): one on the forecast and up to four on the actual spend.
 */
export const BUDGET_NOTIFICATIONS = 5;

export const budgetSchema = z.strictObject({
  monthlyUsd: z
    .number({ error: 'must be a number of US dollars' })
    .positive({ error: 'must be above 0' })
    .max(1_000_000, { error: 'must be 1000000 or less' })
    .optional(),
  forecastPercent: percent.optional(),
  actualPercent: z
    .array(percent, { error: 'must be a list of percentages' })
    .min(1, { error: 'must list at least one percentage' })
    .max(BUDGET_NOTIFICATIONS - 1, {
      error: `must list at most ${BUDGET_NOTIFICATIONS - 1} percentages (a budget holds ${BUDGET_NOTIFICATIONS} notifications, one is the forecast's)`,
    })
    .optional(),
});

/**
 * Drift alarm thresholds: a learner's alarm fires on a run with at least `driftedFeatures` drifted
 * features or a largest PSI of at least `maxPsi` (defaults in lib/core/drift.ts).
 */
export const driftAlarmSchema = z.strictObject({
  driftedFeatures: z
    .int({ error: 'must be a whole number of features' })
    .min(1, { error: 'must be 1 or more' })
    .max(1000, { error: 'must be 1000 or fewer' })
    .optional(),
  maxPsi: z
    .number({ error: 'must be a number (a population stability index)' })
    .positive({ error: 'must be above 0' })
    .max(100, { error: 'must be 100 or less' })
    .optional(),
});

/** Slack through Amazon Q Developer in chat applications (AWS::Chatbot::SlackChannelConfiguration patterns). */
export const slackSchema = z.strictObject({
  workspaceId: z.string({ error: notText('Slack workspace ids') }).regex(/^[0-9A-Z]{1,255}$/, {
    error: 'must be a Slack workspace id (upper-case letters and digits, such as T07EA123LEP)',
  }),
  channelId: z.string({ error: notText('Slack channel ids') }).regex(/^[A-Za-z0-9]{1,256}$/, {
    error: 'must be a Slack channel id (letters and digits, such as C07EZ1ABC23)',
  }),
});

/** Most ops addresses: each is two subscriptions of the data stack. */
export const MAX_OPS_EMAILS = 20;

export const alertsSchema = z.strictObject({
  ops: z
    .array(z.email({ error: 'must be an email address' }), { error: 'must be a list of email addresses' })
    .max(MAX_OPS_EMAILS, { error: `must list at most ${MAX_OPS_EMAILS} addresses` })
    .optional(),
  drift: driftAlarmSchema.default({}),
  slack: slackSchema.optional(),
});

export const tagsSchema = z.record(
  z
    .string()
    .min(1, { error: 'tag key must not be empty' })
    .max(128, { error: 'tag key must be at most 128 characters' })
    .regex(TAG_PATTERN, { error: 'tag key has characters AWS tags do not allow' })
    .refine((k) => !/^(aws|lab):/i.test(k), {
      error: 'tag keys starting with "aws:" or "lab:" are reserved',
    }),
  z
    .string({ error: 'tag value must be a string (quote numbers and dates)' })
    .max(256, { error: 'tag value must be at most 256 characters' })
    .regex(TAG_PATTERN, { error: 'tag value has characters AWS tags do not allow' }),
);

export const cohortFileSchema = z.strictObject({
  cohort: z.string().regex(COHORT_NAME_PATTERN, {
    error:
      'must be a DNS-safe name: lower-case letters, digits and "-", starting with a letter, at most 40 characters',
  }),
  profile: z.enum(['cohort', 'sandbox'], { error: 'must be one of cohort, sandbox' }),
  owner: z.email({ error: 'must be an email address' }).optional(),
  account: z
    .string({ error: 'must be a quoted 12-digit string' })
    .regex(ACCOUNT_PATTERN, { error: 'must be a 12-digit AWS account id' })
    .optional(),
  region: z.string().regex(REGION_PATTERN, { error: 'must be an AWS region such as eu-west-1' }).optional(),
  course: z.strictObject({ start: isoDate, end: isoDate }),
  instructors: z.array(instructorSchema, { error: 'must be a list of instructors' }).default([]),
  learners: z.array(learnerSchema, { error: 'must be a list of learners' }),
  compute: computeSchema.default({}),
  cluster: clusterSchema.default({}),
  mlflow: mlflowSchema.default({}),
  feast: feastSchema.default({}),
  drift: driftSchema.default({}),
  artifacts: artifactsSchema.default({}),
  expiry: expirySchema.default({}),
  budget: budgetSchema.default({}),
  alerts: alertsSchema.default({ drift: {} }),
  github: githubSchema.optional(),
  tags: tagsSchema.default({}),
});

/** A cohort file as written, after schema checks and before cross-field validation. */
export type CohortFile = z.infer<typeof cohortFileSchema>;

function isRealDate(s: string): boolean {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}
