"""Templates: the same keys in French and English, every key the code uses exists, user
text is never interpreted."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.i18n import TemplateRenderer, region_name, to_plain, to_slack
from bot.settings import DEFAULT_TEMPLATES_DIR
from conversations.core.messages import Channel, Choice, Reply

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def renderer() -> TemplateRenderer:
    from zoneinfo import ZoneInfo

    return TemplateRenderer(DEFAULT_TEMPLATES_DIR, ZoneInfo("Europe/Paris"))


def test_every_key_exists_in_both_locales(renderer: TemplateRenderer) -> None:
    french, english = renderer.keys("fr"), renderer.keys("en")
    assert len(french) > 50
    assert french - english == set(), "keys missing in English"
    assert english - french == set(), "keys missing in French"


def test_every_literal_key_in_the_code_has_a_template(renderer: TemplateRenderer) -> None:
    keys = renderer.keys("fr")
    used: set[str] = set()
    pattern = re.compile(r"""(?:say|Reply|Choice)\(\s*f?["']([a-z_]+\.[a-z_.]+)["']""")
    for folder in ("conversations", "handlers", "bot", "scheduler"):
        for path in (ROOT / folder).rglob("*.py"):
            used.update(pattern.findall(path.read_text(encoding="utf-8")))
    assert used, "the pattern found no key: it is broken"
    assert used - keys == set()


@pytest.mark.parametrize("name", ["<b>Inès</b>", "a_b*c", "{{ 7*7 }}", "&amp; <!channel>"])
def test_person_text_is_shown_literally(renderer: TemplateRenderer, name: str) -> None:
    reply = Reply("privacy.accepted", {"name": name}, locale="fr")
    telegram = renderer.render(reply, Channel.TELEGRAM).text
    console = renderer.render(reply, Channel.CONSOLE).text
    slack = renderer.render(reply, Channel.SLACK).text
    assert name in console
    assert "49" not in console
    assert "<b>Inès</b>" not in telegram
    assert "<!channel>" not in telegram
    assert "<!channel>" not in slack
    assert "<b>" not in slack


def test_buttons_are_plain_text_in_rows(renderer: TemplateRenderer) -> None:
    reply = Reply(
        "common.choose_language",
        choices=(
            Choice("choice.language.fr", "lang:fr"),
            Choice("choice.raw", "x", {"label": "<i>"}),
        ),
        columns=1,
        locale="en",
    )
    rendered = renderer.render(reply, Channel.TELEGRAM)
    assert rendered.buttons == ((("🇫🇷 Français", "lang:fr"),), (("<i>", "x"),))


def test_each_button_says_its_own_words_in_each_language(renderer: TemplateRenderer) -> None:
    """Labels are rendered once per key, language, channel and values: two buttons of the
    same key with other values, or the same key in another language, never share one."""

    def labels(locale: str, *names: str) -> list[str]:
        choices = tuple(Choice("choice.raw", f"p:{n}", {"label": n}) for n in names)
        reply = Reply("common.choose_language", choices=choices, locale=locale)
        return [
            label for row in renderer.render(reply, Channel.TELEGRAM).buttons for label, _ in row
        ]

    assert labels("fr", "Inès", "Karim") == ["Inès", "Karim"]
    assert labels("fr", "Karim", "Inès", "Karim") == ["Karim", "Inès", "Karim"]
    french = Reply("common.choose_language", choices=(Choice("choice.qpv.unknown", "q"),))
    english = Reply(
        "common.choose_language", choices=(Choice("choice.qpv.unknown", "q"),), locale="en"
    )
    assert renderer.render(french, Channel.TELEGRAM).buttons == ((("Je ne sais pas", "q"),),)
    assert renderer.render(english, Channel.TELEGRAM).buttons == ((("I don't know", "q"),),)
    dated = Choice("choice.raw", "d", {"label": date(2026, 3, 1)})  # not cached: rendered
    shown = renderer.render(Reply("common.choose_language", choices=(dated,)), Channel.TELEGRAM)
    assert shown.buttons == ((("2026-03-01", "d"),),)


def test_each_question_says_its_own_number_and_rules(renderer: TemplateRenderer) -> None:
    """Texts whose values are numbers and the rules' figures are rendered once per key,
    language, channel and values: a kept text never answers for other values."""

    def question(
        number: int, minimum: str, locale: str = "fr", channel: Channel = Channel.TELEGRAM
    ) -> str:
        context = {
            "again": False,
            "number": number,
            "total": 8,
            "rules": {"diploma_minimum": minimum},
        }
        return renderer.render(
            Reply("eligibility.ask_diploma", context, locale=locale), channel
        ).text

    first = question(1, "bac3")
    assert "Question 1/8" in first
    assert question(1, "bac3") == first
    assert "Question 2/8" in question(2, "bac3")
    assert question(1, "bac5") != first
    assert "Question 1/8" in question(1, "bac3", "en")
    assert "Ton diplôme" not in question(1, "bac3", "en")
    assert "<b>" in first
    assert "<b>" not in question(1, "bac3", channel=Channel.CONSOLE)
    # a text naming someone is rendered for that name each time
    for name, other in (("Inès", "Karim"), ("Karim", "Inès"), ("Inès", "Karim")):
        accepted = renderer.render(Reply("privacy.accepted", {"name": name}), Channel.CONSOLE).text
        assert name in accepted
        assert other not in accepted


def test_markup_conversions() -> None:
    assert (
        to_slack('<b>Hi</b> <a href="https://x.fr">x</a> &lt;@U1&gt;')
        == "*Hi* <https://x.fr|x> &lt;@U1&gt;"
    )
    assert to_plain("<b>Hi</b> &lt;3 &amp; co") == "Hi <3 & co"


def test_dates_are_written_in_the_persons_language(renderer: TemplateRenderer) -> None:
    when = datetime(2026, 3, 1, 12, tzinfo=UTC)
    fr = renderer.text("human.already_requested", "fr", Channel.CONSOLE, {"since": when})
    en = renderer.text("human.already_requested", "en", Channel.CONSOLE, {"since": when})
    assert "1er mars 2026" in fr
    assert "1 March 2026" in en


def _filtered(renderer: TemplateRenderer, source: str, locale: str, **values: object) -> str:
    template = renderer.env.from_string(source)
    return template.render(**values, _locale=locale, _channel=Channel.CONSOLE.value)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("idf", "Île-de-France"),
        ("ARA", "Auvergne-Rhône-Alpes"),
        ("ile de france", "Île-de-France"),  # typed by staff on the command line
        ("Provence-Alpes-Côte d'Azur", "Provence-Alpes-Côte d'Azur"),
        ("Atlantis", "Atlantis"),
        (None, ""),
    ],
)
def test_regions_are_shown_by_name(value: str | None, shown: str) -> None:
    assert region_name(value) == shown


