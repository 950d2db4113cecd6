"""The audit tags: numbering, the value's shape, the history's order."""

import json

import pytest

from promotion import events


def test_the_first_event_is_001_then_one_above_the_highest() -> None:
    assert events.next_event_key({"lab.git_sha": "abc"}) == "lab.event.001"
    assert events.next_event_key({"lab.event.001": "{}", "lab.event.007": "{}"}) == "lab.event.008"
    assert events.next_event_key({"lab.event.x": "{}", "lab.event.0001": "{}"}) == "lab.event.001"


def test_fails_when_a_version_holds_999_events() -> None:
    with pytest.raises(ValueError, match="999 events already"):
        events.next_event_key({"lab.event.999": "{}"})


def test_the_event_value_is_compact_json_in_the_contract_shape() -> None:
    value = events.event_value(
        action="promote",
        version="5",
        from_version="4",
        who="octocat",
        when="2026-12-06T10:00:00Z",
        approval="https://github.com/o/r/actions/runs/1",
        environment="production",
        git_sha="abc123",
        metrics={"f1_score": 1, "accuracy_score": 0.9},
    )
    assert " " not in value
    assert json.loads(value) == {
        "action": "promote",
        "alias": "champion",
        "version": "5",
        "from_version": "4",
        "who": "octocat",
        "when": "2026-12-06T10:00:00Z",
        "approval": "https://github.com/o/r/actions/runs/1",
        "environment": "production",
        "git_sha": "abc123",
        "metrics": {"accuracy_score": 0.9, "f1_score": 1.0},
    }


def test_fails_when_the_action_is_unknown() -> None:
    with pytest.raises(ValueError, match="event action must be promote or rollback, got 'delete'"):
        events.event_value(
            action="delete",
            version="1",
            from_version=None,
            who="x",
            when="t",
            approval=None,
            environment=None,
            git_sha="",
            metrics={},
        )


def _event(version: str, when: str, action: str = "promote") -> str:
    return events.event_value(
        action=action,
        version=version,
        from_version=None,
        who="x",
        when=when,
        approval=None,
        environment="production",
        git_sha="s",
        metrics={},
    )


def test_history_lists_every_event_of_every_version_by_time() -> None:
    tags = [
        {"lab.event.001": _event("1", "2026-12-06T10:00:00Z"), "lab.git_sha": "s"},
        {"lab.event.001": _event("2", "2026-12-06T11:00:00Z")},
        {"lab.event.002": _event("1", "2026-12-06T12:00:00Z", "rollback")},
    ]
    found = events.history(tags)
    assert [(e.version, e.action, e.key) for e in found] == [
        ("1", "promote", "lab.event.001"),
        ("2", "promote", "lab.event.001"),
        ("1", "rollback", "lab.event.002"),
    ]
    table = events.format_history(found).splitlines()
    assert table[0].split() == [
        "WHEN",
        "ACTION",
        "VERSION",
        "FROM",
        "WHO",
        "ENVIRONMENT",
        "APPROVAL",
        "GIT",
        "SHA",
    ]
    assert table[3].split() == [
        "2026-12-06T12:00:00Z",
        "rollback",
        "1",
        "-",
        "x",
        "production",
        "-",
        "s",
    ]
    assert events.format_history([]) == "no promotion or rollback yet"
