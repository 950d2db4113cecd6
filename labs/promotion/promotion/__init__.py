"""The promotion pipeline's one CLI: `python -m promotion <command>` (see promotion/cli.py)."""
