"""The FAQ a youth who is not paired gets answers from: its files, the matching of questions
(pure functions), and the conversation through the real engine.

The end-to-end tests drive the engine with `FaqRouter`, a stand-in for the youth router's
wiring of `conversations.youth.faq` (the lead wires it into `account.on_message`): FAQ buttons
first, `/faq [text]`, free text, and what the youth router says otherwise.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.container import Services, TemplateLabels
from bot.i18n import LOCALES
from bot.settings import DEFAULT_TEMPLATES_DIR
from conversations.core import codec
from conversations.core.engine import Engine
from conversations.core.messages import Channel, Kind
from conversations.core.turn import Turn
from conversations.youth import faq
from storage.models import ConversationState, SupportRequest
from tests.fakes.transcript import Person

FAQ = faq.load(faq.DEFAULT_FAQ_DIR)
TEMPLATES = Path(DEFAULT_TEMPLATES_DIR)

# Questions as youths write them, and the entry that answers each: what `faq.THRESHOLD` was
# chosen on, with `UNANSWERED`. About half differ from every phrasing of the FAQ files even
# once the words the matching ignores are left out.
FRENCH = [
    ("c'est quoi un mentor ?", "mentor"),
    ("c koi un mentor", "mentor"),
    ("C quoi le mentorat exactement ?", "mentor"),
    ("Ça sert à quoi d'avoir un mentor ?", "mentor"),
    ("on se voit combien de fois par mois ?", "meetings"),
    ("on se rencontre en visio ?", "meetings"),
    ("Ca dure longtemps ?", "duration"),
    ("le mentorat dure combien de mois ?", "duration"),
    ("combien ça coûte", "cost"),
    ("c gratuit ?", "cost"),
    ("Bonjour, je voulais savoir si c'est payant ?", "cost"),
    ("quelles conditions pour participer ?", "eligibility"),
    ("j'ai 31 ans je peux m'inscrire", "eligibility"),
    ("je suis boursier ça compte ?", "scholarship"),
    ("j'avais une bourse crous", "scholarship"),
    ("j'habite en Guadeloupe, c'est possible ?", "overseas"),
    ("combien de temps pour valider mon inscription", "registration_delay"),
    ("quand vais-je avoir la réponse pour mon dossier ?", "registration_delay"),
    ("Quand est ce que je vais avoir un mentor ?", "pairing"),
    ("ça fait longtemps que j'attends mon mentor", "pairing"),
    ("mon mentor ne répond pas", "mentor_silent"),
    ("mon mentor me répond jamais", "mentor_silent"),
    ("ma mentor ne me répond pas depuis 2 semaines", "mentor_silent"),
    ("Je voudrais changer de mentor svp", "change_mentor"),
    ("je veux arreter", "stop"),
    ("vous faites quoi avec mes données ?", "data"),
    ("qui peut voir mes infos ?", "data"),
    ("Y a des événements bientôt ?", "events"),
    ("il y a des ateliers CV ?", "events"),
    ("je veux parler a un humain", "human"),
    ("t'es un robot ?", "human"),
]
ENGLISH = [
    ("what's mentoring", "mentor"),
    ("what does a mentor actually do?", "mentor"),
    ("how often do we see each other", "meetings"),
    ("how long does it last", "duration"),
    ("How long does it last?", "duration"),
    ("Is it free?", "cost"),
    ("do I need to pay anything?", "cost"),
    ("am I eligible?", "eligibility"),
    ("what are the requirements to join?", "eligibility"),
    ("I got a CROUS grant", "scholarship"),
    ("is it open in Martinique?", "overseas"),
    ("how long until you answer my application", "registration_delay"),
    ("when do I get my mentor", "pairing"),
    ("how do you pick my mentor?", "pairing"),
    ("my mentor doesn't answer", "mentor_silent"),
    ("my mentor hasn't replied for weeks", "mentor_silent"),
    ("I'd like another mentor", "change_mentor"),
    ("how do I quit the programme", "stop"),
    ("what do you do with my data", "data"),
    ("who sees my information?", "data"),
    ("any events coming up?", "events"),
    ("can I talk to a human", "human"),
]
# Keywords typed alone.
KEYWORDS = [
    ("mentor", "mentor"),
    ("gratuit", "cost"),
    ("prix", "cost"),
    ("durée", "duration"),
    ("boursier", "scholarship"),
    ("rgpd ?", "data"),
]
# Questions the FAQ does not answer, and small talk.
UNANSWERED = [
    "quelle est la capitale du Pérou ?",
    "what is the capital of Peru",
    "combien font 2+2",
    "j'ai un entretien demain",
    "comment faire un cv",
    "je cherche un stage",
    "tu aimes le foot ?",
    "quel temps fait-il demain",
    "raconte moi une blague",
    "je m'appelle Inès",
    "mon mentor est super",
    "merci pour ta réponse",
    "how do I cook pasta",
    "I'm happy",
    "what time is it",
    "salut ça va",
    "bonne journée",
    "je suis à Lyon",
    "I live in Lyon",
    "quelle est la capitale de la France",
]
NOT_QUESTIONS = ["", "   ", "ok", "?", "!!", "👍", "😀😀😀", "🙏 🙏", "a", "??!"]


# ------------------------------------------------------------------ the files


def test_the_faq_covers_what_youths_ask() -> None:
    ids = set(FAQ.ids("fr"))
    assert len(ids) >= 12
    assert {
        "mentor",
        "duration",
        "cost",
        "pairing",
        "data",
        "events",
        "mentor_silent",
        "eligibility",
        "registration_delay",
        "change_mentor",
        "stop",
        "scholarship",
        "overseas",
    } <= ids


def test_both_locales_have_the_same_entries() -> None:
    files = {
        locale: tomllib.loads((faq.DEFAULT_FAQ_DIR / f"{locale}.toml").read_text("utf-8"))
        for locale in LOCALES
    }
    ids = {locale: [entry["id"] for entry in data["entry"]] for locale, data in files.items()}
    assert sorted(ids["fr"]) == sorted(ids["en"])
    assert len(set(ids["fr"])) == len(ids["fr"])
    for data in files.values():
        assert all(len(entry["questions"]) >= 5 for entry in data["entry"])


@pytest.mark.parametrize("locale", LOCALES)
def test_every_entry_has_its_answer_and_its_topic_button(locale: str) -> None:
    for entry_id in FAQ.ids(locale):
        assert (TEMPLATES / locale / "faq" / f"{entry_id}.j2").is_file(), entry_id
        assert (TEMPLATES / locale / "choice" / "faq" / "topic" / f"{entry_id}.j2").is_file()
        codec.encode(faq.ACTION, value=f"t.{entry_id}")  # fits in a button


def test_the_faq_messages_exist_in_both_languages() -> None:
    for locale in LOCALES:
        for key in ("index", "unknown", "which", "glad", "not_asked"):
            assert (TEMPLATES / locale / "faq" / f"{key}.j2").is_file()
        for key in ("ok", "human", "yes", "no"):
            assert (TEMPLATES / locale / "choice" / "faq" / f"{key}.j2").is_file()


def test_the_faq_speaks_to_youths_with_tu() -> None:
    files = sorted((TEMPLATES / "fr" / "faq").rglob("*.j2"))
    files += sorted((TEMPLATES / "fr" / "choice" / "faq").rglob("*.j2"))
    said = {path.name: path.read_text("utf-8") for path in files}
    formal = re.compile(r"\b(?:vous|votre|vos)\b", re.IGNORECASE)
    assert {name for name, text in said.items() if formal.search(text)} == set()


def _write(directory: Path, fr: str, en: str | None = None) -> Path:
    directory.mkdir(exist_ok=True)
    (directory / "fr.toml").write_text(fr, encoding="utf-8")
    (directory / "en.toml").write_text(fr if en is None else en, encoding="utf-8")
    return directory


MATCHING = '[matching]\nignored_words = ["le", "la", "c", "est", "quoi", "the", "what", "is"]\n'


def _entry(entry_id: str, *questions: str) -> str:
    phrasings = ", ".join(f'"{q}"' for q in questions)
    return f'[[entry]]\nid = "{entry_id}"\nquestions = [{phrasings}]\n'


@pytest.mark.parametrize(
    ("fr", "en", "error"),
    [
        pytest.param(
            MATCHING + _entry("cost", "prix"),
            MATCHING + _entry("price", "price"),
            r"entries differ from fr\.toml \(missing: cost; not in fr\.toml: price\)",
            id="ids differ",
        ),
        pytest.param(
            MATCHING + _entry("cost", "prix") + _entry("cost", "tarif"),
            None,
            "'cost' is used twice",
            id="same id twice",
        ),
        pytest.param(MATCHING + _entry("Cost", "prix"), None, "id 'Cost' must be", id="bad id"),
        pytest.param(
            MATCHING + _entry("unknown", "prix"), None, "not one of", id="a message's name"
        ),
        pytest.param(
            MATCHING + _entry("cost", "c'est quoi"), None, "no word left", id="only ignored"
        ),
        pytest.param(
            MATCHING + '[[entry]]\nid = "cost"\nquestions = ["prix"]\nanswer = "x"\n',
            None,
            "needs exactly 'id' and 'questions'",
            id="unknown key",
        ),
        pytest.param(_entry("cost", "prix"), None, r"\[matching\] table", id="no matching"),
        pytest.param(MATCHING + "[[entry", None, "not valid TOML", id="not TOML"),
    ],
)
def test_a_wrong_faq_file_is_refused_by_name(
    tmp_path: Path, fr: str, en: str | None, error: str
) -> None:
    with pytest.raises(faq.FaqError, match=error):
        faq.load(_write(tmp_path / "faq", fr, en))


def test_a_missing_faq_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "fr.toml").write_text(MATCHING + _entry("cost", "prix"), encoding="utf-8")
    with pytest.raises(faq.FaqError, match=r"en\.toml: FAQ file not found"):
        faq.load(tmp_path)


def test_the_faq_is_read_once(tmp_path: Path) -> None:
    directory = _write(tmp_path / "faq", MATCHING + _entry("cost", "prix"))
    first = faq.load(directory)
    (directory / "fr.toml").write_text("not toml at all [", encoding="utf-8")
    assert faq.load(directory) is first


# ------------------------------------------------------------------ matching


@pytest.mark.parametrize(("question", "entry"), FRENCH + ENGLISH + KEYWORDS)
def test_a_question_gets_the_entry_that_answers_it(question: str, entry: str) -> None:
    assert faq.match(FAQ, question) == (entry,)


def test_the_threshold_stands_between_the_answered_and_the_unanswered() -> None:
    answered = [faq.scores(FAQ, q)[0][1] for q, _ in FRENCH + ENGLISH + KEYWORDS]
    unanswered = [max((s for _, s in faq.scores(FAQ, q)), default=0.0) for q in UNANSWERED]
    assert max(unanswered) < faq.THRESHOLD <= min(answered)


def test_there_are_at_least_ten_questions_per_language() -> None:
    assert len(FRENCH) >= 10
    assert len(ENGLISH) >= 10


@pytest.mark.parametrize("question", UNANSWERED)
def test_a_question_the_faq_does_not_answer_matches_nothing(question: str) -> None:
    assert faq.match(FAQ, question) == ()


@pytest.mark.parametrize("text", NOT_QUESTIONS)
def test_emoji_and_very_short_texts_are_not_questions(text: str) -> None:
    assert faq.is_too_short(text)
    assert faq.match(FAQ, text) == ()


def test_a_question_in_either_language_finds_the_same_entry() -> None:
    assert faq.match(FAQ, "c'est gratuit ?") == faq.match(FAQ, "is it free?") == ("cost",)


def test_equally_close_entries_are_all_offered(tmp_path: Path) -> None:
    directory = _write(
        tmp_path / "faq",
        MATCHING
        + _entry("cost", "tarif atelier", "prix")
        + _entry("events", "tarif atelier", "webinaire")
        + _entry("data", "mes donnees"),
    )
    assert faq.match(faq.load(directory), "tarif des ateliers ?") == ("cost", "events")
    assert faq.match(faq.load(directory), "webinaire") == ("events",)


# ------------------------------------------------------------------ the conversation


class FaqRouter:
    """The youth router's wiring of the FAQ, as the lead puts it in `account.on_message`:
    FAQ buttons first (anything else drops an offer waiting), `/faq [text]`, then free text,
    then what the youth router says when nothing answered (`common.idle` here)."""

    staff_only = False

    def claims(self, turn: Turn) -> bool:
        return True

    async def handle(self, turn: Turn) -> None:
        if await faq.intercept(turn):
            return
        incoming = turn.incoming
        if incoming.kind is Kind.COMMAND and incoming.command == "faq":
            if incoming.args.strip():
                await faq.search(turn, incoming.args)
            else:
                faq.ask_index(turn)
            return
        if incoming.kind is Kind.TEXT and await faq.answer(turn):
            return
        turn.say("common.idle")


@pytest.fixture
def faq_services(services: Services) -> Services:
    engine = Engine(
        services.sessions,
        services.clock,
        services.rules,
        services.config,
        {Channel.TELEGRAM: (FaqRouter(),)},
        labels=TemplateLabels(services.renderer),
    )
    return dataclasses.replace(services, engine=engine)


async def _requests(services: Services) -> list[SupportRequest]:
    async with services.sessions() as session:
        return list((await session.scalars(select(SupportRequest))).all())


async def _states(services: Services) -> list[ConversationState]:
    async with services.sessions() as session:
        return list((await session.scalars(select(ConversationState))).all())


async def test_an_answer_then_asking_a_person_sends_the_question_to_the_team(
    faq_services: Services,
) -> None:
    youth = Person(faq_services, "2001")
    said = await youth.says("c'est quoi un mentor ?")
    assert said.keys == ["faq.mentor"]
    assert "bénévolement" in said.text
    assert [label for label, _ in said.buttons] == [
        "Ça répond à ma question",
        "Demander à une personne",
    ]
    said = await youth.presses(said.value_of("personne"))
    assert said.keys == ["human.requested"]
    assert "sous 5 jours ouvrés" in said.text
    [request] = await _requests(faq_services)
    assert (request.kind, request.message) == ("human", "c'est quoi un mentor ?")
    assert await _states(faq_services) == []
    # an open request is not opened twice
    again = await youth.says("combien ça coûte ?")
    said = await youth.presses(again.value_of("personne"))
    assert said.keys == ["human.already_requested"]
    assert len(await _requests(faq_services)) == 1


async def test_that_answers_it_closes_the_offer(faq_services: Services) -> None:
    youth = Person(faq_services, "2002")
    said = await youth.says("Combien de temps dure le mentorat ?")
    assert said.keys == ["faq.duration"]
    said = await youth.presses(said.value_of("répond"))
    assert said.keys == ["faq.glad"]
    assert await _states(faq_services) == []
    assert await _requests(faq_services) == []


async def test_a_question_without_an_answer_is_offered_to_the_team(
    faq_services: Services,
) -> None:
    youth = Person(faq_services, "2003")
    said = await youth.says("quelle est la capitale du Pérou ?")
    assert said.keys == ["faq.unknown"]
    assert "Je ne sais pas" in said.text
    assert [label for label, _ in said.buttons] == ["Oui, demande à l'équipe", "Non merci"]
    said = await youth.presses(said.value_of("oui"))
    assert said.keys == ["human.requested"]
    [request] = await _requests(faq_services)
    assert request.message == "quelle est la capitale du Pérou ?"


async def test_no_thanks_sends_nothing(faq_services: Services) -> None:
    youth = Person(faq_services, "2004")
    said = await youth.says("tu connais un bon restaurant près de la gare ?")
    said = await youth.presses(said.value_of("non"))
    assert said.keys == ["faq.not_asked"]
    assert await _requests(faq_services) == []
    assert await _states(faq_services) == []


async def test_a_question_too_long_is_not_cut_behind_the_youth_s_back(
    faq_services: Services,
) -> None:
    youth = Person(faq_services, "2005")
    said = await youth.says("pourquoi " + "x" * 1000)
    assert said.keys == ["common.idle"]  # too long to be a question: not the FAQ's
    said = await youth.command("faq", "pourquoi " + "x" * 5000)
    assert said.keys == ["human.too_long"]
    assert await _requests(faq_services) == []


@pytest.mark.parametrize("text", ["👍", "ok", "merci", "lol"])
async def test_what_is_not_a_question_is_left_to_the_youth_router(
    faq_services: Services, text: str
) -> None:
    said = await Person(faq_services, "2006").says(text)
    assert said.keys == ["common.idle"]


async def test_a_sticker_is_left_to_the_youth_router(faq_services: Services) -> None:
    said = await Person(faq_services, "2007").sends_sticker()
    assert said.keys == ["common.idle"]


async def test_the_answer_comes_in_the_youths_language_whatever_the_question_s(
    faq_services: Services,
) -> None:
    english = Person(faq_services, "2008", language="en")
    said = await english.says("c'est gratuit ?")
    assert said.keys == ["faq.cost"]
    assert said.replies[0].locale == "en"
    assert "It is free" in said.text
    french = Person(faq_services, "2009", language="fr")
    said = await french.says("how long does the mentoring last?")
    assert said.keys == ["faq.duration"]
    assert "Il n'y a pas de durée fixe" in said.text


async def test_the_answers_say_the_programme_s_settings(faq_services: Services) -> None:
    youth = Person(faq_services, "2010")
    said = await youth.says("qui peut s'inscrire au programme ?")
    assert "moins de 30 ans" in said.text
    assert "Bac+3" in said.text
    said = await youth.says("quand est-ce que j'aurai un mentor ?")
    assert "3 semaines" in said.text


async def test_faq_alone_lists_the_topics_and_a_topic_gives_its_answer(
    faq_services: Services,
) -> None:
    youth = Person(faq_services, "2011")
    said = await youth.command("faq")
    assert said.keys == ["faq.index"]
    assert len(said.buttons) == len(FAQ.ids("fr"))
    said = await youth.presses(said.value_of("Combien ça coûte"))
    assert said.keys == ["faq.cost"]
    said = await youth.presses(said.value_of("personne"))
    assert said.keys == ["human.requested"]
    [request] = await _requests(faq_services)
    assert request.message == "Combien ça coûte ?"  # the topic tells the team what it was


async def test_faq_with_text_searches_the_faq(faq_services: Services) -> None:
    youth = Person(faq_services, "2012")
    said = await youth.command("faq", "mes données")
    assert said.keys == ["faq.data"]
    said = await youth.command("faq", "lol")  # said to the FAQ: offered to the team
    assert said.keys == ["faq.unknown"]
    said = await youth.command("faq", "👍")
    assert said.keys == ["faq.index"]


async def test_writing_something_else_drops_the_offer(faq_services: Services) -> None:
    youth = Person(faq_services, "2013")
    await youth.says("quelle est la capitale du Pérou ?")
    [state] = await _states(faq_services)
    assert (state.flow, state.data["question"]) == ("faq", "quelle est la capitale du Pérou ?")
    said = await youth.says("👍")
    assert said.keys == ["common.idle"]
    assert await _states(faq_services) == []
    # the old button still asks the team, without the question it no longer holds
    said = await youth.presses(codec.encode(faq.ACTION, value="human"))
    assert said.keys == ["human.requested"]
    [request] = await _requests(faq_services)
    assert request.message is None


@pytest.mark.parametrize("value", ["t.nothing", "maybe", "t."])
async def test_a_faq_button_the_bot_did_not_make_is_stale(
    faq_services: Services, value: str
) -> None:
    said = await Person(faq_services, "2014").presses(codec.encode(faq.ACTION, value=value))
    assert said.keys == ["common.stale_button"]


async def test_a_question_close_to_several_topics_lets_the_youth_pick(
    faq_services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = _write(
        tmp_path / "faq",
        MATCHING
        + _entry("cost", "tarif atelier", "prix")
        + _entry("events", "tarif atelier", "webinaire"),
    )
    # the FAQ used when the settings give no folder (`ProgrammeConfig.faq_dir` is None)
    monkeypatch.setattr(faq, "DEFAULT_FAQ_DIR", directory)
    youth = Person(faq_services, "2015")
    said = await youth.says("le tarif des ateliers ?")
    assert said.keys == ["faq.which"]
    assert [label for label, _ in said.buttons] == [
        "Combien ça coûte ?",
        "Les événements",
        "Demander à une personne",
    ]
    said = await youth.presses(said.value_of("événements"))
    assert said.keys == ["faq.events"]
    said = await youth.presses(said.value_of("personne"))
    [request] = await _requests(faq_services)
    assert request.message == "le tarif des ateliers ?"
