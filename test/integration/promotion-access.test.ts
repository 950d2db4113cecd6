/**
 * Lab 2's MLflow side on a real MLflow server (the demo cohort's manifest, `default_permission =
 * NO_PERMISSIONS`) with moto's Secrets Manager, provisioned the way the local lab provisions it
 * (lib/local: the cohort's secrets as the stacks create them, each rotated once by the real
 * rotation function): the learners' users first, then the CI user of the learner with a
 * repository. Then, acting through MLflow's REST API as each user:
 *
 * - `ci.<slug>` holds EDIT on `promotion.<slug>` and on `learners/<slug>`, nothing more, and is no
 *   admin: it logs a run, registers a version, tags it, moves `@champion` (all EDIT), and is
 *   refused deleting an alias (MANAGE);
 * - the learner holds MANAGE on `promotion.<slug>`; another learner gets 403 on it;
 * - the compliance report's promotion history reads the `lab.event.*` tags back, in order.
 *
 * Uses the shared PostgreSQL (MlflowDeployment.create): run it under the integration lock.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CohortConfig } from '../../lib/config';
import {
  ciUsername,
  MLFLOW_ADMIN_USERNAME,
  personalExperimentName,
  promotionModelName,
  secretNames,
} from '../../lib/core';
import { cohortSecretSpecs, createCohortSecret, generatedValue } from '../../lib/local/cohort-secrets';
import { MlflowDeployment } from '../../lib/local/mlflow';
import { rotateSecret, RotationContext } from '../../lib/local/rotation';
import { Moto, randomPassword, startMoto } from '../../lib/local/services';
import { promotionEvents, promotionHistorySection } from '../../lib/ops/report/promotions';
import { renderMarkdown } from '../../lib/ops/report/render-markdown';
import { ValidationTarget } from '../../lib/ops/validate/types';
import { configFrom } from '../support/cohort';
import { mkdtempSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

jest.setTimeout(180_000);

type User = { username: string; password: string };

let moto: Moto;
let sm: SecretsManagerClient;
let mlflow: MlflowDeployment | undefined;
let config: CohortConfig;
let admin: User;
const users = new Map<string, User>();
const logFile = join(mkdtempSync(join(tmpdir(), 'cohortlab-promotion-it-')), 'rotation.log');

const GRACE = 'grace-hopper';
const ALAN = 'alan-turing';
const MODEL = promotionModelName(GRACE);
const CI = ciUsername(GRACE);

async function secret(name: string): Promise<User> {
  // (AWSCURRENT named: moto answers a bare GetSecretValue with the first version, not the rotated one)
  const { SecretString } = await sm.send(
    new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSCURRENT' }),
  );
  return JSON.parse(SecretString!) as User;
}

/** One MLflow REST call as `user`: the status and the JSON body (401 and 403 are plain text). */
async function api(
  user: User,
  method: string,
  path: string,
  body?: Record<string, unknown>,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${mlflow!.url}${path}`, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  try {
    return { status: res.status, json: JSON.parse(text) as Record<string, unknown> };
  } catch {
    return { status: res.status, json: {} };
  }
}

const permission = async (username: string, type: string, id: string) =>
  (
    await api(
      admin,
      'GET',
      `/api/3.0/mlflow/users/permissions/get?${new URLSearchParams({ username, resource_type: type, resource_id: id }).toString()}`,
    )
  ).json.permission;

beforeAll(async () => {
  // GIVEN a cohort of two learners, Grace with a GitHub repository
  config = configFrom((doc) => {
    doc.cohort = `it-promo-${randomPassword(4)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, 'x')}`;
    doc.github = { oidcProvider: 'create' };
    doc.learners = [
      {
        id: 'grace.hopper',
        email: 'grace@example.edu',
        displayName: 'Grace Hopper',
        github: { repository: 'grace-hopper/promotion' },
      },
      { id: 'alan_turing', email: 'alan@example.edu', displayName: 'Alan Turing' },
    ];
  });
  moto = await startMoto();
  sm = new SecretsManagerClient({
    endpoint: moto.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const names = secretNames(config.name);
  const adminPassword = randomPassword();
  // ... every secret of its stacks, as the local lab creates them (the admin's with the server's password)
  for (const spec of cohortSecretSpecs(config)) {
    const value =
      spec.name === names.mlflowAdmin
        ? { username: MLFLOW_ADMIN_USERNAME, password: adminPassword }
        : await generatedValue(sm, spec);
    await createCohortSecret(sm, spec, value);
  }
  mlflow = await MlflowDeployment.create({
    moto,
    bucket: 'cohortlab-it-promotion',
    adminPassword,
    rolePrefix: 'promo_it',
    defaultPermission: 'NO_PERMISSIONS',
  });
  admin = { username: MLFLOW_ADMIN_USERNAME, password: adminPassword };
  // WHEN the rotation function rotates the learners' secrets, then the CI user's, as `local up` does
  const rotation: RotationContext = { sm, mlflowUrl: mlflow.url, adminSecretId: names.mlflowAdmin, logFile };
  for (const name of [names.learnerMlflow(GRACE), names.learnerMlflow(ALAN), names.learnerMlflowCi(GRACE)]) {
    await rotateSecret(rotation, name);
  }
  users.set(GRACE, await secret(names.learnerMlflow(GRACE)));
  users.set(ALAN, await secret(names.learnerMlflow(ALAN)));
  users.set(CI, await secret(names.learnerMlflowCi(GRACE)));
}, 180_000);

afterAll(async () => {
  await mlflow?.close();
  await moto?.process.stop();
}, 60_000);

describe("a learner's CI user on the real MLflow server", () => {
  test('only Grace, the learner with a repository, has a CI secret; it holds ci.grace-hopper', () => {
    const specs = cohortSecretSpecs(config).filter((s) => s.kind === 'mlflow-ci');
    expect(specs.map((s) => s.name)).toEqual([secretNames(config.name).learnerMlflowCi(GRACE)]);
    expect(users.get(CI)!.username).toBe('ci.grace-hopper');
  });

  test('the CI user holds EDIT on promotion.grace-hopper and on learners/grace-hopper, and nothing more', async () => {
    // THEN its grants, as the admin lists them
    const list = await api(admin, 'GET', `/api/3.0/mlflow/users/permissions/list?username=${CI}`);
    expect(list.status).toBe(200);
    const experiment = await api(
      admin,
      'GET',
      `/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(personalExperimentName(GRACE))}`,
    );
    const experimentId = (experiment.json.experiment as { experiment_id: string }).experiment_id;
    const grants = (
      list.json.permissions as Array<{ resource_type: string; resource_pattern: string; permission: string }>
    )
      .map((g) => `${g.resource_type} ${g.resource_pattern} ${g.permission}`)
      .sort();
    expect(list.json.is_admin).toBe(false);
    expect(grants).toEqual([`experiment ${experimentId} EDIT`, `registered_model ${MODEL} EDIT`].sort());
    expect(await permission(CI, 'registered_model', MODEL)).toBe('EDIT');
    expect(await permission(CI, 'experiment', experimentId)).toBe('EDIT');
  });

  test('the learner holds MANAGE on promotion.grace-hopper; the other learner holds nothing', async () => {
    expect(await permission(GRACE, 'registered_model', MODEL)).toBe('MANAGE');
    expect(await permission(ALAN, 'registered_model', MODEL)).toBe('NO_PERMISSIONS');
  });

  test('as itself, the CI user logs a run, registers a version, tags it and moves @champion; deleting an alias is refused', async () => {
    const ci = users.get(CI)!;
    const experiment = await api(
      ci,
      'GET',
      `/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(personalExperimentName(GRACE))}`,
    );
    expect(experiment.status).toBe(200);
    const experimentId = (experiment.json.experiment as { experiment_id: string }).experiment_id;
    const run = await api(ci, 'POST', '/api/2.0/mlflow/runs/create', { experiment_id: experimentId });
    expect(run.status).toBe(200);
    const runId = (run.json.run as { info: { run_id: string } }).info.run_id;
    const created = await api(ci, 'POST', '/api/2.0/mlflow/model-versions/create', {
      name: MODEL,
      source: `runs:/${runId}/model`,
      run_id: runId,
    });
    expect(created.status).toBe(200);
    const version = (created.json.model_version as { version: string }).version;
    const event = {
      action: 'promote',
      alias: 'champion',
      version,
      from_version: null,
      who: 'grace-hopper',
      when: '2027-02-01T10:00:00Z',
      approval: 'https://github.com/grace-hopper/promotion/actions/runs/1',
      environment: 'production',
      git_sha: 'a'.repeat(40),
      metrics: { accuracy: 0.91 },
    };
    const tag = await api(ci, 'POST', '/api/2.0/mlflow/model-versions/set-tag', {
      name: MODEL,
      version,
      key: 'lab.event.001',
      value: JSON.stringify(event),
    });
    expect(tag.status).toBe(200);
    const alias = await api(ci, 'POST', '/api/2.0/mlflow/registered-models/alias', {
      name: MODEL,
      alias: 'champion',
      version,
    });
    expect(alias.status).toBe(200);
    const remove = await api(ci, 'DELETE', '/api/2.0/mlflow/registered-models/alias', {
      name: MODEL,
      alias: 'champion',
    });
    expect(remove.status).toBe(403);
  });

  test("another learner's credentials cannot read Grace's model or move its aliases (403)", async () => {
    const alan = users.get(ALAN)!;
    expect((await api(alan, 'GET', `/api/2.0/mlflow/registered-models/get?name=${MODEL}`)).status).toBe(403);
    const moved = await api(alan, 'POST', '/api/2.0/mlflow/registered-models/alias', {
      name: MODEL,
      alias: 'champion',
      version: '1',
    });
    expect(moved.status).toBe(403);
    // ... while Grace, with MANAGE, may even delete an alias
    const grace = users.get(GRACE)!;
    expect(
      (
        await api(grace, 'POST', '/api/2.0/mlflow/registered-models/alias', {
          name: MODEL,
          alias: 'scratch',
          version: '1',
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await api(grace, 'DELETE', '/api/2.0/mlflow/registered-models/alias', {
          name: MODEL,
          alias: 'scratch',
        })
      ).status,
    ).toBe(200);
  });

  test("the compliance report's promotion history reads the lab.event tags back through the REST API", async () => {
    // GIVEN a rollback event written by the CI user on the same version, later than the promotion
    const ci = users.get(CI)!;
    await api(ci, 'POST', '/api/2.0/mlflow/model-versions/set-tag', {
      name: MODEL,
      version: '1',
      key: 'lab.event.002',
      value: JSON.stringify({
        action: 'rollback',
        alias: 'champion',
        version: '1',
        from_version: '2',
        who: 'octocat',
        when: '2027-02-02T09:30:00Z',
        approval: null,
        environment: 'production',
        git_sha: 'b'.repeat(40),
        metrics: { accuracy: 0.91 },
      }),
    });
    const target = {
      description: 'the test MLflow server',
      mlflow: { url: mlflow!.url, admin },
    } as unknown as ValidationTarget;
    // WHEN the section is read
    const section = await promotionHistorySection(target, config);
    // THEN both events, oldest first, with who, approval and sha; Alan (no repository) is not listed
    const rows = section.tables[0].table.rows;
    expect(rows.map((r) => [r[0], r[1], r[2], r[3], r[4], r[6], r[7]])).toEqual([
      [
        GRACE,
        '2027-02-01T10:00:00Z',
        'promote',
        `${MODEL} v1`,
        '-',
        'grace-hopper',
        'https://github.com/grace-hopper/promotion/actions/runs/1',
      ],
      [GRACE, '2027-02-02T09:30:00Z', 'rollback', `${MODEL} v1`, 'v2', 'octocat', '-'],
    ]);
    expect(renderMarkdown({ title: 't', summary: [], sections: [section] })).toContain(
      '## Promotion history',
    );
    expect(promotionEvents([])).toEqual([]);
  });

  test('the rotation log holds no secret value', () => {
    const log = readFileSync(logFile, 'utf8');
    for (const u of [admin, ...users.values()]) expect(log).not.toContain(u.password);
  });
});
