"""Settings as operators write them, and the app refusing to start without the one key every process must share."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from app import MissingSecretKey, create_app
from storage.settings import BadSetting, is_on
from tests.support.processes import ROOT


@pytest.mark.parametrize("written", ["False", "false", "FALSE", "0", "no", "No", "off", " false ", "", 0, False, None])
def test_off_in_any_usual_spelling_reads_as_off(written):
    assert is_on(written) is False


@pytest.mark.parametrize("written", ["True", "true", "1", "yes", "on", 1, True])
def test_on_in_any_usual_spelling_reads_as_on(written):
    assert is_on(written) is True


def test_a_word_that_is_neither_is_refused_with_what_to_write():
    with pytest.raises(BadSetting, match="COUNTERSIGN_DISPOSITION_SWEEP is 'maybe': set it to true or false"):
        is_on("maybe", name="COUNTERSIGN_DISPOSITION_SWEEP")


@pytest.mark.parametrize("name", ["DISPOSITION_SWEEP", "SEND_DAILY_REMINDERS", "DEV_MAIL"])
def test_every_switch_set_to_capital_false_in_the_environment_is_off(app_config, monkeypatch, name):
    # from_prefixed_env turns "false" into False but leaves "False" a string, which Python reads as true.
    monkeypatch.setenv(f"COUNTERSIGN_{name}", "False")
    settings = {key: value for key, value in app_config.items() if key != name}
    app = create_app(settings)
    assert app.config[name] is False
    app.extensions["countersign.engine"].dispose()


def test_the_disposition_sweep_as_the_readme_says_to_turn_it_off_is_off(app_config, monkeypatch):
    monkeypatch.setenv("COUNTERSIGN_DISPOSITION_SWEEP", "False")
    monkeypatch.setenv("COUNTERSIGN_SEND_DAILY_REMINDERS", "no")
    app = create_app({key: value for key, value in app_config.items()
                      if key not in ("DISPOSITION_SWEEP", "SEND_DAILY_REMINDERS")})
    assert (app.config["DISPOSITION_SWEEP"], app.config["SEND_DAILY_REMINDERS"]) == (False, False)
    app.extensions["countersign.engine"].dispose()


def test_outside_development_the_app_refuses_to_start_without_a_secret_key(app_config, monkeypatch):
    monkeypatch.delenv("COUNTERSIGN_SECRET_KEY", raising=False)
    monkeypatch.delenv("COUNTERSIGN_DEVELOPMENT", raising=False)
    settings = {key: value for key, value in app_config.items() if key not in ("SECRET_KEY", "TESTING")}
    with pytest.raises(MissingSecretKey, match="COUNTERSIGN_SECRET_KEY is not set"):
        create_app(settings)


def test_development_set_to_false_in_capitals_is_still_not_development(app_config, monkeypatch):
    monkeypatch.delenv("COUNTERSIGN_SECRET_KEY", raising=False)
    monkeypatch.setenv("COUNTERSIGN_DEVELOPMENT", "False")
    settings = {key: value for key, value in app_config.items() if key not in ("SECRET_KEY", "TESTING")}
    with pytest.raises(MissingSecretKey):
        create_app(settings)


def test_in_development_a_key_is_made_and_kept(app_config, monkeypatch):
    monkeypatch.delenv("COUNTERSIGN_SECRET_KEY", raising=False)
    settings = {key: value for key, value in app_config.items() if key not in ("SECRET_KEY", "TESTING")}
    first = create_app({**settings, "DEVELOPMENT": "true"})
    second = create_app({**settings, "DEVELOPMENT": "true"})
    assert first.config["SECRET_KEY"] and first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    for app in (first, second):
        app.extensions["countersign.engine"].dispose()


def _flask(*args: str, env: dict) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("COUNTERSIGN_")}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


def test_a_worker_started_without_a_secret_key_stops_and_says_what_to_set(tmp_path):
    result = _flask("worker", env={"COUNTERSIGN_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    assert result.returncode != 0
    assert "COUNTERSIGN_SECRET_KEY is not set" in result.stdout + result.stderr


def test_the_production_command_is_given_the_key_and_starts(tmp_path):
    result = _flask("migrate", env={"COUNTERSIGN_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
                                    "COUNTERSIGN_SECRET_KEY": "k" * 64})
    assert result.returncode == 0, result.stdout + result.stderr
