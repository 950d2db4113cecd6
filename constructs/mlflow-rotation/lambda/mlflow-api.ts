/** The three MLflow auth calls rotation needs, over plain fetch with a timeout. */
import { RotationError } from './errors';
import { RotationDeps, UserSecret } from './types';

export class MlflowApi {
  constructor(private readonly deps: RotationDeps) {}

  public async canLogIn(username: string, password: string): Promise<boolean> {
    const res = await this.call('GET', `/api/2.0/mlflow/users/get?username=${encodeURIComponent(username)}`, {
      username,
      password,
    });
    if (res === 200) return true;
    if (res === 401 || res === 403) return false;
    throw new RotationError(`MLflow answered ${res} to a login check`);
  }

  public async setPassword(admin: UserSecret, username: string, password: string): Promise<number> {
    const status = await this.call('PATCH', '/api/2.0/mlflow/users/update-password', admin, {
      username,
      password,
    });
    if (status !== 200 && status !== 404) {
      throw new RotationError(`MLflow answered ${status} to users/update-password`);
    }
    return status;
  }

  public async createUser(admin: UserSecret, username: string, password: string): Promise<void> {
    const status = await this.call('POST', '/api/2.0/mlflow/users/create', admin, { username, password });
    if (status !== 200) throw new RotationError(`MLflow answered ${status} to users/create`);
  }

  public async changeOwnPassword(user: UserSecret, password: string): Promise<void> {
    const status = await this.call('PATCH', '/api/2.0/mlflow/users/update-password', user, {
      username: user.username,
      password,
      current_password: user.password,
    });
    if (status !== 200) throw new RotationError(`MLflow answered ${status} to users/update-password`);
  }

  private async call(
    method: string,
    path: string,
    auth: { username: string; password: string },
    body?: Record<string, string>,
  ): Promise<number> {
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
    await res.arrayBuffer();
    return res.status;
  }
}
