"""Settings: defaults work, a wrong value gives an error naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import SettingsError, TelegramMode, load_settings

TOKEN = "123456789:" + "A" * 35


def test_defaults_need_nothing() -> None:
    settings = load_settings(_env_file=None)
    assert settings.database_url.startswith("sqlite+aiosqlite://")
    assert settings.telegram_bot_token is None
    assert settings.telegram_mode is TelegramMode.POLLING
    assert str(settings.zone) == "Europe/Paris"


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"TELEGRAM_BOT_TOKEN": "changeme"}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": "not a token"}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_API_BASE_URL": "api.telegram.org"}, "TELEGRAM_API_BASE_URL"),
        ({"MENTORBOT_DATABASE_URL": "mysql://x"}, "MENTORBOT_DATABASE_URL"),
        ({"MENTORBOT_TIMEZONE": "Mars/Olympus"}, "MENTORBOT_TIMEZONE"),
        ({"MENTORBOT_HTTP_PORT": "99999"}, "MENTORBOT_HTTP_PORT"),
        ({"TELEGRAM_WEBHOOK_SECRET": "has spaces"}, "TELEGRAM_WEBHOOK_SECRET"),
        (
            {"TELEGRAM_MODE": "webhook", "TELEGRAM_WEBHOOK_URL": "https://x.fr/t"},
            "TELEGRAM_WEBHOOK_SECRET",
        ),
        ({"TELEGRAM_MODE": "carrier-pigeon"}, "TELEGRAM_MODE"),
    ],
)
def test_a_bad_setting_is_named(overrides: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError) as error:
        load_settings(_env_file=None, **overrides)
    assert named in str(error.value)


def test_env_file_is_read_and_empty_values_mean_default(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(
        f"TELEGRAM_BOT_TOKEN={TOKEN}\nMENTORBOT_RULES_FILE=\nMENTORBOT_TIMEZONE=Indian/Reunion\n"
    )
    settings = load_settings(_env_file=str(env))
    assert settings.telegram_bot_token is not None
    assert settings.telegram_bot_token.get_secret_value() == TOKEN
    assert settings.rules_file.name == "eligibility.toml"
    assert str(settings.zone) == "Indian/Reunion"
    assert TOKEN not in repr(settings)  # the token never shows in logs
