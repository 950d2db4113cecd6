/**
 * Test helper: what the cohort's rotation function will do for a learner with a GitHub repository
 * once the `mlflow-ci` secret kind is merged (its setSecret step, as admin, idempotent): the
 * registered model `promotion.<slug>`, MANAGE on it for the learner, the CI user `ci.<slug>` with
 * EDIT on the model and on the experiment `learners/<slug>`, nothing more, and the secret
 * `cohort-lab/<cohort>/learners/<slug>/mlflow-ci` holding its login. Here it is done through
 * MLflow's admin REST API directly, so the pipeline can be tested before that merge.
 */
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { personalExperimentName, secretPrefix } from '../../../lib/core';

export interface Login {
  readonly username: string;
  readonly password: string;
}

export function basicAuth(login: Login): string {
  return `Basic ${Buffer.from(`${login.username}:${login.password}`).toString('base64')}`;
}

export async function mlflowApi(
  url: string,
  login: Login,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: basicAuth(login),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { text };
  }
  return { status: res.status, json };
}

/** The name of a learner's CI secret (the contract's; lib/core gains it with the mlflow-ci kind). */
export function ciSecretName(cohort: string, slug: string): string {
  return `${secretPrefix(cohort)}learners/${slug}/mlflow-ci`;
}

async function ok(
  what: string,
  call: Promise<{ status: number; json: Record<string, unknown> }>,
  also: number[] = [],
): Promise<Record<string, unknown>> {
  const { status, json } = await call;
  if (status !== 200 && !also.includes(status))
    throw new Error(`${what}: HTTP ${status} ${JSON.stringify(json)}`);
  return json;
}

/** MLflow 3.17's per-user grants (its experiments and models have no permissions/create routes). */
const PERMISSIONS_API = '/api/3.0/mlflow/users/permissions';

/** Grant `permission` to `username` on a registered model or an experiment, replacing a grant there. */
export async function grant(
  url: string,
  admin: Login,
  resourceType: 'registered_model' | 'experiment',
  resourceId: string,
  username: string,
  permission: string,
): Promise<void> {
  const key = { username, resource_type: resourceType, resource_id: resourceId };
  await ok(
    `revoke ${username}'s grant`,
    mlflowApi(url, admin, 'POST', `${PERMISSIONS_API}/revoke`, key),
    [404],
  );
  await ok(
    `grant ${username} ${permission}`,
    mlflowApi(url, admin, 'POST', `${PERMISSIONS_API}/grant`, { ...key, permission }),
  );
}

export interface CiSetup {
  readonly model: string;
  readonly experimentId: string;
  readonly ci: Login;
  readonly secretName: string;
}

/** Everything the CI user of `slug` needs, as admin; idempotent. */
export async function setUpCiUser(opts: {
  readonly mlflowUrl: string;
  readonly admin: Login;
  readonly cohort: string;
  readonly slug: string;
  readonly password: string;
  readonly sm: SecretsManagerClient;
  readonly ciPermission?: 'EDIT' | 'READ';
}): Promise<CiSetup> {
  const { mlflowUrl: url, admin, slug } = opts;
  const model = `promotion.${slug}`;
  const ci = { username: `ci.${slug}`, password: opts.password };
  await ok(
    'create the registered model',
    mlflowApi(url, admin, 'POST', '/api/2.0/mlflow/registered-models/create', { name: model }),
    [400],
  );
  await grant(url, admin, 'registered_model', model, slug, 'MANAGE');
  await ok('create the CI user', mlflowApi(url, admin, 'POST', '/api/2.0/mlflow/users/create', ci), [400]);
  await ok(
    'set the CI password',
    mlflowApi(url, admin, 'PATCH', '/api/2.0/mlflow/users/update-password', ci),
  );
  await grant(url, admin, 'registered_model', model, ci.username, opts.ciPermission ?? 'EDIT');
  const experiment = personalExperimentName(slug);
  const found = await mlflowApi(
    url,
    admin,
    'GET',
    `/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(experiment)}`,
  );
  const experimentId =
    found.status === 200
      ? String((found.json.experiment as { experiment_id: string }).experiment_id)
      : String(
          (
            await ok(
              'create the experiment',
              mlflowApi(url, admin, 'POST', '/api/2.0/mlflow/experiments/create', { name: experiment }),
            )
          ).experiment_id,
        );
  await grant(url, admin, 'experiment', experimentId, ci.username, 'EDIT');
  const secretName = ciSecretName(opts.cohort, slug);
  const value = JSON.stringify(ci);
  try {
    await opts.sm.send(new CreateSecretCommand({ Name: secretName, SecretString: value }));
  } catch {
    await opts.sm.send(new PutSecretValueCommand({ SecretId: secretName, SecretString: value }));
  }
  return { model, experimentId, ci, secretName };
}
