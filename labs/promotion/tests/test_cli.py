"""The CLI's exit codes on bad input: 2, with the problem named, before MLflow is called."""

from pathlib import Path

import pytest

from promotion.cli import main


def test_fails_when_the_config_file_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.toml"
    assert main(["history", "--config", str(missing)]) == 2
    assert capsys.readouterr().err == f"promotion history: {missing}: no such config file\n"


def test_fails_when_the_metrics_file_is_not_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    metrics = tmp_path / "metrics.json"
    metrics.write_text('{"accuracy_score": "high"}', encoding="utf-8")
    code = main(
        [
            "register",
            "--model",
            "promotion.a",
            "--model-uri",
            "models:/m-1",
            "--git-sha",
            "s",
            "--data-hash",
            "h",
            "--metrics-file",
            str(metrics),
        ]
    )
    assert code == 2
    assert capsys.readouterr().err == (
        f"promotion register: {metrics}: must be a JSON object of metric name to number\n"
    )


def test_fails_when_smoke_gets_both_a_url_and_a_model(capsys: pytest.CaptureFixture[str]) -> None:
    root = Path(__file__).resolve().parent.parent
    code = main(
        [
            "smoke",
            "--url",
            "http://x",
            "--model-uri",
            "models:/m",
            "--examples",
            f"{root}/golden.json",
        ]
    )
    assert code == 2
    assert (
        capsys.readouterr().err
        == "promotion smoke: smoke needs exactly one of --url, --model-uri, --alias or --version\n"
    )


def test_fails_when_a_command_is_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["deploy"])
    assert e.value.code == 2
    assert "invalid choice: 'deploy'" in capsys.readouterr().err
