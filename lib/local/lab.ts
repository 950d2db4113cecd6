/**
 * What the local lab's commands share: where a lab lives (its state directory, ports and URLs),
 * the lab's own secrets (the PostgreSQL superuser's password, the OpenID clients' secrets, which
 * stand in for the people's Cognito passwords), every secret value it knows (to keep them out of
 * what it prints), and the recorder that keeps `lab.json` in step with the processes it starts.
 *
 * The commands themselves: lab-start.ts (`up`), lab-stop.ts (`down`), lab-status.ts (`status`),
 * lab-rotate.ts (`rotate`, `token`).
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { CohortConfig } from '../config';
import { secretPrefix } from '../core';
import { awsClients, readSecrets, readSecretsFile, SavedSecret } from './aws-state';
import { REPO_ROOT } from './container';
import { LabUrls } from './people';
import { labPorts, LabService } from './ports';
import { RunningProcess } from './processes';
import { processStartTicks } from './pids';
import { LabState, makeStateDirs, ServiceRecord, StateCorruptError, stateLayout, writeState } from './state';

/** Where a lab lives and how it is reached. */
export interface LabContext {
  readonly stateDir: string;
  readonly layout: ReturnType<typeof stateLayout>;
  readonly basePort: number;
  readonly ports: Record<LabService, number>;
  readonly urls: LabUrls;
}

/** The default state directory of a cohort's lab: `.lab/<cohort>` in the repository. */
export function defaultStateDir(cohort: string): string {
  return join(REPO_ROOT, '.lab', cohort);
}

export function labContext(stateDir: string, basePort: number): LabContext {
  const ports = labPorts(basePort);
  return {
    stateDir,
    layout: stateLayout(stateDir),
    basePort,
    ports,
    urls: {
      mlflow: `http://127.0.0.1:${ports.mlflow}`,
      feast: `http://127.0.0.1:${ports.feast}`,
      issuer: `http://127.0.0.1:${ports.oidc}`,
    },
  };
}

/**
 * Create the state directory's folders. When root runs the lab, PostgreSQL runs as the `postgres`
 * user, which must pass through the state directory to its data: 0711 (enter, not list).
 */
export function prepareStateDir(ctx: LabContext): void {
  makeStateDirs(ctx.stateDir);
  chmodSync(ctx.stateDir, process.getuid?.() === 0 ? 0o711 : 0o700);
}

/** The lab's own secrets (not Secrets Manager's): they live in `private/`, mode 0600. */
export interface PrivateSecrets {
  readonly postgresSuperuser: string | undefined;
  /** Each person's OpenID client secret, by slug. */
  readonly oidcClients: Record<string, string>;
}

export function readPrivate(ctx: LabContext): PrivateSecrets {
  const pg = join(ctx.layout.private, 'postgres-superuser');
  const oidc = join(ctx.layout.private, 'oidc-clients.json');
  let oidcClients: Record<string, string> = {};
  if (existsSync(oidc)) {
    try {
      oidcClients = JSON.parse(readFileSync(oidc, 'utf8')) as Record<string, string>;
    } catch {
      throw new StateCorruptError(ctx.stateDir, 'private/oidc-clients.json is not JSON');
    }
    if (typeof oidcClients !== 'object' || Object.values(oidcClients).some((v) => typeof v !== 'string')) {
      throw new StateCorruptError(ctx.stateDir, 'private/oidc-clients.json is not a map of client secrets');
    }
  }
  return {
    postgresSuperuser: existsSync(pg) ? readFileSync(pg, 'utf8').trim() : undefined,
    oidcClients,
  };
}

export function writePrivate(ctx: LabContext, secrets: PrivateSecrets): void {
  if (secrets.postgresSuperuser !== undefined) {
    writeFileSync(join(ctx.layout.private, 'postgres-superuser'), `${secrets.postgresSuperuser}\n`, {
      mode: 0o600,
    });
  }
  writeFileSync(
    join(ctx.layout.private, 'oidc-clients.json'),
    `${JSON.stringify(secrets.oidcClients, null, 2)}\n`,
    {
      mode: 0o600,
    },
  );
}

/** Every value of `secrets` worth hiding: each whole value and each field but user names. */
export function valuesOf(secrets: readonly SavedSecret[]): string[] {
  const out = new Set<string>();
  for (const s of secrets) {
    for (const text of [s.current, s.previous]) {
      if (text === undefined) continue;
      out.add(text);
      try {
        for (const [k, v] of Object.entries(JSON.parse(text) as Record<string, unknown>)) {
          if (k !== 'username' && typeof v === 'string') out.add(v);
        }
      } catch {
        // not JSON: the whole value is the secret
      }
    }
  }
  return [...out].filter((v) => v.length >= 8);
}

/**
 * Every secret value the lab knows: Secrets Manager's (from moto while it runs, else from the last
 * save) and the lab's own. For redacting what the lab prints.
 */
export async function knownSecretValues(
  ctx: LabContext,
  config: Pick<CohortConfig, 'name'>,
  motoUp: boolean,
): Promise<string[]> {
  let secrets: SavedSecret[] = [];
  if (motoUp) {
    try {
      secrets = await readSecrets(
        awsClients(`http://127.0.0.1:${ctx.ports.moto}`).sm,
        secretPrefix(config.name),
      );
    } catch {
      secrets = [];
    }
  }
  if (secrets.length === 0 && existsSync(ctx.layout.savedSecrets))
    secrets = readSecretsFile(ctx.layout.savedSecrets);
  const own = readPrivate(ctx);
  return [
    ...valuesOf(secrets),
    ...Object.values(own.oidcClients),
    ...(own.postgresSuperuser ? [own.postgresSuperuser] : []),
  ];
}

/** Keeps `lab.json` in step with what the lab starts: written after every change. */
export class Recorder {
  constructor(
    private readonly stateDir: string,
    public state: LabState,
  ) {
    this.write();
  }

  /** Record a started process (its pid and start time, how to stop it, its log). */
  public add(
    name: string,
    proc: RunningProcess,
    details: { port?: number; url?: string; readyMs: number },
  ): void {
    const record: ServiceRecord = {
      name,
      pid: proc.pid,
      startTicks: processStartTicks(proc.pid) ?? 0,
      stop: { signal: proc.stopHow.signal === 'SIGINT' ? 'SIGINT' : 'SIGTERM', group: proc.stopHow.group },
      port: details.port,
      url: details.url,
      log: proc.logFile,
      logFrom: proc.logStart,
      startedAt: new Date().toISOString(),
      readySeconds: Math.round(details.readyMs / 100) / 10,
    };
    this.update({ services: [...this.state.services.filter((s) => s.name !== name), record] });
  }

  /** Record a Job that ran to completion. */
  public jobDone(name: string): void {
    if (!this.state.completedJobs.includes(name)) {
      this.update({ completedJobs: [...this.state.completedJobs, name] });
    }
  }

  public update(change: Partial<LabState>): void {
    this.state = { ...this.state, ...change };
    this.write();
  }

  private write(): void {
    writeState(this.stateDir, this.state);
  }
}
