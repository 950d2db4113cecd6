import { DatabaseEndpoint } from '../common/values';

/** MLflow's backend store database (experiments, runs, models). */
export const MLFLOW_BACKEND_DATABASE = 'mlflow';
/** MLflow's basic-auth database (users and permissions). */
export const MLFLOW_AUTH_DATABASE = 'mlflow_auth';
/** Every database the bootstrap Job creates for MLflow. */
export const MLFLOW_DATABASES = [MLFLOW_BACKEND_DATABASE, MLFLOW_AUTH_DATABASE] as const;

/**
 * SQLAlchemy URI of `database` on the endpoint, without user or password: libpq takes those from
 * PGUSER/PGPASSWORD, so no credential is ever in a URI, an argument or a file.
 */
export function databaseUri(endpoint: DatabaseEndpoint, database: string): string {
  return `postgresql+psycopg2://${endpoint.host}:${endpoint.port}/${database}?sslmode=${endpoint.sslMode}&connect_timeout=10`;
}
