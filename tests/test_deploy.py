"""The production compose file is valid and wires the app the way the README says."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = shutil.which("docker-compose")


@pytest.mark.skipif(COMPOSE is None, reason="Debian's docker-compose is not installed (.ci/run installs it)")
def test_compose_file_is_valid_and_migrates_before_serving() -> None:
    env = {**os.environ, "EVENTS_SECRET_KEY": "a-production-secret-of-enough-length-0123456789"}
    result = subprocess.run(
        [str(COMPOSE), "-f", str(ROOT / "docker-compose.yml"), "config"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    config = result.stdout
    assert "image: postgres:16" in config
    assert "service_completed_successfully" in config
    assert "postgresql+asyncpg://events:" in config


@pytest.mark.skipif(COMPOSE is None, reason="Debian's docker-compose is not installed (.ci/run installs it)")
def test_compose_refuses_to_start_without_a_secret_key() -> None:
    env = {k: v for k, v in os.environ.items() if k != "EVENTS_SECRET_KEY"}
    result = subprocess.run(
        [str(COMPOSE), "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
        env=env, capture_output=True, text=True, check=False, cwd="/",
    )  # fmt: skip
    assert result.returncode != 0
    assert "EVENTS_SECRET_KEY" in result.stderr
