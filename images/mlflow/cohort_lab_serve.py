"""Cohort Lab model server: serves `models:/<name>@<alias>` and follows the alias as it moves.

    python -m cohort_lab_serve --model-uri models:/promotion.<slug>@champion --port 8080 \
        --poll-seconds 30

Runs in the MLflow image (mlflow + scikit-learn; the standard library's threaded HTTP server, no
other web framework). Credentials come from the environment as for any MLflow client:
MLFLOW_TRACKING_URI, MLFLOW_TRACKING_USERNAME, MLFLOW_TRACKING_PASSWORD.

  GET  /ping         200 once a model is loaded, else 503
  GET  /version      {"model", "alias", "version", "run_id"}; while a newer version fails to load,
                     also "pending_version" and "pending_error" (the old one keeps serving)
  POST /invocations  MLflow's scoring input ({"dataframe_split": ...}, {"dataframe_records": ...},
                     {"inputs": ...} or {"instances": ...}, optional "params"); answers
                     {"predictions": [...]}

Every `--poll-seconds` it re-resolves the alias; when it names another version, that version is
loaded first and swapped in only once loaded, so a request is always answered by a whole model.
(MLflow's own `mlflow models serve` loads one fixed URI at start and never follows an alias.)
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import re
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import mlflow.pyfunc
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from mlflow.pyfunc import PyFuncModel
from mlflow.pyfunc.scoring_server import infer_and_parse_data, predictions_to_json

LOG = logging.getLogger("cohort_lab_serve")
MODEL_URI = re.compile(r"^models:/(?P<name>[^/@]+)@(?P<alias>[A-Za-z0-9_-]+)$")
MAX_BODY_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Loaded:
    version: str
    run_id: str | None
    model: PyFuncModel


def parse_model_uri(uri: str) -> tuple[str, str]:
    """`models:/<name>@<alias>` -> (name, alias); anything else is refused."""
    m = MODEL_URI.match(uri)
    if m is None:
        raise ValueError(f"--model-uri must be models:/<name>@<alias>, got {uri!r}")
    return m.group("name"), m.group("alias")


class Follower:
    """The loaded model and the alias it follows. `refresh()` is called by the poll thread."""

    def __init__(self, name: str, alias: str, client: MlflowClient | None = None) -> None:
        self.name = name
        self.alias = alias
        self._client = client or MlflowClient()
        self._lock = threading.Lock()
        self._loaded: Loaded | None = None
        self._pending: tuple[str, str] | None = None

    @property
    def loaded(self) -> Loaded | None:
        with self._lock:
            return self._loaded

    def status(self) -> dict[str, Any]:
        with self._lock:
            loaded, pending = self._loaded, self._pending
        doc: dict[str, Any] = {
            "model": self.name,
            "alias": self.alias,
            "version": None if loaded is None else loaded.version,
            "run_id": None if loaded is None else loaded.run_id,
        }
        if pending is not None:
            doc["pending_version"], doc["pending_error"] = pending
        return doc

    def refresh(self) -> None:
        """Resolve the alias; load and swap in the version it names if it is not the one served."""
        try:
            mv = self._client.get_model_version_by_alias(self.name, self.alias)
        except MlflowException as e:
            LOG.warning("cannot resolve %s@%s: %s", self.name, self.alias, e.message)
            return
        version = str(mv.version)
        current = self.loaded
        if current is not None and current.version == version:
            with self._lock:
                self._pending = None
            return
        try:
            model = mlflow.pyfunc.load_model(f"models:/{self.name}/{version}")
        except Exception as e:  # noqa: BLE001 (any load failure keeps the old model serving)
            error = f"{type(e).__name__}: {e}"
            LOG.error(
                "cannot load %s version %s, keeps serving the old one: %s",
                self.name,
                version,
                error,
            )
            with self._lock:
                self._pending = (version, error)
            return
        with self._lock:
            self._loaded = Loaded(version=version, run_id=mv.run_id or None, model=model)
            self._pending = None
        LOG.info("now serving %s version %s (@%s)", self.name, version, self.alias)


def predict(loaded: Loaded, body: bytes) -> str:
    """MLflow's scoring protocol: parse with the model's input schema, answer predictions JSON."""
    doc = json.loads(body)
    if not isinstance(doc, dict):
        raise ValueError('the body must be a JSON object such as {"dataframe_split": ...}')
    params = doc.pop("params", None)
    schema = loaded.model.metadata.get_input_schema()  # type: ignore[no-untyped-call]
    data = infer_and_parse_data(doc, schema)
    predictions = loaded.model.predict(data, params=params)
    out = io.StringIO()
    predictions_to_json(predictions, out)  # type: ignore[no-untyped-call]
    return out.getvalue()


def make_handler(follower: Follower) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "cohort-lab-serve"

        def _send(self, status: int, body: str) -> None:
            raw = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def _error(self, status: int, message: str) -> None:
            self._send(status, json.dumps({"error_code": status, "message": message}))

        def do_GET(self) -> None:
            if self.path == "/ping":
                ready = follower.loaded is not None
                self._send(200 if ready else 503, "{}\n" if ready else '{"status":"loading"}\n')
            elif self.path == "/version":
                self._send(200, json.dumps(follower.status()) + "\n")
            else:
                self._error(404, f"no route {self.path}")

        def do_POST(self) -> None:
            if self.path != "/invocations":
                self._error(404, f"no route {self.path}")
                return
            loaded = follower.loaded
            if loaded is None:
                self._error(503, "no model loaded yet")
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length <= 0 or length > MAX_BODY_BYTES:
                self._error(400 if length <= 0 else 413, f"body of {length} bytes")
                return
            try:
                self._send(200, predict(loaded, self.rfile.read(length)))
            except (ValueError, MlflowException) as e:
                self._error(400, str(e))

        def log_message(self, format: str, *args: Any) -> None:
            LOG.info("%s %s", self.address_string(), format % args)

    return Handler


def poll(follower: Follower, seconds: float, stop: threading.Event) -> None:
    """One thread resolves and loads, first at once, then every `seconds`: never two loads."""
    follower.refresh()
    while not stop.wait(seconds):
        follower.refresh()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cohort_lab_serve", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--model-uri", required=True, help="models:/<name>@<alias>")
    parser.add_argument("--host", default="0.0.0.0")  # noqa: S104 (a container's port; the Service fronts it)
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--poll-seconds", type=float, default=30.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        name, alias = parse_model_uri(args.model_uri)
    except ValueError as e:
        print(f"cohort_lab_serve: {e}", file=sys.stderr)
        return 2
    if args.poll_seconds <= 0:
        print(
            f"cohort_lab_serve: --poll-seconds must be positive, got {args.poll_seconds}",
            file=sys.stderr,
        )
        return 2
    follower = Follower(name, alias)
    server = ThreadingHTTPServer((args.host, args.port), make_handler(follower))
    server.daemon_threads = True
    stop = threading.Event()
    # The first load happens on the poll thread, so /ping answers 503 while it runs.
    threading.Thread(target=poll, args=(follower, args.poll_seconds, stop), daemon=True).start()
    LOG.info(
        "serving %s on %s:%d, polling every %g s",
        args.model_uri,
        args.host,
        args.port,
        args.poll_seconds,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
