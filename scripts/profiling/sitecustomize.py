"""Statement and transaction counts per request inside an MLflow server (benchmarks only).

`scripts/bench-mlflow.ts --count-sql` puts this directory first on the server's PYTHONPATH and
sets COHORT_LAB_SQL_COUNT to a file: every SQL statement (SQLAlchemy ``before_cursor_execute``)
and every COMMIT/ROLLBACK is attributed to the Flask request running in the same thread, per
database, and the totals per route (method and path) are written to that file as JSON every
second. Never part of an image.
"""

from __future__ import annotations

import atexit
import json
import os
import threading
import time
from collections import defaultdict
from typing import Any

_OUT = os.environ.get("COHORT_LAB_SQL_COUNT")

if _OUT:
    from flask import Flask
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    _local = threading.local()
    _lock = threading.Lock()
    # route -> {"requests": n, "<db>:statements": n, "<db>:transactions": n}
    _totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def _count(conn: Any, kind: str) -> None:
        current = getattr(_local, "counts", None)
        if current is not None:
            db = conn.engine.url.database or "?"
            current[f"{db}:{kind}"] += 1

    @event.listens_for(Engine, "before_cursor_execute")
    def _statement(conn: Any, *args: Any) -> None:
        _count(conn, "statements")

    @event.listens_for(Engine, "engine_connect")
    def _checkout(conn: Any) -> None:
        # With pool_pre_ping (MLflow's engines) every checkout sends one ping to the server.
        _count(conn, "checkouts")

    @event.listens_for(Engine, "commit")
    def _commit(conn: Any) -> None:
        _count(conn, "transactions")

    @event.listens_for(Engine, "rollback")
    def _rollback(conn: Any) -> None:
        _count(conn, "transactions")

    _original = Flask.wsgi_app

    def _wsgi_app(self: Flask, environ: dict[str, Any], start_response: Any) -> Any:
        _local.counts = defaultdict(int)
        try:
            return _original(self, environ, start_response)
        finally:
            route = f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}"
            with _lock:
                t = _totals[route]
                t["requests"] += 1
                for k, v in _local.counts.items():
                    t[k] += v
            _local.counts = None

    Flask.wsgi_app = _wsgi_app  # type: ignore[method-assign]

    out_path: str = _OUT

    def _dump() -> None:
        with _lock:
            data = {r: dict(v) for r, v in _totals.items()}
        with open(out_path, "w") as f:
            json.dump(data, f, indent=1, sort_keys=True)

    def _loop() -> None:
        while True:
            time.sleep(1)
            _dump()

    threading.Thread(target=_loop, daemon=True).start()
    atexit.register(_dump)
