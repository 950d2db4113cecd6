"""The two kinds of failure the CLI reports, and their exit codes.

Exit 0: done. Exit 1 (`PipelineError`): the pipeline stops on purpose: a threshold not met, a smoke
test failed, the serving endpoint did not roll in time, MLflow refused. Exit 2 (`UsageError`): bad
input (an argument, the config file, a version that does not exist); nothing was changed.
"""


class PipelineError(Exception):
    """The step ran and its check failed: exit 1."""

    exit_code = 1


class UsageError(Exception):
    """Bad input, found before anything changed: exit 2."""

    exit_code = 2
