"""The audit trail: one `lab.event.NNN` tag per promotion or rollback, on the version that became
champion. Pure functions: the tag's key and value, and the history read back from the versions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

EVENT_PREFIX = "lab.event."
_EVENT_KEY = re.compile(r"^lab\.event\.(\d{3})$")

GIT_SHA_TAG = "lab.git_sha"
DATA_HASH_TAG = "lab.data_hash"
METRICS_TAG = "lab.metrics"
REGISTERED_BY_TAG = "lab.registered_by"

CHAMPION = "champion"
CHALLENGER = "challenger"
PREVIOUS_CHAMPION = "previous-champion"


def next_event_key(tags: Mapping[str, str]) -> str:
    """The next `lab.event.NNN` on a version: 001, then one above the highest there."""
    numbers = [int(m.group(1)) for key in tags if (m := _EVENT_KEY.match(key))]
    following = max(numbers, default=0) + 1
    if following > 999:
        raise ValueError("a version holds 999 events already; no further lab.event tag fits")
    return f"{EVENT_PREFIX}{following:03d}"


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=False)


def metrics_json(metrics: Mapping[str, float]) -> str:
    """`lab.metrics`: compact JSON of floats, sorted by name."""
    return compact({k: float(metrics[k]) for k in sorted(metrics)})


def event_value(
    *,
    action: str,
    version: str,
    from_version: str | None,
    who: str,
    when: str,
    approval: str | None,
    environment: str | None,
    git_sha: str,
    metrics: Mapping[str, float],
) -> str:
    if action not in ("promote", "rollback"):
        raise ValueError(f"event action must be promote or rollback, got {action!r}")
    return compact(
        {
            "action": action,
            "alias": CHAMPION,
            "version": version,
            "from_version": from_version,
            "who": who,
            "when": when,
            "approval": approval,
            "environment": environment,
            "git_sha": git_sha,
            "metrics": {k: float(metrics[k]) for k in sorted(metrics)},
        }
    )


@dataclass(frozen=True)
class Event:
    key: str
    action: str
    version: str
    from_version: str | None
    who: str
    when: str
    approval: str | None
    environment: str | None
    git_sha: str
    metrics: dict[str, float]

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "action": self.action,
            "alias": CHAMPION,
            "version": self.version,
            "from_version": self.from_version,
            "who": self.who,
            "when": self.when,
            "approval": self.approval,
            "environment": self.environment,
            "git_sha": self.git_sha,
            "metrics": self.metrics,
        }


def parse_event(key: str, value: str) -> Event:
    doc = json.loads(value)
    return Event(
        key=key,
        action=str(doc["action"]),
        version=str(doc["version"]),
        from_version=None if doc.get("from_version") is None else str(doc["from_version"]),
        who=str(doc["who"]),
        when=str(doc["when"]),
        approval=doc.get("approval"),
        environment=doc.get("environment"),
        git_sha=str(doc.get("git_sha", "")),
        metrics={str(k): float(v) for k, v in dict(doc.get("metrics") or {}).items()},
    )


def history(version_tags: Iterable[Mapping[str, str]]) -> list[Event]:
    """Every `lab.event.*` of every version, oldest first (by `when`, then version and key)."""
    events = [
        parse_event(key, value)
        for tags in version_tags
        for key, value in tags.items()
        if _EVENT_KEY.match(key)
    ]
    return sorted(events, key=lambda e: (e.when, int(e.version), e.key))


def format_history(events: list[Event]) -> str:
    if not events:
        return "no promotion or rollback yet"
    header = ("WHEN", "ACTION", "VERSION", "FROM", "WHO", "ENVIRONMENT", "APPROVAL", "GIT SHA")
    rows = [header] + [
        (
            e.when,
            e.action,
            e.version,
            e.from_version or "-",
            e.who,
            e.environment or "-",
            e.approval or "-",
            e.git_sha[:12] or "-",
        )
        for e in events
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows
    )
