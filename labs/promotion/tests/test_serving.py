"""rollout and smoke against a small stand-in of the serving endpoint on a free local port."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from promotion import serving
from promotion.errors import PipelineError, UsageError

ROOT = Path(__file__).resolve().parent.parent


class Endpoint(BaseHTTPRequestHandler):
    version: ClassVar[dict[str, Any]] = {}
    predictions: ClassVar[list[int]] = []

    def _send(self, status: int, doc: Any) -> None:
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._send(200, Endpoint.version)

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        doc = json.loads(self.rfile.read(length))
        assert "dataframe_split" in doc
        self._send(200, {"predictions": Endpoint.predictions})

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_rollout_returns_once_the_endpoint_serves_the_version(url: str) -> None:
    Endpoint.version = {"model": "promotion.a", "alias": "champion", "version": "3", "run_id": "r"}
    doc = serving.rollout(url, "promotion.a", "3", timeout_seconds=5, interval_seconds=0.1)
    assert doc["version"] == "3"


def test_fails_when_the_endpoint_does_not_roll_within_the_timeout(url: str) -> None:
    Endpoint.version = {"model": "promotion.a", "alias": "champion", "version": "2", "run_id": "r"}
    ticks = iter([0.0, 0.0, 1.0, 2.0])
    with pytest.raises(PipelineError) as e:
        serving.rollout(
            url,
            "promotion.a",
            "3",
            timeout_seconds=1.5,
            interval_seconds=0.5,
            sleep=lambda _: None,
            clock=lambda: next(ticks),
        )
    assert str(e.value) == (
        f"the serving endpoint {url} did not serve promotion.a version 3 within 1.5 s; last seen: "
        '{"alias": "champion", "model": "promotion.a", "run_id": "r", "version": "2"}'
    )


def test_fails_fast_when_the_endpoint_cannot_load_the_version(url: str) -> None:
    Endpoint.version = {
        "model": "promotion.a",
        "version": "2",
        "pending_version": "3",
        "pending_error": "boom",
    }
    with pytest.raises(PipelineError) as e:
        serving.rollout(url, "promotion.a", "3", timeout_seconds=30, interval_seconds=0.1)
    assert str(e.value) == (
        f"the serving endpoint {url} cannot load promotion.a version 3: boom "
        "(it still serves version 2)"
    )


def test_smoke_passes_when_every_golden_example_is_right(url: str) -> None:
    golden = serving.load_golden(ROOT / "golden.json")
    Endpoint.predictions = list(golden.expected)
    assert serving.smoke_endpoint(url, golden) == len(golden.expected)


def test_fails_when_a_golden_example_is_wrong(url: str) -> None:
    golden = serving.load_golden(ROOT / "golden.json")
    Endpoint.predictions = [1 - golden.expected[0], *golden.expected[1:]]
    with pytest.raises(PipelineError) as e:
        serving.smoke_endpoint(url, golden)
    assert str(e.value) == (
        f"smoke test failed on {url}/invocations: example 0: expected {golden.expected[0]}, "
        f"got {1 - golden.expected[0]}"
    )


def test_fails_when_the_golden_file_is_bad(tmp_path: Path) -> None:
    path = tmp_path / "golden.json"
    path.write_text('{"columns": ["a"], "data": [[1.0]], "expected": [1, 0]}', encoding="utf-8")
    with pytest.raises(UsageError) as e:
        serving.load_golden(path)
    assert str(e.value) == f"{path}: data has 1 rows but expected has 2"
    with pytest.raises(UsageError, match="--url must be an http:// or https:// URL, got 'ftp://x'"):
        serving.rollout("ftp://x", "m", "1", timeout_seconds=1, interval_seconds=1)
