"""Cohort Lab helpers for the MLflow basic-auth server image: two commands and the
authorization function of basic_auth.ini.

``python -m cohort_lab_auth sync-admin``
    Idempotently make the admin user match the Kubernetes Secret. MLflow itself only reads
    MLFLOW_AUTH_ADMIN_PASSWORD when the admin user does not exist yet; afterwards the value is
    ignored, so a Secret that was rotated (or restored) no longer matches the database. Run this
    as an initContainer (same image, same env) before ``mlflow server``: it creates the admin if
    missing, re-grants the admin flag, and sets the password to the Secret's value when that
    value is new. It never puts back a value it applied before: when the Secret still holds the
    value this container last applied (a hash of it is kept in ``cohort_lab_admin_sync`` in the
    auth database) and MLflow no longer takes it, the rotation function has changed the password
    ahead of the External Secrets Operator's next sync (<= 60 s), and resetting it would lock the
    new AWSCURRENT out. ``COHORT_LAB_ADMIN_SYNC=force`` sets the Secret's value regardless (the
    recovery runbook's last resort).
    Env: MLFLOW_AUTH_CONFIG_PATH (ini with ``database_uri``), MLFLOW_AUTH_ADMIN_USERNAME
    (falls back to ``admin_username`` in the ini), MLFLOW_AUTH_ADMIN_PASSWORD, plus PG* libpq
    variables (e.g. PGPASSWORD) if the URI carries no password.

``python -m cohort_lab_auth probe``
    Readiness exec probe that really touches the databases: ``SELECT 1`` on the tracking store
    (MLFLOW_BACKEND_STORE_URI) and on the auth store (``database_uri`` from the ini), each with a
    short connect timeout. Imports only psycopg2 (~0.1 s), never mlflow.
    Exit code 0 = ready, 1 = not ready. Writes nothing to disk.

``authorization_function = cohort_lab_auth:authenticate_request_basic_auth`` (basic_auth.ini)
    MLflow's own basic-auth check (its credential cache on: ``auth_cache_ttl_seconds``), with, on
    the first request, the caches of ``cohort_lab_authz`` installed in front of its permission
    checks (user and grants for ``cohort_lab_authz_cache_seconds``; run -> experiment), and two
    changes a person sees:
    - ``/users/current`` reports ``is_basic_auth: true``: MLflow sets it only when the function's
      name is its own, and the UI hides logout and the change-password dialog otherwise;
    - a person's change of their own password (``PATCH users/update-password`` with their own
      user name) is refused (403, PASSWORD_MANAGED_MESSAGE): Secrets Manager rotates every
      person's password and ESO syncs it to their namespace, so a password changed in the UI
      would silently break their jobs until the next rotation reset it. Admins may still set
      anyone else's password (the rotation function, the runbooks), and the service admin its
      own (the admin rotation does exactly that).
    Written by hand because MLflow has no setting for any of it; the MLflow internals it wraps are
    checked at pod start (``sync-admin``) and before installing, and a change fails the request.
"""

from __future__ import annotations

import configparser
import inspect
import json
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from flask import Response
    from psycopg2.extensions import connection
    from werkzeug.datastructures import Authorization

# The value refused below (MLflow's old built-in default), not a credential.
_LEGACY_DEFAULT_PASSWORD = "password1234"  # noqa: S105
_MIN_PASSWORD_LENGTH = 12


def _auth_ini() -> configparser.ConfigParser:
    path = os.environ.get("MLFLOW_AUTH_CONFIG_PATH")
    if not path:
        raise SystemExit("MLFLOW_AUTH_CONFIG_PATH is not set")
    cfg = configparser.ConfigParser()
    if not cfg.read(path):
        raise SystemExit(f"cannot read auth config {path}")
    return cfg


def _libpq_dsn(sqlalchemy_uri: str) -> str:
    """postgresql+psycopg2://u:p@h:5432/db?sslmode=require -> postgresql://u:p@h:5432/db?sslmode=require"""
    scheme, sep, rest = sqlalchemy_uri.partition("://")
    if not sep or not scheme.startswith("postgresql"):
        raise SystemExit(f"unsupported database URI scheme: {scheme!r}")
    return "postgresql://" + rest


