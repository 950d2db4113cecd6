/**
 * The audit trail's recent entries, when the report is given a running environment: MLflow's
 * model registry (every model version with the user who made it, its aliases and tags, newest
 * first: promotions and alias moves show here), the secrets' last rotations and changes, and on
 * AWS the cohort stacks' latest CloudFormation events. Read with the same target `validate`
 * builds (lib/ops/validate), so the same credentials and endpoints apply. Not reproducible by
 * nature: a report built with it has a "Recent changes" section stamped with when it was read.
 */
import { CloudFormationClient, DescribeStackEventsCommand, StackEvent } from '@aws-sdk/client-cloudformation';
import { DescribeSecretCommand, ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { stackName } from '../../core';
import { basicAuth, call } from '../validate/http';
import { ValidationTarget } from '../validate/types';
import { Section } from './model';

/** How many entries of each kind the section lists. */
export const RECENT_LIMIT = 20;

interface ModelVersion {
  readonly name?: string;
  readonly version?: string;
  readonly user_id?: string;
  readonly creation_timestamp?: number;
  readonly last_updated_timestamp?: number;
  readonly tags?: Array<{ key: string; value: string }>;
}

const iso = (ms: number | undefined) => (ms === undefined ? '-' : new Date(Number(ms)).toISOString());

async function registryRows(t: ValidationTarget): Promise<string[][]> {
  const auth = basicAuth(t.mlflow.admin.username, t.mlflow.admin.password);
  const res = await call(`${t.mlflow.url}/api/2.0/mlflow/model-versions/search?max_results=200`, {
    authorization: auth,
  });
  if (res.status !== 200) throw new Error(`MLflow model-versions/search answered ${res.status}`);
  const versions = ((res.json?.model_versions as ModelVersion[] | undefined) ?? [])
    .sort((a, b) => Number(b.last_updated_timestamp ?? 0) - Number(a.last_updated_timestamp ?? 0))
    .slice(0, RECENT_LIMIT);
  // A search leaves the aliases out: they are on the registered model (alias -> version).
  const aliases = new Map<string, string[]>();
  for (const name of new Set(versions.map((v) => v.name ?? ''))) {
    const model = await call(
      `${t.mlflow.url}/api/2.0/mlflow/registered-models/get?name=${encodeURIComponent(name)}`,
      { authorization: auth },
    );
    const list = (model.json?.registered_model as { aliases?: Array<{ alias: string; version: string }> })
      ?.aliases;
    for (const a of list ?? []) {
      const key = `${name} v${a.version}`;
      aliases.set(key, [...(aliases.get(key) ?? []), a.alias]);
    }
  }
  return versions.map((v) => [
    iso(v.last_updated_timestamp),
    `${v.name ?? '?'} v${v.version ?? '?'}`,
    v.user_id || '-',
    (aliases.get(`${v.name ?? '?'} v${v.version ?? '?'}`) ?? []).sort().join(', ') || '-',
    (v.tags ?? []).map((x) => `${x.key}=${x.value}`).join(', ') || '-',
    iso(v.creation_timestamp),
  ]);
}

async function secretRows(t: ValidationTarget): Promise<string[][]> {
  const rows: Array<[number, string[]]> = [];
  let NextToken: string | undefined;
  do {
    const page = await t.sm.send(new ListSecretsCommand({ NextToken, MaxResults: 100 }));
    for (const s of (page.SecretList ?? []).filter((x) => x.Name?.startsWith(t.secretPrefix) === true)) {
      const meta = await t.sm.send(new DescribeSecretCommand({ SecretId: s.ARN }));
      const changed = meta.LastChangedDate ?? meta.CreatedDate;
      rows.push([
        changed?.getTime() ?? 0,
        [changed?.toISOString() ?? '-', s.Name ?? '?', meta.LastRotatedDate?.toISOString() ?? 'never'],
      ]);
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return rows
    .sort((a, b) => b[0] - a[0])
    .slice(0, RECENT_LIMIT)
    .map(([, r]) => r);
}

async function stackRows(cfn: CloudFormationClient, cohort: string): Promise<string[][]> {
  const events: StackEvent[] = [];
  const unreadable: string[][] = [];
  for (const part of ['data', 'cluster', 'apps']) {
    const name = stackName(cohort, part);
    try {
      const page = await cfn.send(new DescribeStackEventsCommand({ StackName: name }));
      events.push(...(page.StackEvents ?? []).slice(0, RECENT_LIMIT));
    } catch (err) {
      unreadable.push(['-', name, '-', `not readable: ${(err as Error).name}`, (err as Error).message]);
    }
  }
  const rows = events
    .sort((a, b) => (b.Timestamp?.getTime() ?? 0) - (a.Timestamp?.getTime() ?? 0))
    .slice(0, RECENT_LIMIT)
    .map((e) => [
      e.Timestamp?.toISOString() ?? '-',
      e.StackName ?? '?',
      e.LogicalResourceId ?? '-',
      e.ResourceStatus ?? '-',
      e.ResourceStatusReason ?? '-',
    ]);
  return [...rows, ...unreadable];
}

/** The "Recent changes" section of a running environment, read now. */
export async function recentChangesSection(
  t: ValidationTarget,
  cfn: CloudFormationClient | undefined,
  now: Date,
): Promise<Section> {
  const tables: Section['tables'][number][] = [
    {
      caption:
        "Model registry (newest first): versions, their aliases and tags (MLflow 3.17 records no user for a model version; who promoted it is in the promotion lab's tags)",
      table: {
        columns: ['Last change', 'Model version', 'User', 'Aliases', 'Tags', 'Created'],
        rows: await registryRows(t),
      },
    },
    {
      caption: 'Secrets (newest change first)',
      table: { columns: ['Last changed', 'Secret', 'Last rotated'], rows: await secretRows(t) },
    },
  ];
  if (cfn !== undefined) {
    tables.push({
      caption: 'CloudFormation events of the data, cluster and apps stacks (newest first)',
      table: {
        columns: ['Time', 'Stack', 'Resource', 'Status', 'Reason'],
        rows: await stackRows(cfn, t.cohort),
      },
    });
  }
  return {
    id: 'recent-changes',
    title: 'Recent changes',
    intro: [
      `Read from ${t.description} at ${now.toISOString()}: the latest ${RECENT_LIMIT} entries of each kind (where they live and for how long: the audit trail section).`,
    ],
    tables,
  };
}
