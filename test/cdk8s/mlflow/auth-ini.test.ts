import {
  basicAuthIni,
  BasicAuthIniProps,
  MLFLOW_AUTH_CACHE_TTL_SECONDS,
  MLFLOW_AUTHZ_CACHE_TTL_SECONDS,
} from '../../../cdk8s/mlflow/auth-ini';
import { MLFLOW_PERMISSIONS, RESERVED_SLUGS } from '../../../lib/core';
import { configFrom } from '../../support/cohort';
import { one } from '../../support/charts';
import { containerNamed, envOf, synthMlflow } from './support';

const PROPS: BasicAuthIniProps = {
  defaultPermission: 'READ',
  database: { host: 'db.internal', port: 5432, sslMode: 'require' },
};

/** An ini's `key = value` lines as an object (the one section checked apart). */
function parseIni(text: string): Record<string, string> {
  const [section, ...lines] = text.split('\n');
  expect(section).toBe('[mlflow]');
  return Object.fromEntries(
    lines
      .filter((l) => l !== '')
      .map((l) => {
        const [key, ...value] = l.split(' = ');
        return [key, value.join(' = ')];
      }),
  );
}

describe('basicAuthIni', () => {
  test('is the whole ini: permission, auth database, admin, our authorization function and both caches', () => {
    // GIVEN a default permission and the database endpoint
    // WHEN the ini is built
    // THEN it is exactly this text, ending in a newline
    expect(basicAuthIni(PROPS)).toBe(
      [
        '[mlflow]',
        'default_permission = READ',
        'database_uri = postgresql+psycopg2://db.internal:5432/mlflow_auth?sslmode=require&connect_timeout=10',
        'admin_username = admin',
        'authorization_function = cohort_lab_auth:authenticate_request_basic_auth',
        'grant_default_workspace_access = false',
        `auth_cache_ttl_seconds = ${MLFLOW_AUTH_CACHE_TTL_SECONDS}`,
        'auth_cache_max_size = 5000',
        `cohort_lab_authz_cache_seconds = ${MLFLOW_AUTHZ_CACHE_TTL_SECONDS}`,
        '',
      ].join('\n'),
    );
  });

  test.each(MLFLOW_PERMISSIONS.map((p) => [p]))('sets default_permission = %s when asked', (permission) => {
    // GIVEN one of MLflow's permissions as the default
    // WHEN the ini is built and read back
    const ini = parseIni(basicAuthIni({ ...PROPS, defaultPermission: permission }));
    // THEN it is the default permission
    expect(ini.default_permission).toBe(permission);
  });

  test('holds no credential: no password key and no user or password in the database URI', () => {
    // GIVEN the ini
    const ini = parseIni(basicAuthIni(PROPS));
    // WHEN its keys and its database URI are examined
    // THEN there is no admin password and the URI's authority is host:port only
    expect(Object.keys(ini).filter((k) => /password/i.test(k))).toEqual([]);
    expect(new URL(ini.database_uri.replace('postgresql+psycopg2', 'postgres'))).toMatchObject({
      username: '',
      password: '',
      host: 'db.internal:5432',
    });
  });
});

describe('MlflowChart auth ini', () => {
  const all = synthMlflow();
  const iniOf = (objs = all) =>
    (one(objs, 'ConfigMap', 'mlflow-auth-config').data as Record<string, string>)['basic_auth.ini'];

  test('the ConfigMap holds the ini built from the cohort file and the database endpoint', () => {
    // GIVEN the demo cohort on the test infrastructure
    // WHEN the ConfigMap is read back
    // THEN it is the ini of its default permission and database
    expect(iniOf()).toBe(
      basicAuthIni({
        defaultPermission: 'READ',
        database: { host: 'db.cohortlab.internal', port: 5432, sslMode: 'require' },
      }),
    );
  });

  test('the admin user MLflow is given is a name no learner or instructor id may normalise to', () => {
    // GIVEN the ini and the init container that syncs the admin's password
    // (a person whose slug matched the admin's name would share the admin's MLflow account)
    const iniAdmin = parseIni(iniOf()).admin_username;
    const envAdmin = envOf(containerNamed(all, 'sync-admin')).MLFLOW_AUTH_ADMIN_USERNAME?.value;
    // WHEN the two names are compared with the reserved slugs
    // THEN they agree, and the name is reserved
    expect(iniAdmin).toBe(envAdmin);
    expect(RESERVED_SLUGS.has(envAdmin!)).toBe(true);
  });

  test('the default permission follows the cohort file', () => {
    // GIVEN a cohort file that grants nothing by default
    const config = configFrom((doc) => {
      doc.mlflow = { ...(doc.mlflow as object), defaultPermission: 'NO_PERMISSIONS' };
    });
    // WHEN the chart is synthesised
    // THEN the ini says so
    expect(parseIni(iniOf(synthMlflow(config))).default_permission).toBe('NO_PERMISSIONS');
  });
});
