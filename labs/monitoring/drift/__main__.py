"""`python -m drift --config <file>`: exit 0 when the run completed (drift or not; an alert went
out if it crossed the threshold), 2 on a bad configuration, 1 when data or a service failed."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from drift.config import ConfigError, load_config
from drift.data import DataError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m drift", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--config", required=True, type=Path, help="the drift configuration (YAML)")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        from drift.job import run

        result = run(config)
    except ConfigError as err:
        print(f"drift: {err}", file=sys.stderr)
        return 2
    except (DataError, ValueError) as err:
        print(f"drift: {err}", file=sys.stderr)
        return 1
    summary = {
        "learner": config.learner,
        "model": config.model,
        "severity": result.severity.value if result.severity else None,
        "mlflow_run_id": result.mlflow_run_id,
        "alert_message_id": result.alert_message_id,
        **result.report.as_dict(),
    }
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
