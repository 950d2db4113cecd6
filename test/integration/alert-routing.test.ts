/**
 * The cohort's alert routing against moto's SNS and SQS: the EXACT subscriptions and filter
 * policies of the synthesised templates (a demo cohort with an ops address), fed with alerts shaped
 * like the drift job's (String attributes `severity`, `learner`, `cohort`, `source`), a CloudWatch
 * alarm notification on the drift-alarm topic, and one of the cohort's own notices (no
 * attributes). Every alert must reach exactly the queues the roster says, none missing, none extra.
 *
 * Stand-ins, because they cannot run here: each email endpoint (owner, ops, instructors,
 * learners) is an SQS queue named after the address, and the topics are not KMS-encrypted (what is
 * tested is the routing; the key policies are unit-tested). The expectations are computed from the
 * roster, not from the filter policies, so a wrong policy fails the test.
 */
import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import * as sns from 'aws-cdk-lib/aws-sns';
import { CohortConfig } from '../../lib/config';
import { resourcesOfType } from '../../lib/ops/cfn-template';
import { Moto, startMoto } from '../../lib/local/services';
import { configFrom, REPO_ROOT } from '../support/cohort';
import { synthCohort } from '../support/synth';

const PYTHON = join(REPO_ROOT, '.venvs', 'tools', 'bin', 'python');
const ALERTS = 'alerts';
const ALARMS = 'alarms';
const AUDIT = 'audit';
const OPS = 'noc@cohort-lab.example';

interface Subscription {
  readonly topic: string;
  readonly queue: string;
  readonly filterPolicy: unknown;
  readonly scope: string | null;
}
interface Message {
  readonly topic: string;
  readonly message: string;
  readonly subject?: string;
  readonly attributes?: Record<string, string>;
}

/** The queue standing in for an email address. */
const queueOf = (email: string) => `mail-${email.replace(/[^A-Za-z0-9]/g, '-')}`;

let moto: Moto;
let config: CohortConfig;
let subscriptions: Subscription[];

beforeAll(async () => {
  // GIVEN the demo cohort with an ops address, synthesised
  const demo = parse(readFileSync(join(REPO_ROOT, 'cohorts', 'demo.yaml'), 'utf8')) as Record<
    string,
    unknown
  >;
  config = configFrom((doc) => {
    doc.alerts = { ops: [OPS] };
  }, demo);
  const cohort = synthCohort(config);
  const data = cohort.stacks.data;
  const idOf = (topic: sns.Topic) => data.getLogicalId(topic.node.defaultChild as sns.CfnTopic);
  const alarmTopicId = idOf(data.alerts.alarmTopic);
  const alertTopicId = idOf(data.alerts.topic);
  // AND every subscription of every template, with the topic it names (a Ref in the data stack,
  // an import of the data stack's output elsewhere: both carry the topic's logical ID)
  subscriptions = [...cohort.templates.values()].flatMap((template) =>
    resourcesOfType(template, 'AWS::SNS::Subscription').map(([id, r]) => {
      const p = r.Properties ?? {};
      const arn = JSON.stringify(p.TopicArn);
      const topic = arn.includes(alarmTopicId) ? ALARMS : arn.includes(alertTopicId) ? ALERTS : undefined;
      if (topic === undefined) {
        throw new Error(`subscription ${id} names neither topic: ${arn}`);
      }
      const queue =
        p.Protocol === 'email' ? queueOf(p.Endpoint as string) : p.Protocol === 'sqs' ? AUDIT : '';
      if (queue === '') {
        throw new Error(`subscription ${id} has an unexpected protocol ${String(p.Protocol)}`);
      }
      return {
        topic,
        queue,
        filterPolicy: p.FilterPolicy ?? null,
        scope: (p.FilterPolicyScope as string | undefined) ?? null,
      };
    }),
  );
  moto = await startMoto();
}, 300_000);

afterAll(async () => {
  await moto?.process.stop();
});