def probe(timeout_seconds: int = 3) -> int:
    import psycopg2  # only dependency; keeps the probe cheap

    uris = {
        "tracking": os.environ.get("MLFLOW_BACKEND_STORE_URI"),
        "auth": _auth_ini()["mlflow"].get("database_uri"),
    }
    ok = True
    for name, uri in uris.items():
        if not uri:
            print(f"{name}: no URI configured", file=sys.stderr)
            ok = False
            continue
        try:
            conn = psycopg2.connect(
                _libpq_dsn(uri),
                connect_timeout=timeout_seconds,
                options=f"-c statement_timeout={timeout_seconds * 1000}",
                application_name="cohort-lab-probe",
            )
            try:
                with conn.cursor() as cur:
                    cur.execute("SELECT 1")
                    cur.fetchone()
            finally:
                conn.close()
        except Exception as e:  # noqa: BLE001 - any failure means "not ready"
            print(f"{name}: {type(e).__name__}: {e}".strip(), file=sys.stderr)
            ok = False
    return 0 if ok else 1


def sync_admin() -> int:
    cfg = _auth_ini()["mlflow"]
    username = os.environ.get("MLFLOW_AUTH_ADMIN_USERNAME") or cfg.get("admin_username")
    password = os.environ.get("MLFLOW_AUTH_ADMIN_PASSWORD")
    if not username or not password:
        print(
            "MLFLOW_AUTH_ADMIN_USERNAME/admin_username and MLFLOW_AUTH_ADMIN_PASSWORD are required",
            file=sys.stderr,
        )
        return 2
    if password == _LEGACY_DEFAULT_PASSWORD or len(password) < _MIN_PASSWORD_LENGTH:
        print(
            f"refusing admin password: must be >= {_MIN_PASSWORD_LENGTH} chars and not the "
            "legacy default",
            file=sys.stderr,
        )
        return 2

    # Import the store module directly; this also imports the mlflow.server.auth package, which
    # reads the same ini (MLFLOW_AUTH_CONFIG_PATH) but does not start a server.
    from mlflow.server.auth.sqlalchemy_store import SqlAlchemyStore

    # At pod start, before the server: the MLflow internals the server's caches wrap are there.
    check_internals()

    store = SqlAlchemyStore()
    # Creates/migrates the auth schema if needed. MLflow leaves init_db unannotated.
    store.init_db(cfg["database_uri"])  # type: ignore[no-untyped-call]
    force = os.environ.get("COHORT_LAB_ADMIN_SYNC", "auto") == "force"
    with _AppliedPasswords(cfg["database_uri"]) as applied:
        if not store.has_user(username, use_primary=True):
            store.create_user(username, password, is_admin=True)
            applied.record(username, password)
            print(f"created admin user {username!r}")
            return 0
        changed: list[str] = []
        if store.authenticate_user(username, password, use_primary=True):
            applied.record(username, password)
        elif not force and applied.is_last_applied(username, password):
            print(
                f"admin user {username!r}: MLflow no longer takes the value this container last "
                "applied, and the Secret still holds it: the password was rotated ahead of the "
                "Secret sync; left as it is (COHORT_LAB_ADMIN_SYNC=force to override)"
            )
        else:
            store.update_user(username, password=password)
            applied.record(username, password)
            changed.append("password" + (" (forced)" if force else ""))
        if not store.get_user(username).is_admin:
            store.update_user(username, is_admin=True)
            changed.append("is_admin")
    print(
        f"admin user {username!r}: " + (", ".join(changed) + " updated" if changed else "in sync")
    )
    return 0


class _AppliedPasswords:
    """A salted hash of the admin password sync-admin last applied, per user, in the auth DB."""

    _DDL = (
        "CREATE TABLE IF NOT EXISTS cohort_lab_admin_sync ("
        "username text PRIMARY KEY, applied_hash text NOT NULL, applied_at timestamptz NOT NULL)"
    )

    _conn: connection

    def __init__(self, database_uri: str) -> None:
        self._dsn = _libpq_dsn(database_uri)

    def __enter__(self) -> _AppliedPasswords:
        import psycopg2

        self._conn = psycopg2.connect(self._dsn, application_name="cohort-lab-sync-admin")
        with self._conn, self._conn.cursor() as cur:
            cur.execute(self._DDL)
        return self

    def __exit__(self, *exc: object) -> None:
        self._conn.close()

    def is_last_applied(self, username: str, password: str) -> bool:
        from werkzeug.security import check_password_hash

        with self._conn, self._conn.cursor() as cur:
            cur.execute(
                "SELECT applied_hash FROM cohort_lab_admin_sync WHERE username = %s", (username,)
            )
            row = cur.fetchone()
        return row is not None and check_password_hash(row[0], password)

    def record(self, username: str, password: str) -> None:
        from werkzeug.security import generate_password_hash

        if self.is_last_applied(username, password):
            return
        with self._conn, self._conn.cursor() as cur:
            cur.execute(
                "INSERT INTO cohort_lab_admin_sync (username, applied_hash, applied_at) "
                "VALUES (%s, %s, now()) ON CONFLICT (username) "
                "DO UPDATE SET applied_hash = EXCLUDED.applied_hash, applied_at = now()",
                (username, generate_password_hash(password)),
            )


