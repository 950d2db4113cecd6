"""Cohort Lab database bootstrap for MLflow's PostgreSQL (RDS).

``python -m cohort_lab_db bootstrap``
    Idempotently creates what MLflow needs, connected as the RDS master user (libpq environment:
    PGHOST, PGPORT, PGUSER, PGPASSWORD, PGSSLMODE, PGDATABASE):

    * the application role ``<base>`` and its alternate ``<base>_clone``, both LOGIN. The
      alternating-users rotation (AWS's multi-user PostgreSQL rotation, as CDK's hosted rotation
      deploys it) flips the secret between these two users and only ALTERs the password of one
      that exists, so creating both here keeps the rotation to that ALTER (the step the
      integration tests replay);
    * ``<base>_clone`` is a member of ``<base>`` and runs ``SET ROLE <base>`` at login
      (``ALTER ROLE ... SET role``), so tables either user creates belong to ``<base>`` and stay
      usable after the next flip;
    * the databases in MLFLOW_DATABASES (comma-separated), owned by ``<base>``, with CONNECT
      revoked from PUBLIC.

    APP_DB_USER / APP_DB_PASSWORD are the application secret's current values. A role that does
    not exist yet gets APP_DB_PASSWORD if it is APP_DB_USER, a random password otherwise; an
    existing role's password is never touched (rotation owns it). Nothing secret is printed.

Written by hand because no library does this: it is a dozen statements specific to the
alternating-users scheme.
"""

from __future__ import annotations

import os
import re
import secrets
import sys

_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,56}$")
_CLONE_SUFFIX = "_clone"


def _base_user(user: str) -> str:
    return user[: -len(_CLONE_SUFFIX)] if user.endswith(_CLONE_SUFFIX) else user


def bootstrap() -> int:
    import psycopg2
    from psycopg2 import sql

    app_user = os.environ.get("APP_DB_USER", "")
    app_password = os.environ.get("APP_DB_PASSWORD", "")
    databases = [d.strip() for d in os.environ.get("MLFLOW_DATABASES", "").split(",") if d.strip()]
    base = _base_user(app_user)
    clone = base + _CLONE_SUFFIX
    problems = []
    if not _ROLE.match(base):
        problems.append(f"APP_DB_USER {app_user!r} is not a plain lower-case PostgreSQL role name")
    if len(app_password) < 12:
        problems.append("APP_DB_PASSWORD is missing or shorter than 12 characters")
    if not databases or not all(_ROLE.match(d) for d in databases):
        listed = os.environ.get("MLFLOW_DATABASES")
        problems.append(f"MLFLOW_DATABASES {listed!r} must list plain database names")
    if problems:
        for p in problems:
            print(f"bootstrap: {p}", file=sys.stderr)
        return 2

    conn = psycopg2.connect(application_name="cohort-lab-db-bootstrap")
    conn.autocommit = True  # CREATE DATABASE cannot run in a transaction
    try:
        with conn.cursor() as cur:
            for role in (base, clone):
                cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
                if cur.fetchone():
                    print(f"role {role}: exists, password left to rotation")
                    continue
                password = app_password if role == app_user else secrets.token_hex(24)
                cur.execute(
                    sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s").format(sql.Identifier(role)),
                    (password,),
                )
                print(f"role {role}: created")
            # The master must be able to SET ROLE to the owner to create databases it owns.
            cur.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(sql.Identifier(base)))
            cur.execute(
                sql.SQL("GRANT {} TO {}").format(sql.Identifier(base), sql.Identifier(clone))
            )
            cur.execute(
                sql.SQL("ALTER ROLE {} SET role = %s").format(sql.Identifier(clone)), (base,)
            )
            for db in databases:
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db,))
                if cur.fetchone():
                    print(f"database {db}: exists")
                else:
                    cur.execute(
                        sql.SQL("CREATE DATABASE {} OWNER {}").format(
                            sql.Identifier(db), sql.Identifier(base)
                        )
                    )
                    print(f"database {db}: created")
                cur.execute(
                    sql.SQL("REVOKE CONNECT ON DATABASE {} FROM PUBLIC").format(sql.Identifier(db))
                )
                cur.execute(
                    sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                        sql.Identifier(db), sql.Identifier(base)
                    )
                )
    finally:
        conn.close()
    print("bootstrap: done")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1] != "bootstrap":
        print("usage: python -m cohort_lab_db bootstrap", file=sys.stderr)
        return 64
    return bootstrap()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