/** Publish `messages` through moto; what each queue got (the envelopes' Message), sorted. */
function route(messages: readonly Message[]): Record<string, string[]> {
  const queues = [...new Set(subscriptions.map((s) => s.queue))];
  const out = execFileSync(PYTHON, [join(__dirname, 'support', 'sns_routing.py'), moto.endpoint], {
    input: JSON.stringify({ topics: [ALERTS, ALARMS], queues, subscriptions, messages }),
    env: { ...process.env, ...moto.awsEnv },
    encoding: 'utf8',
  });
  const got = JSON.parse(out) as Record<string, string[]>;
  return Object.fromEntries(Object.entries(got).map(([q, ms]) => [q, [...ms].sort()]));
}

const drift = (severity: string, learner: string): Message => ({
  topic: ALERTS,
  subject: `Drift ${severity}: ${learner}`,
  message: JSON.stringify({
    severity,
    learner,
    model: `promotion.${learner}`,
    driftedFeatures: 3,
    maxPsi: 0.41,
  }),
  attributes: { severity, learner, cohort: config.name, source: 'drift' },
});

test('the synthesised routing is what the roster implies', () => {
  // THEN owner, ops and each instructor have one subscription per topic, each learner one, the audit queue two
  const count = (queue: string, topic: string) =>
    subscriptions.filter((s) => s.queue === queue && s.topic === topic).length;
  for (const email of [config.owner, OPS, ...config.instructors.map((i) => i.email)]) {
    expect([email, count(queueOf(email), ALERTS), count(queueOf(email), ALARMS)]).toEqual([email, 1, 1]);
  }
  for (const l of config.learners) {
    expect([l.email, count(queueOf(l.email), ALERTS), count(queueOf(l.email), ALARMS)]).toEqual([
      l.email,
      1,
      0,
    ]);
  }
  expect([count(AUDIT, ALERTS), count(AUDIT, ALARMS)]).toEqual([1, 1]);
  expect(subscriptions).toHaveLength(2 * (2 + config.instructors.length) + config.learners.length + 2);
});

test('every alert reaches exactly the right queues: none missing, none extra', () => {
  expect(config.learners.length).toBeGreaterThanOrEqual(2);
  const [first, second] = config.learners;
  const staff = [config.owner, OPS, ...config.instructors.map((i) => i.email)];
  const alarm: Message = {
    topic: ALARMS,
    subject: `ALARM: "cohortlab-${config.name}-drift-${first.slug}" in EU (Ireland)`,
    // The shape of a CloudWatch alarm's SNS notification (no message attributes).
    message: JSON.stringify({
      AlarmName: `cohortlab-${config.name}-drift-${first.slug}`,
      NewStateValue: 'ALARM',
      OldStateValue: 'OK',
      NewStateReason:
        'Threshold Crossed: 1 datapoint [1.64] was greater than or equal to the threshold (1.0).',
      Trigger: { Metrics: [{ Id: 'expr_1', Expression: 'MAX([drifted / 1, psi / 0.25])' }], Threshold: 1 },
    }),
  };
  const notice: Message = {
    topic: ALERTS,
    message: 'Secret rotation failed: cohort-lab/x/learners/y/mlflow at 2026-12-06T10:00:00Z.',
  };
  const messages: Message[] = [
    drift('critical', first.slug),
    drift('warning', first.slug),
    drift('critical', second.slug),
    drift('warning', second.slug),
    drift('warning', 'not-on-the-roster'),
    alarm,
    notice,
  ];
  // WHEN they are published
  const got = route(messages);
  // THEN each queue got exactly what the roster says
  const expected = new Map<string, Message[]>();
  const deliver = (queue: string, m: Message) => expected.set(queue, [...(expected.get(queue) ?? []), m]);
  for (const m of messages) {
    deliver(AUDIT, m);
  }
  for (const email of staff) {
    [messages[0], messages[2], alarm].forEach((m) => deliver(queueOf(email), m));
  }
  deliver(queueOf(config.owner), notice);
  deliver(queueOf(first.email), messages[1]);
  deliver(queueOf(second.email), messages[3]);
  const queues = new Set(subscriptions.map((s) => s.queue));
  const want = Object.fromEntries(
    [...queues].map((q) => [q, (expected.get(q) ?? []).map((m) => m.message).sort()]),
  );
  expect(got).toEqual(want);
  // (and the learners not alerted got nothing)
  for (const l of config.learners.slice(2)) {
    expect(got[queueOf(l.email)]).toEqual([]);
  }
}, 120_000);
