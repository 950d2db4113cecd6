/**
 * The MLflow calls the function needs, over plain fetch with a timeout: users (log in, password,
 * create, admin flag, delete), experiments by name, and a user's permission on an experiment.
 * Error messages name the call and MLflow's status or error code, never a credential.
 */
import { RotationError } from './errors';
import { RotationDeps, UserSecret } from './types';

/** Credentials of a request (basic auth). */
type Auth = { readonly username: string; readonly password: string };

/** An MLflow answer: the status and, when it is JSON, the body. */
interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** An experiment as the function needs it. */
export interface Experiment {
  readonly id: string;
  /** `active` or `deleted`. */
  readonly lifecycleStage: string;
}

/**
 * MLflow 3.17's per-user grant API (`/api/3.0/mlflow/users/permissions/...`). MLflow 3.17 has no
 * `experiments/permissions/create|update` routes any more: grants live on a per-user role, and
 * `grant` refuses a second grant on the same resource (RESOURCE_ALREADY_EXISTS).
 */
const PERMISSIONS_API = '/api/3.0/mlflow/users/permissions';

/** The kinds of resource a grant is on (MLflow's `resource_type`). */
export type ResourceType = 'experiment' | 'registered_model';

export class MlflowApi {
  constructor(private readonly deps: RotationDeps) {}

  public async canLogIn(username: string, password: string): Promise<boolean> {
    return (await this.getUser({ username, password }, username, 'a login check')) !== undefined;
  }

  /** `username` as `auth` sees it (whether it is an admin), or undefined when `auth` does not log in. */
  public async user(auth: Auth, username: string): Promise<{ isAdmin: boolean } | undefined> {
    return this.getUser(auth, username, 'users/get');
  }

  private async getUser(
    auth: Auth,
    username: string,
    what: string,
  ): Promise<{ isAdmin: boolean } | undefined> {
    const res = await this.call(
      'GET',
      `/api/2.0/mlflow/users/get?username=${encodeURIComponent(username)}`,
      auth,
    );
    if (res.status === 401 || res.status === 403) return undefined;
    if (res.status !== 200) throw new RotationError(`MLflow answered ${res.status} to ${what}`);
    const user = res.body.user as { is_admin?: unknown } | undefined;
    return { isAdmin: user?.is_admin === true };
  }

  public async setPassword(admin: UserSecret, username: string, password: string): Promise<number> {
    const { status } = await this.call('PATCH', '/api/2.0/mlflow/users/update-password', admin, {
      username,
      password,
    });
    if (status !== 200 && status !== 404) {
      throw new RotationError(`MLflow answered ${status} to users/update-password`);
    }
    return status;
  }

  public async createUser(admin: UserSecret, username: string, password: string): Promise<void> {
    const { status } = await this.call('POST', '/api/2.0/mlflow/users/create', admin, { username, password });
    if (status !== 200) throw new RotationError(`MLflow answered ${status} to users/create`);
  }

  public async changeOwnPassword(user: UserSecret, password: string): Promise<void> {
    const { status } = await this.call('PATCH', '/api/2.0/mlflow/users/update-password', user, {
      username: user.username,
      password,
      current_password: user.password,
    });
    if (status !== 200) throw new RotationError(`MLflow answered ${status} to users/update-password`);
  }

  /** Make `username` an MLflow admin, or not. */
  public async setAdmin(admin: UserSecret, username: string, isAdmin: boolean): Promise<void> {
    const res = await this.call('PATCH', '/api/2.0/mlflow/users/update-admin', admin, {
      username,
      is_admin: isAdmin,
    });
    if (res.status !== 200) throw this.error(res, 'users/update-admin');
  }

  /** Delete `username`; false when there was no such user. Experiments and runs stay. */
  public async deleteUser(admin: UserSecret, username: string): Promise<boolean> {
    const res = await this.call('DELETE', '/api/2.0/mlflow/users/delete', admin, { username });
    if (res.status === 404) return false;
    if (res.status !== 200) throw this.error(res, 'users/delete');
    return true;
  }

  /** The experiment called `name` (active or deleted), or undefined when there is none. */
  public async experimentByName(auth: Auth, name: string): Promise<Experiment | undefined> {
    const res = await this.call(
      'GET',
      `/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`,
      auth,
    );
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw this.error(res, 'experiments/get-by-name');
    const e = res.body.experiment as { experiment_id?: unknown; lifecycle_stage?: unknown } | undefined;
    if (typeof e?.experiment_id !== 'string') {
      throw new RotationError('MLflow answered experiments/get-by-name without an experiment_id');
    }
    return { id: e.experiment_id, lifecycleStage: String(e.lifecycle_stage) };
  }

