"""`python -m promotion <command>`: the one CLI every workflow step calls, so the pipeline's logic
runs (and is tested) without GitHub.

  register   a new version from a trained model, with its tags; @challenger on it
  evaluate   the candidate vs @champion with the thresholds of promotion.toml (exit 1 below them)
  promote    @champion to the challenger (or --version), keeping @previous-champion; audit tag
  rollback   @champion back to @previous-champion; audit tag
  history    every promotion and rollback, oldest first (--json for a JSON list)
  rollout    wait until the serving endpoint's /version shows the champion (--timeout)
  smoke      the golden examples through the serving endpoint's /invocations (or in process)
  credentials  the CI user's MLflow login from Secrets Manager into $GITHUB_ENV (masked)

Exit codes: 0 done, 1 the pipeline stops (threshold, smoke, rollout, MLflow refused), 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from promotion import credentials, events, registry, serving
from promotion.config import load_config
from promotion.errors import PipelineError, UsageError


def _who(value: str | None) -> str:
    return (
        value
        or os.environ.get("GITHUB_ACTOR")
        or os.environ.get("MLFLOW_TRACKING_USERNAME")
        or "unknown"
    )


def _empty_to_none(value: str | None) -> str | None:
    return value if value else None


def _model(args: argparse.Namespace) -> str:
    if args.model:
        return str(args.model)
    return load_config(Path(args.config)).model


def _output(**values: str) -> None:
    """Step outputs for the workflow ($GITHUB_OUTPUT), when there is one."""
    path = os.environ.get("GITHUB_OUTPUT")
    if path:
        with Path(path).open("a", encoding="utf-8") as f:
            for k, v in values.items():
                f.write(f"{k}={v}\n")


def _metrics_file(path: str) -> dict[str, float]:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: no such metrics file (evaluate --out writes it)") from None
    except json.JSONDecodeError as e:
        raise UsageError(f"{path}: not JSON: {e}") from None
    if not isinstance(doc, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in doc.values()
    ):
        raise UsageError(f"{path}: must be a JSON object of metric name to number")
    return {str(k): float(v) for k, v in doc.items()}


def cmd_evaluate(args: argparse.Namespace) -> int:
    from promotion import evaluation

    config = load_config(Path(args.config))
    outcome = evaluation.evaluate(MlflowClient(), config, args.model_uri)
    if args.out:
        Path(args.out).write_text(
            json.dumps(evaluation.recorded(outcome.candidate), indent=2) + "\n", encoding="utf-8"
        )
    against = (
        "no @champion yet: absolute thresholds only"
        if outcome.champion_version is None
        else f"against @champion (version {outcome.champion_version})"
    )
    print(f"evaluate {config.model} candidate {args.model_uri} {against}:\n{outcome.report}")
    evaluation.require_pass(outcome)
    print("the candidate meets every threshold")
    return 0


def cmd_register(args: argparse.Namespace) -> int:
    model = _model(args)
    metrics = _metrics_file(args.metrics_file)
    version = registry.register(
        MlflowClient(),
        model=model,
        model_uri=args.model_uri,
        run_id=_empty_to_none(args.run_id),
        git_sha=args.git_sha,
        data_hash=args.data_hash,
        metrics=metrics,
        who=_who(args.who),
    )
    _output(version=version)
    print(f"registered {model} version {version}; @challenger -> {version}")
    return 0


def cmd_promote(args: argparse.Namespace) -> int:
    model = _model(args)
    move = registry.promote(
        MlflowClient(),
        model=model,
        version=_empty_to_none(args.version),
        who=_who(args.who),
        approval=_empty_to_none(args.approval),
        environment=_empty_to_none(args.environment),
        git_sha=_empty_to_none(args.git_sha),
    )
    _output(version=move.version, from_version=move.from_version or "")
    kept = "" if move.from_version is None else f"; @previous-champion -> {move.from_version}"
    print(f"promoted {model}: @champion -> {move.version}{kept}; {move.event_key} written")
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    model = _model(args)
    move = registry.rollback(
        MlflowClient(),
        model=model,
        who=_who(args.who),
        approval=_empty_to_none(args.approval),
        environment=_empty_to_none(args.environment),
        git_sha=_empty_to_none(args.git_sha),
    )
    _output(version=move.version, from_version=move.from_version or "")
    print(
        f"rolled back {model}: @champion -> {move.version} (was {move.from_version}); "
        f"{move.event_key} written"
    )
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    model = _model(args)
    found = registry.model_history(MlflowClient(), model)
    if args.json:
        print(json.dumps([e.as_json() for e in found], indent=2))
    else:
        print(events.format_history(found))
    return 0


def cmd_rollout(args: argparse.Namespace) -> int:
    config = load_config(Path(args.config))
    model = args.model or config.model
    timeout = config.rollout_timeout_seconds if args.timeout is None else args.timeout
    interval = config.rollout_interval_seconds if args.interval is None else args.interval
    if timeout <= 0 or interval <= 0:
        raise UsageError(f"--timeout and --interval must be positive, got {timeout} and {interval}")
    if args.version:
        version = str(args.version)
    else:
        champion = registry.alias_version(MlflowClient(), model, args.alias)
        if champion is None:
            raise UsageError(f"{model} has no @{args.alias}")
        version = str(champion.version)
    doc = serving.rollout(
        args.url, model, version, timeout_seconds=timeout, interval_seconds=interval
    )
    print(f"{args.url} serves {model} version {doc['version']} (run {doc.get('run_id')})")
    return 0


def cmd_smoke(args: argparse.Namespace) -> int:
    golden = serving.load_golden(Path(args.examples))
    targets = [t for t in (args.url, args.model_uri, args.alias, args.version) if t]
    if len(targets) != 1:
        raise UsageError("smoke needs exactly one of --url, --model-uri, --alias or --version")
    if args.url:
        count = serving.smoke_endpoint(args.url, golden)
        where = f"{args.url}/invocations"
    else:
        model_uri = args.model_uri
        if not model_uri:
            model = load_config(Path(args.config)).model
            model_uri = (
                f"models:/{model}@{args.alias}" if args.alias else f"models:/{model}/{args.version}"
            )
        count = serving.smoke_model(model_uri, golden)
        where = model_uri
    print(f"smoke test passed: {count} golden examples through {where}")
    return 0


def cmd_credentials(args: argparse.Namespace) -> int:
    username = credentials.export(args.secret_id, args.github_env or os.environ.get("GITHUB_ENV"))
    print(f"MLflow credentials of {username} exported for the next steps")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m promotion", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True, metavar="<command>")

    def command(name: str, help_text: str, model: bool = True) -> argparse.ArgumentParser:
        c = sub.add_parser(name, help=help_text, description=help_text)
        c.add_argument("--config", default="promotion.toml", help="default: promotion.toml")
        if model:
            c.add_argument("--model", help="registered model (default: from --config)")
        return c

    c = command("evaluate", "the candidate vs @champion with the thresholds", model=False)
    c.add_argument("--model-uri", required=True, help="the candidate, as train.py logged it")
    c.add_argument("--out", help="write the candidate's recorded metrics here (JSON)")
    c.set_defaults(run=cmd_evaluate)

    c = command("register", "a new version with its tags; @challenger on it")
    c.add_argument("--model-uri", required=True)
    c.add_argument("--run-id", default="")
    c.add_argument("--git-sha", required=True)
    c.add_argument("--data-hash", required=True)
    c.add_argument("--metrics-file", required=True, help="what evaluate --out wrote")
    c.add_argument("--who", help="default: $GITHUB_ACTOR, else $MLFLOW_TRACKING_USERNAME")
    c.set_defaults(run=cmd_register)

    for name, help_text, run in (
        ("promote", "@champion to the challenger, keeping @previous-champion", cmd_promote),
        ("rollback", "@champion back to @previous-champion", cmd_rollback),
    ):
        c = command(name, help_text)
        if name == "promote":
            c.add_argument("--version", default="", help="default: the @challenger")
        c.add_argument("--who", help="default: $GITHUB_ACTOR, else $MLFLOW_TRACKING_USERNAME")
        c.add_argument("--approval", default="", help="approval reference (a URL, an issue)")
        c.add_argument("--environment", default="", help="staging or production")
        c.add_argument("--git-sha", default="", help="default: the version's lab.git_sha")
        c.set_defaults(run=run)

    c = command("history", "every promotion and rollback, oldest first")
    c.add_argument("--json", action="store_true")
    c.set_defaults(run=cmd_history)

    c = command("rollout", "wait until the serving endpoint serves the champion")
    c.add_argument("--url", required=True, help="the serving endpoint (SERVING_URL)")
    c.add_argument("--alias", default=events.CHAMPION)
    c.add_argument("--version", default="", help="default: the version of --alias")
    c.add_argument("--timeout", type=float, help="seconds (default: [rollout] of --config, 300)")
    c.add_argument("--interval", type=float, help="seconds (default: [rollout] of --config, 5)")
    c.set_defaults(run=cmd_rollout)

    c = command("smoke", "golden examples through /invocations or a model URI", model=False)
    c.add_argument("--url", default="")
    c.add_argument("--model-uri", default="", help="predict in process with this model")
    c.add_argument("--alias", default="", help="predict in process with the model's @alias")
    c.add_argument("--version", default="", help="predict in process with this version")
    c.add_argument("--examples", default="golden.json")
    c.set_defaults(run=cmd_smoke)

    c = command("credentials", "the CI user's MLflow login into $GITHUB_ENV", model=False)
    c.add_argument("--secret-id", required=True)
    c.add_argument("--github-env", default="")
    c.set_defaults(run=cmd_credentials)
    return p


def main(argv: Sequence[str]) -> int:
    args = parser().parse_args(argv)
    try:
        code: int = args.run(args)
        return code
    except (UsageError, PipelineError) as e:
        print(f"promotion {args.command}: {e}", file=sys.stderr)
        return e.exit_code
    except MlflowException as e:
        print(f"promotion {args.command}: MLflow refused: {e.error_code}: {e}", file=sys.stderr)
        return 1
