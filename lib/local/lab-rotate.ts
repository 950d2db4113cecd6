/**
 * What people and instructors do with a running lab besides using it: rotate secrets with the
 * cohort's rotation function (`cohort-lab local rotate`), and get a Feast access token
 * (`cohort-lab local token <slug>`). After a rotation the lab does what ESO does on the cluster:
 * the new value reaches the people's credentials files (their namespace's Secret), and the saved
 * secrets are updated. Services read a rotated service secret (admin, Flask key, Redis) at their
 * next start, where Reloader would restart them on the cluster.
 */
import { join } from 'path';
import { CohortConfig } from '../config';
import { secretNames, secretPrefix, SECRET_KIND_TAG } from '../core';
import { awsClients, readSecrets, SavedSecret, writeSecretsFile } from './aws-state';
import { LabContext, readPrivate } from './lab';
import { fetchToken } from './oidc';
import { credentialsFile, rosterPeople, writeCredentialsFile } from './people';
import { isRunning } from './pids';
import { rotateSecret, RotationResult } from './rotation';
import { LabState, readState } from './state';

/** Which secrets to rotate: one by name (full, or after `cohort-lab/<cohort>/`), one person's, or all. */
export type RotationTarget = { readonly secret: string } | { readonly person: string } | 'all';

/** A rotation that cannot run: the lab is not running, or the target is unknown (bad input). */
export class LabUsageError extends Error {
  constructor(
    message: string,
    /** 2: bad input (an unknown secret or person); 1: the lab is not in a state to do it. */
    public readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

/** The running lab's state, or a {@link LabUsageError} saying it does not run. */
export function runningState(ctx: LabContext, needs: readonly string[]): LabState {
  const state = readState(ctx.stateDir);
  const missing = needs.filter((n) => !state?.services.some((s) => s.name === n && isRunning(s)));
  if (!state || state.status !== 'running' || missing.length > 0) {
    throw new LabUsageError(
      `The local lab in ${ctx.stateDir} is not running${missing.length > 0 && state?.status === 'running' ? ` (${missing.join(', ')} down: see \`cohort-lab local status\`)` : ''}. Start it with: cohort-lab local up`,
      1,
    );
  }
  return state;
}

/** The secrets `target` names, among those the rotation function rotates. */
export function rotationTargets(
  secrets: readonly SavedSecret[],
  config: CohortConfig,
  target: RotationTarget,
): SavedSecret[] {
  const rotated = secrets.filter((s) => s.rotationEnabled && s.tags[SECRET_KIND_TAG] !== undefined);
  if (target === 'all') return rotated;
  if ('person' in target) {
    const person = rosterPeople(config).find((p) => p.slug === target.person);
    if (!person) {
      throw new LabUsageError(
        `No person ${target.person} on the roster of ${config.name} (people: ${rosterPeople(config)
          .map((p) => p.slug)
          .join(', ')})`,
        2,
      );
    }
    return rotated.filter((s) => s.name === person.secretName);
  }
  const full = target.secret.startsWith(secretPrefix(config.name))
    ? target.secret
    : `${secretPrefix(config.name)}${target.secret}`;
  const hit = rotated.filter((s) => s.name === full);
  if (hit.length === 0) {
    const names = secretNames(config.name);
    const hosted = [names.dbMaster, names.dbMlflow].includes(full)
      ? ' (the database users rotate with AWS’s hosted rotation, which does not run locally)'
      : '';
    throw new LabUsageError(
      `No secret ${full} that the rotation function rotates${hosted}. Rotated: ${rotated.map((s) => s.name.slice(secretPrefix(config.name).length)).join(', ')}`,
      2,
    );
  }
  return hit;
}

/** Rotate `target` end to end against moto and the lab's MLflow; then refresh the credentials files. */
export async function rotateInLab(
  ctx: LabContext,
  config: CohortConfig,
  target: RotationTarget,
  progress: (line: string) => void,
): Promise<RotationResult[]> {
  runningState(ctx, ['moto', 'mlflow', 'mlflow-pod']);
  const { sm } = awsClients(`http://127.0.0.1:${ctx.ports.moto}`);
  const prefix = secretPrefix(config.name);
  const targets = rotationTargets(await readSecrets(sm, prefix), config, target);
  const results: RotationResult[] = [];
  try {
    for (const s of targets) {
      const r = await rotateSecret(
        {
          sm,
          mlflowUrl: ctx.urls.mlflow,
          adminSecretId: secretNames(config.name).mlflowAdmin,
          logFile: join(ctx.layout.logs, 'rotation.log'),
        },
        s.name,
      );
      results.push(r);
      progress(
        `  rotated ${s.name}: createSecret, setSecret, testSecret, finishSecret (${(r.ms / 1000).toFixed(1)} s)`,
      );
    }
  } finally {
    const current = await readSecrets(sm, prefix);
    writeSecretsFile(ctx.layout.savedSecrets, current);
    refreshCredentials(ctx, config, current);
  }
  return results;
}

/** Rewrite every person's credentials file from the current secrets (what ESO syncs). */
export function refreshCredentials(
  ctx: LabContext,
  config: CohortConfig,
  current: readonly SavedSecret[],
): void {
  const own = readPrivate(ctx);
  for (const person of rosterPeople(config)) {
    const secret = current.find((s) => s.name === person.secretName);
    const clientSecret = own.oidcClients[person.slug];
    if (!secret || !clientSecret) continue;
    const { password } = JSON.parse(secret.current) as { password: string };
    writeCredentialsFile(
      ctx.layout.people,
      person,
      credentialsFile(person, ctx.urls, { mlflowPassword: password, feastClientSecret: clientSecret }),
    );
  }
}

/** A Feast access token of `slug` from the lab's OpenID provider (what signing in to Cognito gives). */
export async function personToken(ctx: LabContext, config: CohortConfig, slug: string): Promise<string> {
  const person = rosterPeople(config).find((p) => p.slug === slug);
  if (!person) {
    throw new LabUsageError(
      `No person ${slug} on the roster of ${config.name} (people: ${rosterPeople(config)
        .map((p) => p.slug)
        .join(', ')})`,
      2,
    );
  }
  runningState(ctx, ['oidc']);
  const secret = readPrivate(ctx).oidcClients[slug];
  if (!secret)
    throw new LabUsageError(
      `${slug} has no sign-in in this lab yet; restart it: cohort-lab local down, then up`,
      1,
    );
  return fetchToken(ctx.urls.issuer, slug, secret);
}