  /** Create the experiment `name`; undefined when it exists already. */
  public async createExperiment(admin: UserSecret, name: string): Promise<string | undefined> {
    const res = await this.call('POST', '/api/2.0/mlflow/experiments/create', admin, { name });
    if (res.status === 400 && res.body.error_code === 'RESOURCE_ALREADY_EXISTS') return undefined;
    if (res.status !== 200 || typeof res.body.experiment_id !== 'string') {
      throw this.error(res, 'experiments/create');
    }
    return res.body.experiment_id;
  }

  public async restoreExperiment(admin: UserSecret, id: string): Promise<void> {
    const res = await this.call('POST', '/api/2.0/mlflow/experiments/restore', admin, { experiment_id: id });
    if (res.status !== 200) throw this.error(res, 'experiments/restore');
  }

  /** `username`'s effective permission on experiment `id` (a grant, else the default permission). */
  public async experimentPermission(auth: Auth, username: string, id: string): Promise<string> {
    return this.permission(auth, username, 'experiment', id);
  }

  /** Grant `permission` on experiment `id`; false when `username` already has a grant there. */
  public async grantExperiment(
    auth: Auth,
    username: string,
    id: string,
    permission: string,
  ): Promise<boolean> {
    return this.grant(auth, username, 'experiment', id, permission);
  }

  /** Take `username`'s grant on experiment `id` away (none there is fine). */
  public async revokeExperiment(auth: Auth, username: string, id: string): Promise<void> {
    return this.revoke(auth, username, 'experiment', id);
  }

  /** `username`'s effective permission on a resource (a grant, else the default permission). */
  public async permission(
    auth: Auth,
    username: string,
    resourceType: ResourceType,
    id: string,
  ): Promise<string> {
    const query = new URLSearchParams({ username, resource_type: resourceType, resource_id: id });
    const res = await this.call('GET', `${PERMISSIONS_API}/get?${query.toString()}`, auth);
    if (res.status !== 200 || typeof res.body.permission !== 'string') {
      throw this.error(res, 'users/permissions/get');
    }
    return res.body.permission;
  }

  /** Grant `permission` on a resource; false when `username` already has a grant there. */
  public async grant(
    auth: Auth,
    username: string,
    resourceType: ResourceType,
    id: string,
    permission: string,
  ): Promise<boolean> {
    const res = await this.call('POST', `${PERMISSIONS_API}/grant`, auth, {
      username,
      resource_type: resourceType,
      resource_id: id,
      permission,
    });
    if (res.status === 400 && res.body.error_code === 'RESOURCE_ALREADY_EXISTS') return false;
    if (res.status !== 200) throw this.error(res, 'users/permissions/grant');
    return true;
  }

  /** Take `username`'s grant on a resource away (none there is fine). */
  public async revoke(auth: Auth, username: string, resourceType: ResourceType, id: string): Promise<void> {
    const res = await this.call('POST', `${PERMISSIONS_API}/revoke`, auth, {
      username,
      resource_type: resourceType,
      resource_id: id,
    });
    if (res.status !== 200 && res.status !== 404) throw this.error(res, 'users/permissions/revoke');
  }

  /** Whether the registered model `name` exists (as `auth` may see it). */
  public async registeredModelExists(auth: Auth, name: string): Promise<boolean> {
    const query = new URLSearchParams({ name });
    const res = await this.call('GET', `/api/2.0/mlflow/registered-models/get?${query.toString()}`, auth);
    if (res.status === 404) return false;
    if (res.status !== 200) throw this.error(res, 'registered-models/get');
    return true;
  }

  /** Create the registered model `name`; false when it exists already. */
  public async createRegisteredModel(auth: Auth, name: string): Promise<boolean> {
    const res = await this.call('POST', '/api/2.0/mlflow/registered-models/create', auth, { name });
    if (res.status === 400 && res.body.error_code === 'RESOURCE_ALREADY_EXISTS') return false;
    if (res.status !== 200) throw this.error(res, 'registered-models/create');
    return true;
  }

  /** `MLflow answered <status> (<error_code>) to <what>`: MLflow's error code, never its message. */
  private error(res: Answer, what: string): RotationError {
    const code = typeof res.body.error_code === 'string' ? ` (${res.body.error_code})` : '';
    return new RotationError(`MLflow answered ${res.status}${code} to ${what}`);
  }

  private async call(
    method: string,
    path: string,
    auth: Auth,
    body?: Record<string, string | boolean>,
  ): Promise<Answer> {
    let res: Response;
    try {
      res = await fetch(`${this.deps.mlflowUrl}${path}`, {
        method,
        headers: {
          authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.deps.httpTimeoutMs ?? 10_000),
      });
    } catch (err) {
      // Network errors carry the URL, never credentials.
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new RotationError(
        `MLflow is not reachable at ${this.deps.mlflowUrl}: ${(err as Error).name}${cause ? ` (${cause})` : ''}`,
      );
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined; // MLflow answers 401 and 403 in plain text
    }
    const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
    return { status: res.status, body: isObject ? (parsed as Record<string, unknown>) : {} };
  }
}
