"""`mentorbot event`: a webinar created from a TOML file or options, announced to a region,
previewed, sent with a progress bar to the stand-in Telegram, reported (CSV cells a
spreadsheet would run are neutralised), attendance marked; bad input refused."""

from __future__ import annotations

import csv
import datetime as dtm
from pathlib import Path

from bot.container import Services
from tests.bot.cli.runner import TUESDAY, run
from tests.fakes import events as fake
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.telegram_api import FakeBotApi

EVENT_TOML = """
title = "Réussir son entretien"
kind = "webinar"
start = 2026-11-12T18:00:00
end = 2026-11-12T19:00:00
zone = "Europe/Paris"
link = "https://visio.example.org/entretien"
capacity = 50
"""
TEMPLATE = "Bonjour {{ first_name }} !\n« {{ title }} », {{ when }}.\n{{ link }}"


async def test_a_webinar_announced_from_the_command_line(
    services: Services,
    env: dict[str, str],
    stand_ins: tuple[FakeBotApi, FakeSlackApi],
    tmp_path: Path,
) -> None:
    telegram, _slack = stand_ins
    async with services.sessions() as session, session.begin():
        ines = await fake.youth(session, TUESDAY, name="Inès")
        formula = await fake.youth(session, TUESDAY, name='=HYPERLINK("http://evil")')
        off = await fake.youth(session, TUESDAY, name="Léa")
        off.announcements_opt_out_at = TUESDAY
        await fake.youth(session, TUESDAY, name="Far", region="bre")
        chat = await fake.chat_of(session, ines.id)
    (tmp_path / "event.toml").write_text(EVENT_TOML, encoding="utf-8")
    (tmp_path / "fr.j2").write_text(TEMPLATE, encoding="utf-8")

    out = await run(env, "event", "create", "--file", "event.toml", "--by", "USTAFF1")
    assert "Created: event 1, Réussir son entretien, 2026-11-12 18:00–19:00 (Europe/Paris)." in out
    out = await run(env, "event", "list")
    assert "Réussir son entretien" in out

    out = await run(env, "event", "announce", "1", "--youths", "--region", "idf", "--fr", "fr.j2")
    assert "Announcement 1 written (draft)." in out
    assert "A youth on Telegram sees:\nBonjour Inès !" in out
    assert "« Réussir son entretien », jeudi 12 novembre 2026, 18 h – 19 h (heure de Paris)." in out
    assert "[Je viens]  [Peut-être]  [Non]" in out
    assert "Reaches 2: 2 on Telegram, 0 on Slack; 1 excluded: 1 opted out." in out

    out = await run(env, "event", "send", "1", "--by", "USTAFF1")
    assert "2 / 2 sent, 0 unreachable" in out
    (text,) = telegram.texts(chat, plain=True)
    assert text.startswith("Bonjour Inès !\n« Réussir son entretien »")

    out = await run(env, "event", "attend", "1", "--people", f"{ines.id},{formula.id}")
    assert "2 people marked as attending event 1" in out
    out = await run(env, "event", "report", "1", "--csv", "recipients.csv")
    assert "│ sent" in out
    lines = {
        line.split("│")[1].strip(): line.split("│")[2].strip()
        for line in out.splitlines()
        if line.count("│") == 3
    }
    assert lines["written to the outbox"] == "2"
    assert lines["sent"] == "2"
    assert lines["pending"] == "0"
    assert lines["excluded: opted out"] == "1"
    assert "attended: 2" in out
    with (tmp_path / "recipients.csv").open(encoding="utf-8") as source:
        rows = list(csv.DictReader(source))
    assert [row["status"] for row in rows] == ["sent", "sent"]
    names = {row["name"] for row in rows}
    assert names == {"Inès", '\'=HYPERLINK("http://evil")'}
    assert {row["attended"] for row in rows} == {"yes"}


async def test_bad_input_is_refused_with_reasons(
    services: Services, env: dict[str, str], tmp_path: Path
) -> None:
    async with services.sessions() as session, session.begin():
        await fake.youth(session, TUESDAY)
    common = ("--kind", "webinar", "--link", "https://visio.example.org/x")
    out = await run(
        env,
        "event",
        "create",
        "--title",
        "Trop tard",
        "--start",
        "2026-11-01 18:00",
        "--end",
        "2026-11-01 19:00",
        *common,
        code=1,
    )
    assert "starts_at: The event would start in the past" in out
    out = await run(
        env,
        "event",
        "create",
        "--title",
        "Complet",
        "--start",
        "2026-11-20 18:00",
        "--end",
        "2026-11-20 19:00",
        "--capacity",
        "0",
        *common,
        code=1,
    )
    assert "capacity: Capacity goes from 1 to 100,000" in out
    for _ in range(2):  # a double click
        out = await run(
            env,
            "event",
            "create",
            "--title",
            "Atelier CV",
            "--start",
            "2026-11-20 18:00",
            "--end",
            "2026-11-20 19:00",
            "--key",
            "form-1",
            *common,
        )
    assert "Already created (same --key): event 1" in out

    out = await run(
        env, "event", "announce", "1", "--youths", "--fr", "Bonjour\n{% if title %}", code=1
    )
    assert "French template, line 2: syntax error" in out
    out = await run(env, "event", "announce", "1", "--youths", "--fr", "{{ nom }}", code=1)
    assert "French template, line 1: unknown variable (nom)." in out
    out = await run(
        env, "event", "announce", "1", "--youths", "--fr", "{{ ''.__class__.__mro__ }}", code=1
    )
    assert "French template, line 1: refused by the sandbox" in out
    out = await run(env, "event", "announce", "1", "--youths", "--region", "bre", "--fr", "Hi")
    assert "Reaches 0" in out
    out = await run(env, "event", "send", "1", code=1)
    assert "This audience reaches nobody" in out
    await run(env, "event", "announce", "1", "--youths", "--fr", "Salut {{ first_name }}")
    out = await run(
        env,
        "event",
        "send",
        "2",
        "--at",
        "2026-11-19 10:00",
        "--not-after",
        "2026-11-18 10:00",
        code=1,
    )
    assert "The sending time must come before the “not after” time." in out
    out = await run(env, "event", "send", "2", "--at", "2026-11-19 10:00")
    assert "scheduled for 2026-11-19 10:00, not after 2026-11-20 18:00 (Europe/Paris)" in out
    out = await run(env, "event", "pause", "2")
    assert "Announcement 2 paused" in out
    out = await run(env, "event", "resume", "2")
    assert "Announcement 2 resumed" in out
    out = await run(env, "event", "cancel", "1", "--by", "USTAFF1")
    assert "Event 1 cancelled; 0 people told." in out
    out = await run(env, "event", "report", "99", code=1)
    assert "No event 99." in out
    out = await run(env, "event", "list", at=TUESDAY + dtm.timedelta(days=30))
    assert "Events (0)" in out
