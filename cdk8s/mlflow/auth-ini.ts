import { MLFLOW_ADMIN_USERNAME, MlflowPermission } from '../../lib/core';
import { DatabaseEndpoint } from '../common/values';
import { databaseUri, MLFLOW_AUTH_DATABASE } from './database';

/** In-pod path of the basic-auth ini (a ConfigMap: it carries no secret). */
export const MLFLOW_AUTH_CONFIG_PATH = '/etc/mlflow/basic_auth.ini';
/**
 * Seconds a verified password stays in MLflow's per-worker credential cache (MLflow >= 3.17).
 * Without it every request pays a ~120 ms scrypt check (mlflow#9684). It is also how long an
 * old password can keep working on another replica after a rotation.
 */
export const MLFLOW_AUTH_CACHE_TTL_SECONDS = 60;
/**
 * Seconds the image's authorization caches keep a user (id, admin flag) and their grants
 * (images/mlflow/cohort_lab_authz.py). The replica that handles a change applies it at once; on
 * another replica a revoked grant, a removed admin flag or a deleted user works for up to this long.
 */
export const MLFLOW_AUTHZ_CACHE_TTL_SECONDS = 10;

/** What {@link basicAuthIni} builds the file from. */
export interface BasicAuthIniProps {
  /** MLflow's permission where none was granted (the cohort file's `mlflow.defaultPermission`). */
  readonly defaultPermission: MlflowPermission;
  /** PostgreSQL endpoint of the auth database. */
  readonly database: DatabaseEndpoint;
}

/**
 * MLflow's `basic_auth.ini`: the default permission, the auth database (no credential in its URI),
 * the admin's user name (its password comes from Secrets Manager through the `sync-admin` init
 * container), the image's authorization function with its caches, and MLflow's credential cache.
 */
export function basicAuthIni(props: BasicAuthIniProps): string {
  return [
    '[mlflow]',
    `default_permission = ${props.defaultPermission}`,
    `database_uri = ${databaseUri(props.database, MLFLOW_AUTH_DATABASE)}`,
    `admin_username = ${MLFLOW_ADMIN_USERNAME}`,
    // MLflow's basic auth with Cohort Lab's caches (images/mlflow/cohort_lab_auth.py).
    'authorization_function = cohort_lab_auth:authenticate_request_basic_auth',
    'grant_default_workspace_access = false',
    `auth_cache_ttl_seconds = ${MLFLOW_AUTH_CACHE_TTL_SECONDS}`,
    'auth_cache_max_size = 5000',
    // Cohort Lab's user and grant caches (images/mlflow/cohort_lab_authz.py).
    `cohort_lab_authz_cache_seconds = ${MLFLOW_AUTHZ_CACHE_TTL_SECONDS}`,
    '',
  ].join('\n');
}
