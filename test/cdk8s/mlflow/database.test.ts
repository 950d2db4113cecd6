import { databaseUri, MLFLOW_DATABASES } from '../../../cdk8s/mlflow/database';

describe('databaseUri', () => {
  test('names the host, port, database and TLS mode, and no credential', () => {
    // GIVEN an endpoint that requires TLS
    const endpoint = { host: 'db.internal', port: 5433, sslMode: 'verify-full' as const };
    // WHEN the URI of one database is built
    // THEN it is exactly the psycopg2 URI with a connect timeout, without user or password
    expect(databaseUri(endpoint, 'mlflow_auth')).toBe(
      'postgresql+psycopg2://db.internal:5433/mlflow_auth?sslmode=verify-full&connect_timeout=10',
    );
  });
});

describe('MLFLOW_DATABASES', () => {
  test('are the backend store and the auth database', () => {
    // GIVEN the databases the bootstrap Job creates
    // WHEN listed
    // THEN they are exactly MLflow's two databases
    expect(MLFLOW_DATABASES).toEqual(['mlflow', 'mlflow_auth']);
  });
});