def test_a_mentor_is_told_the_region_name_not_its_code(renderer: TemplateRenderer) -> None:
    context = {"name": "Claire", "mentee": "Inès", "field": "finance", "region": "idf"}
    for channel in Channel:
        text = renderer.text("mentor.pairing_intro", "fr", channel, context)
        assert "Région : Île-de-France." in text
        assert "idf" not in text


@pytest.mark.parametrize(
    ("source", "fr", "en"),
    [
        ("{{ 'bac5'|diploma_label }}", "Bac+5 (master, école)", "Bac+5 (master, grande école)"),
        ("{{ 'job_seeker'|situation_label }}", "Je cherche un emploi", "I'm looking for a job"),
        ("{{ 'further_studies'|outcome_label }}", "Reprise d'études", "Further studies"),
        ("{{ 'cdi'|contract_label }}", "CDI", "Permanent (CDI)"),
        ("{{ 'no'|at_level_label }}", "Non", "No"),
        ("{{ 'gave_up'|close_reason_label }}", "abandon", "gave up"),
        ("{{ 'idf'|region_name }}", "Île-de-France", "Île-de-France"),
        ("{{ 'not_a_code'|contract_label }}", "not_a_code", "not_a_code"),
        ("{{ none|diploma_label }}", "", ""),
        ("{{ '2026-03'|month }}", "mars 2026", "March 2026"),
    ],
)
def test_codes_are_shown_as_words(
    renderer: TemplateRenderer, source: str, fr: str, en: str
) -> None:
    assert _filtered(renderer, source, "fr") == fr
    assert _filtered(renderer, source, "en") == en


@pytest.mark.parametrize(
    ("value", "fr", "en"),
    [
        (date(2026, 12, 1), "1er décembre 2026", "1 December 2026"),
        (date(2026, 12, 11), "11 décembre 2026", "11 December 2026"),
        (date(2027, 1, 21), "21 janvier 2027", "21 January 2027"),
        # contexts queued in the outbox are JSON: dates come back as ISO text
        ("2027-01-07", "7 janvier 2027", "7 January 2027"),
        ("2026-12-01T09:00:00+00:00", "1er décembre 2026", "1 December 2026"),
        # the day in the programme's time zone, not in UTC
        (datetime(2026, 11, 30, 23, 30, tzinfo=UTC), "1er décembre 2026", "1 December 2026"),
        (None, "", ""),
    ],
)
def test_dates_read_as_people_write_them(
    renderer: TemplateRenderer, value: object, fr: str, en: str
) -> None:
    assert _filtered(renderer, "{{ value|date }}", "fr", value=value) == fr
    assert _filtered(renderer, "{{ value|date }}", "en", value=value) == en


def test_date_and_time_read_as_people_write_them(renderer: TemplateRenderer) -> None:
    when = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    assert _filtered(renderer, "{{ when|datetime }}", "fr", when=when) == "1er décembre 2026, 00:30"
    assert _filtered(renderer, "{{ when|datetime }}", "en", when=when) == "1 December 2026, 00:30"


def test_a_staff_alert_shows_the_start_date_and_contract_in_words(
    renderer: TemplateRenderer,
) -> None:
    context = {
        "pairing": 7,
        "mentee": "Inès",
        "contract": "cdd_6m_plus",
        "at_level": "yes",
        "start": "2027-01-07",
    }
    text = renderer.text("staff.youth_outcome", "fr", Channel.SLACK, context)
    assert "Début : 7 janvier 2027" in text
    assert "Contrat : CDD de 6 mois ou plus" in text
    assert "2027-01-07" not in text
    assert "🚨" not in text
