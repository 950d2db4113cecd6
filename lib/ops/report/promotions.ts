/**
 * The promotion lab's audit (Lab 2), when the report is given a running environment: for each
 * learner whose cohort-file entry names a repository, every promotion and rollback of their model
 * `promotion.<slug>`, read from MLflow's REST API as the admin. Each event is a model-version tag
 * `lab.event.<NNN>` whose value is compact JSON (`action`, `alias`, `version`, `from_version`,
 * `who`, `when`, `approval`, `environment`, `git_sha`, `metrics`), written on the version that
 * became champion; the history is every such tag of the model's versions, sorted by `when`.
 */
import { CohortConfig } from '../../config';
import { promotionModelName } from '../../core';
import { basicAuth, call } from '../validate/http';
import { ValidationTarget } from '../validate/types';
import { Section } from './model';

/** The tag keys of promotion events: `lab.event.001`, `lab.event.002`, ... */
export const EVENT_TAG_PATTERN = /^lab\.event\.\d{3,}$/;

/** One promotion or rollback as the report lists it. */
export interface PromotionEvent {
  readonly model: string;
  /** The version the tag is on (the one that became champion). */
  readonly taggedVersion: string;
  readonly tag: string;
  readonly action: string;
  readonly alias: string;
  readonly version: string;
  readonly fromVersion: string;
  readonly who: string;
  readonly when: string;
  readonly approval: string;
  readonly environment: string;
  readonly gitSha: string;
  readonly metrics: string;
}

/** A model version as MLflow's REST API returns it (the fields read here). */
export interface RestModelVersion {
  readonly name?: string;
  readonly version?: string;
  readonly tags?: ReadonlyArray<{ readonly key: string; readonly value: string }>;
}

const text = (v: unknown): string => (v === undefined || v === null || v === '' ? '-' : String(v));

/**
 * Every `lab.event.*` tag of `versions`, sorted by `when` (then by tag). A tag whose value is not
 * a JSON object is listed as such, not dropped: an audit shows what is there. Pure.
 */
export function promotionEvents(versions: readonly RestModelVersion[]): PromotionEvent[] {
  const events: PromotionEvent[] = [];
  for (const v of versions) {
    for (const { key, value } of v.tags ?? []) {
      if (!EVENT_TAG_PATTERN.test(key)) continue;
      let e: Record<string, unknown> | undefined;
      try {
        const parsed = JSON.parse(value) as unknown;
        e =
          typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
            ? (parsed as Record<string, unknown>)
            : undefined;
      } catch {
        e = undefined;
      }
      const base = { model: text(v.name), taggedVersion: text(v.version), tag: key };
      if (e === undefined) {
        events.push({
          ...base,
          action: 'UNREADABLE (not a JSON object)',
          alias: '-',
          version: '-',
          fromVersion: '-',
          who: '-',
          when: '-',
          approval: '-',
          environment: '-',
          gitSha: '-',
          metrics: value.slice(0, 80),
        });
        continue;
      }
      events.push({
        ...base,
        action: text(e.action),
        alias: text(e.alias),
        version: text(e.version),
        fromVersion: text(e.from_version),
        who: text(e.who),
        when: text(e.when),
        approval: text(e.approval),
        environment: text(e.environment),
        gitSha: text(e.git_sha),
        metrics: e.metrics === undefined || e.metrics === null ? '-' : JSON.stringify(e.metrics),
      });
    }
  }
  return events.sort((a, b) => a.when.localeCompare(b.when) || a.tag.localeCompare(b.tag));
}

/** Every version of `model` with its tags, as the admin; undefined when the model does not exist. */
async function modelVersions(t: ValidationTarget, model: string): Promise<RestModelVersion[] | undefined> {
  const auth = basicAuth(t.mlflow.admin.username, t.mlflow.admin.password);
  const versions: RestModelVersion[] = [];
  let pageToken: string | undefined;
  do {
    const query = new URLSearchParams({ filter: `name='${model.replace(/'/g, "\\'")}'`, max_results: '200' });
    if (pageToken !== undefined) query.set('page_token', pageToken);
    const res = await call(`${t.mlflow.url}/api/2.0/mlflow/model-versions/search?${query.toString()}`, {
      authorization: auth,
    });
    if (res.status !== 200)
      throw new Error(`MLflow model-versions/search answered ${res.status} for ${model}`);
    versions.push(...((res.json?.model_versions as RestModelVersion[] | undefined) ?? []));
    pageToken = (res.json?.next_page_token as string | undefined) || undefined;
  } while (pageToken !== undefined);
  if (versions.length > 0) return versions;
  const got = await call(
    `${t.mlflow.url}/api/2.0/mlflow/registered-models/get?name=${encodeURIComponent(model)}`,
    {
      authorization: auth,
    },
  );
  if (got.status === 404) return undefined;
  if (got.status !== 200) throw new Error(`MLflow registered-models/get answered ${got.status} for ${model}`);
  return [];
}

/** The "Promotion history" section of a running environment, read now. */
export async function promotionHistorySection(t: ValidationTarget, config: CohortConfig): Promise<Section> {
  const rows: string[][] = [];
  const learners = config.learners.filter((l) => l.github !== undefined);
  const missing: string[] = [];
  for (const learner of learners) {
    const model = promotionModelName(learner.slug);
    const versions = await modelVersions(t, model);
    if (versions === undefined) {
      missing.push(model);
      continue;
    }
    for (const e of promotionEvents(versions)) {
      rows.push([
        learner.slug,
        e.when,
        e.action,
        `${e.model} v${e.version}`,
        e.fromVersion === '-' ? '-' : `v${e.fromVersion}`,
        e.alias,
        e.who,
        e.approval,
        e.environment,
        e.gitSha,
        e.metrics,
        `${e.tag} on v${e.taggedVersion}`,
      ]);
    }
  }
  return {
    id: 'promotion-history',
    title: 'Promotion history',
    intro: [
      `Read from ${t.description}: every promotion and rollback of the learners' models (\`promotion.<slug>\`, ${learners.length} learner(s) with a repository), from the \`lab.event.*\` tags the pipeline writes on the version that became champion, oldest first.`,
      ...(missing.length > 0
        ? [`No registered model yet (its CI user's first rotation creates it): ${missing.join(', ')}.`]
        : []),
    ],
    tables: [
      {
        table: {
          columns: [
            'Learner',
            'When',
            'Action',
            'Champion',
            'From',
            'Alias',
            'Who',
            'Approval',
            'Environment',
            'Git sha',
            'Metrics',
            'Tag',
          ],
          rows,
        },
      },
    ],
  };
}
