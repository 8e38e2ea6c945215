"""Configuration comes from EVENTS_* variables, with defaults that run the embedded mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from events_app.settings import Settings, SettingsError


def test_no_configuration_means_sqlite_in_var_and_a_kept_secret(tmp_path: Path) -> None:
    first = Settings.from_env({"EVENTS_VAR_DIR": str(tmp_path)})
    assert first.database_url == f"sqlite+aiosqlite:///{tmp_path}/events.sqlite3"
    assert first.smtp_host == ""
    again = Settings.from_env({"EVENTS_VAR_DIR": str(tmp_path)})
    assert again.secret_key == first.secret_key  # sessions survive a restart
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_settings_are_read_from_the_environment(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "EVENTS_VAR_DIR": str(tmp_path),
            "EVENTS_DATABASE_URL": "postgresql+asyncpg://events@db/events",
            "EVENTS_SECRET_KEY": "s" * 40,
            "EVENTS_BASE_URL": "https://events.example.org/",
            "EVENTS_SMTP_HOST": "smtp.example.org",
            "EVENTS_SMTP_PORT": "2525",
            "EVENTS_DEBUG": "no",
            "EVENTS_SCANNER_DEADLINE_MS": "2500",
        }
    )
    assert not settings.is_sqlite
    assert settings.base_url == "https://events.example.org"
    assert settings.cookie_secure
    assert settings.smtp_port == 2525
    assert settings.scanner_deadline_ms == 2500
    assert "s" * 40 not in repr(settings)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("EVENTS_SECRET_KEY", "short", "at least 32"),
        ("EVENTS_SMTP_PORT", "twenty-five", "whole number"),
        ("EVENTS_LOG_JSON", "maybe", "true or false"),
        ("EVENTS_SCANNER_DEADLINE_MS", "0", "positive number of milliseconds"),
    ],
)
def test_a_bad_value_is_refused_with_its_name(tmp_path: Path, name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({"EVENTS_VAR_DIR": str(tmp_path), name: value})
