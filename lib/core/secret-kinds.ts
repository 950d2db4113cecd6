/** Tag that says what a secret is and so how the rotation function rotates it. */
export const SECRET_KIND_TAG = 'lab:secret-kind';

/** How a secret rotates (the value of its {@link SECRET_KIND_TAG} tag). */
export enum SecretKind {
  /** `{username, password}` of the MLflow admin: changes its own password (current_password). */
  MLFLOW_ADMIN = 'mlflow-admin',
  /**
   * `{username, password}` of an MLflow user (a learner): the admin sets it; created if missing,
   * with the learner's personal experiment (MANAGE); never an MLflow admin.
   */
  MLFLOW_USER = 'mlflow-user',
  /**
   * `{username, password}` of an instructor: the admin sets it; created if missing; and the user
   * is an MLflow admin (MLflow grants per experiment and model when one is created, so only an
   * admin reads and manages every learner's work). No personal experiment.
   */
  MLFLOW_INSTRUCTOR = 'mlflow-instructor',
  /**
   * `{username, password}` of a learner's CI user `ci.<slug>` (Lab 2): the admin sets it; created
   * if missing; never an MLflow admin. The admin also makes sure the registered model
   * `promotion.<slug>` exists, the learner has MANAGE on it, and `ci.<slug>` has EDIT on it and on
   * the learner's experiment `learners/<slug>`, and nothing more.
   */
  MLFLOW_CI = 'mlflow-ci',
  /** `{secretKey}`: a generated key nothing else has to accept (consumers reload it). */
  GENERATED_KEY = 'generated-key',
  /**
   * `{password, previousPassword}`: a generated password whose previous value stays valid (the
   * service, e.g. Redis, accepts both), so consumers that still hold the old one keep working.
   */
  GENERATED_DUAL = 'generated-dual',
}