_CURRENT_USER_VIEW = "get_current_user"
_PASSWORD_PATHS = (
    "/api/2.0/mlflow/users/update-password",
    "/ajax-api/2.0/mlflow/users/update-password",
)
_INSTALLED = "_cohort_lab_installed"
_REQUEST_MEMO = "_cohort_lab_authorization"

#: The answer to a person's own password change (learners and instructors).
# A message about passwords, not one.
PASSWORD_MANAGED_MESSAGE = (
    "Cohort Lab manages this password: Secrets Manager rotates it every 30 days and syncs it to "  # noqa: S105
    "your namespace and .env, so a password changed here would break your jobs until the next "
    "rotation. Ask an instructor to rotate it now (docs/runbooks/rotate-now.md)."
)


def check_internals() -> None:
    """Raise if an MLflow internal this module or cohort_lab_authz wraps is missing or changed."""
    from mlflow.server import auth

    import cohort_lab_authz

    cohort_lab_authz.check_internals(auth)
    from mlflow.server import app

    view = app.view_functions.get(_CURRENT_USER_VIEW) if auth._auth_initialized else None
    if auth._auth_initialized and view is None:
        raise RuntimeError(f"cohort_lab_auth: MLflow's {_CURRENT_USER_VIEW} view is gone")
    if "is_basic_auth" not in inspect.getsource(auth.get_current_user):
        raise RuntimeError(
            "cohort_lab_auth: MLflow's get_current_user no longer reports is_basic_auth"
        )


def _install() -> None:
    """Install the caches and the /users/current fix into the server process (idempotent)."""
    from mlflow.server import app, auth

    if getattr(auth, _INSTALLED, False):
        return
    import cohort_lab_authz

    check_internals()
    cohort_lab_authz.install(auth)
    setattr(auth, _INSTALLED, True)
    if not auth._auth_initialized:
        # A server without --app-name basic-auth still calls this function, from runs/search
        # (MLflow filters experiments whenever its auth package is installed): no UI to fix.
        return
    view = cast("Callable[[], Response]", app.view_functions[_CURRENT_USER_VIEW])

    def get_current_user() -> Response:
        # MLflow reports is_basic_auth only for its own function's name; ours is that function
        # with caches, so the UI keeps its logout and change-password affordances.
        response = view()
        body = response.get_json(silent=True)
        if response.status_code == 200 and isinstance(body, dict) and "is_basic_auth" in body:
            body["is_basic_auth"] = True
            response.set_data(json.dumps(body))
        return response

    app.view_functions[_CURRENT_USER_VIEW] = get_current_user


def _own_password_change(username: str, admin_username: str) -> bool:
    from flask import request

    if request.method != "PATCH" or not request.path.endswith(_PASSWORD_PATHS):
        return False
    body = request.get_json(silent=True)
    target = body.get("username") if isinstance(body, dict) else request.args.get("username")
    return target == username and username != admin_username


def authenticate_request_basic_auth() -> Authorization | Response:
    """MLflow's basic-auth authorization function, with Cohort Lab's caches installed.

    Also refuses (403) a person's change of their own password: it would no longer match the
    secret Secrets Manager rotates. The service admin (the rotation function) and admins setting
    someone else's password (the rotation, the runbooks) are not affected.
    """
    from flask import Response, g, make_response
    from mlflow.server import auth

    # MLflow asks several times per request (before it, in each validator, in the search
    # filters); the answer cannot change within one request, so it is computed once.
    memo = g.get(_REQUEST_MEMO)
    if memo is not None:
        return cast("Authorization | Response", memo)
    _install()
    result = auth.authenticate_request_basic_auth()
    if not isinstance(result, Response) and _own_password_change(
        result.username or "", auth.auth_config.admin_username or ""
    ):
        body = {"error_code": "PERMISSION_DENIED", "message": PASSWORD_MANAGED_MESSAGE}
        result = make_response(body, 403)
    setattr(g, _REQUEST_MEMO, result)
    return result


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1] not in ("probe", "sync-admin"):
        print("usage: python -m cohort_lab_auth {probe|sync-admin}", file=sys.stderr)
        return 2
    return probe() if argv[1] == "probe" else sync_admin()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
