"""Reading a partner's spreadsheet: encodings, delimiters, French and English headers, and
every bad input the issue names, each with the line the spreadsheet shows and a reason;
then the same records checked against the database (duplicates, re-imports)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.container import Services
from conversations.staff import import_plan
from conversations.staff.imports import FileError, Parsed, People, Rejection, read
from storage import applications
from storage.imports import NewMentor, NewYouth
from tests.conftest import START
from tests.fakes.mentoring import make_mentor, make_youth

TODAY = date(2026, 11, 2)


def mentors(text: str, encoding: str | None = None, *, coding: str = "utf-8") -> Parsed:
    return read(text.encode(coding), People.MENTORS, today=TODAY, encoding=encoding)


def youths(text: str, encoding: str | None = None, *, coding: str = "utf-8") -> Parsed:
    return read(text.encode(coding), People.YOUTHS, today=TODAY, encoding=encoding)


def only_mentor(parsed: Parsed) -> NewMentor:
    assert parsed.rejections == ()
    [record] = parsed.records
    assert isinstance(record.person, NewMentor)
    return record.person


def only_youth(parsed: Parsed) -> NewYouth:
    assert parsed.rejections == ()
    [record] = parsed.records
    assert isinstance(record.person, NewYouth)
    return record.person


def rejected(parsed: Parsed) -> list[tuple[int, str, str]]:
    return [(r.line, r.reason, r.column) for r in parsed.rejections]


# ---------------------------------------------------------------- encodings, delimiters


def test_a_french_excel_export_semicolons_windows_1252_and_french_headers() -> None:
    text = (
        "Courriel;Prénom;Entreprise;Région;Capacité;Langues;À distance\r\n"
        "helene@acme.fr;Hélène;Société Générale;Île-de-France;2;français, anglais;non\r\n"
    )
    parsed = mentors(text, coding="cp1252")

    assert (parsed.encoding, parsed.delimiter) == ("cp1252", ";")
    assert only_mentor(parsed) == NewMentor(
        email="helene@acme.fr",
        first_name="Hélène",
        company="Société Générale",
        region="idf",
        capacity=2,
        languages=("fr", "en"),
        remote=False,
    )


def test_utf8_with_a_byte_order_mark_and_commas() -> None:
    data = "\ufeffEmail,First name,Slack ID\nclaire@acme.example,Claire,uclaire\n".encode()
    parsed = read(data, People.MENTORS, today=TODAY)

    assert (parsed.encoding, parsed.delimiter) == ("utf-8", ",")
    mentor = only_mentor(parsed)
    assert (mentor.first_name, mentor.slack_id) == ("Claire", "UCLAIRE")


def test_headers_ignore_case_accents_and_punctuation_and_unknown_ones_are_said() -> None:
    parsed = youths(
        "E-MAIL;PRENOM;Date de naissance;Diplôme;Filière;Partenaire;Téléphone\n"
        "ines@example.fr;Inès;12/03/2001;Bac+5;Contrôle de gestion;Mission Locale Paris;06\n"
    )

    youth = only_youth(parsed)
    assert youth.source == "Mission Locale Paris"
    assert youth.answers == {
        "birth_date": "2001-03-12",
        "diploma": "bac5",
        "field": "Contrôle de gestion",
        "email": "ines@example.fr",
    }
    assert parsed.notices == {"ignored_columns": {"columns": "Téléphone"}}


def test_a_wrong_encoding_declared_is_refused_with_the_line_and_byte() -> None:
    text = "email;prénom\nines@example.fr;Inès\n"

    with pytest.raises(FileError) as refused:
        mentors(text, "utf-8", coding="cp1252")

    assert refused.value.reason == "undecodable"
    # "prénom" on line 1: é is 0xE9 in Windows-1252, not valid UTF-8
    assert refused.value.values == {"encoding": "utf-8", "line": 1, "byte": "0xE9", "offset": 8}


def test_a_utf8_file_declared_windows_1252_is_read_as_declared_but_said() -> None:
    parsed = mentors("email;first_name\nines@example.fr;Inès\n", "cp1252")

    assert only_mentor(parsed).first_name == "InÃ¨s"  # the operator's encoding wins
    assert parsed.notices["looks_utf8"] == {"encoding": "cp1252"}


def test_an_unknown_encoding_and_a_file_neither_utf8_nor_windows_1252() -> None:
    with pytest.raises(FileError) as unknown:
        mentors("email;first_name\n", "klingon")
    assert unknown.value.reason == "unknown_encoding"

    with pytest.raises(FileError) as neither:
        read(b"email;first_name\nx@y.fr;A\x81\n", People.MENTORS, today=TODAY)
    assert neither.value.reason == "undecodable"
    assert neither.value.values["line"] == 2


def test_utf16_and_empty_files_are_refused() -> None:
    for data, reason in (("email,first_name\n".encode("utf-16"), "utf16"), (b"", "empty")):
        with pytest.raises(FileError) as refused:
            read(data, People.MENTORS, today=TODAY)
        assert refused.value.reason == reason


# ---------------------------------------------------------------- bad input


def test_a_missing_required_column_refuses_the_whole_file_saying_which() -> None:
    with pytest.raises(FileError) as refused:
        youths("email;nom;region\nines@example.fr;Diallo;idf\n")

    assert refused.value.reason == "missing_columns"
    assert refused.value.values == {"columns": "first_name"}


def test_a_column_given_twice_is_refused() -> None:
    with pytest.raises(FileError) as refused:
        mentors("email;prénom;first name\nx@y.fr;A;B\n")
    assert refused.value.values == {"column": "first_name"}


def test_bad_dates_with_the_spreadsheet_line_and_column() -> None:
    parsed = youths(
        "email;prenom;date de naissance\n"
        "a@example.fr;A;31/02/2001\n"
        "b@example.fr;B;2001-03-12\n"
        "c@example.fr;C;demain\n"
        "d@example.fr;D;01/01/2030\n"
        "e@example.fr;E;12/03/2001 00:00\n"
        "f@example.fr;F;01/01/1850\n"
    )

    assert rejected(parsed) == [
        (2, "bad_date", "date de naissance"),
        (4, "bad_date", "date de naissance"),
        (5, "future_date", "date de naissance"),
        (7, "bad_date", "date de naissance"),
    ]
    assert parsed.rejections[0].value == "31/02/2001"
    births = [
        r.person.answers["birth_date"] for r in parsed.records if isinstance(r.person, NewYouth)
    ]
    assert births == ["2001-03-12", "2001-03-12"]


def test_a_person_twice_in_the_file_by_normalised_email() -> None:
    parsed = mentors(
        "email,first_name\nclaire@acme.example,Claire\nsam@acme.example,Sam\n"
        " Claire@ACME.example ,Claire bis\n"
    )

    assert [r.line for r in parsed.records] == [2, 3]
    assert parsed.rejections == (
        Rejection(4, "duplicate_in_file", "email", "claire@acme.example", {"first_line": 2}),
    )


def test_unknown_regions_and_the_ways_a_region_is_written() -> None:
    parsed = mentors(
        "email;first_name;region\n"
        "a@x.fr;A;IDF\nb@x.fr;B;Bretagne\nc@x.fr;C;Lyon\nd@x.fr;D;93\ne@x.fr;E;Atlantide\n"
    )

    regions = [r.person.region for r in parsed.records if isinstance(r.person, NewMentor)]
    assert regions == ["idf", "bre", "ara", "idf"]
    assert rejected(parsed) == [(6, "unknown_region", "region")]


def test_formulas_are_refused_and_other_leading_signs_kept_as_typed() -> None:
    parsed = mentors(
        "email;first_name;company;sector\n"
        'a@x.fr;"=HYPERLINK(""http://evil.example"",""clic"")";Acme;RH\n'
        "b@x.fr;-Marie;@Acme;+RH\n"
        "c@x.fr;Jean;-;--\n"
        "d@x.fr;Zoé;=1+1;RH\n"
    )

    assert rejected(parsed) == [(2, "formula", "first_name"), (5, "formula", "company")]
    people = [r.person for r in parsed.records if isinstance(r.person, NewMentor)]
    kept = [(p.first_name, p.company, p.sector) for p in people]
    # nothing here is ever evaluated; every CSV the product writes neutralises these
    assert kept == [("-Marie", "@Acme", "+RH"), ("Jean", None, None)]


def test_huge_cells_nul_bytes_and_control_characters() -> None:
    parsed = mentors(
        "email;first_name;expertise\n"
        f"a@x.fr;A;{'x' * 5000}\n"
        "b@x.fr;B\x00;RH\n"
        "c@x.fr;C\x1b[31m;RH\n"
        'd@x.fr;D;"RH,\nCV"\n'
    )

    assert rejected(parsed) == [
        (2, "too_long", "expertise"),
        (3, "control_character", "first_name"),
        (4, "control_character", "first_name"),
    ]
    assert parsed.rejections[0].values == {"limit": 300}
    assert len(parsed.rejections[0].value) == 40
    # a line break inside a quoted cell is one spreadsheet row, read as a space
    [record] = parsed.records
    assert (record.line, record.person.expertise) == (5, "RH, CV")  # type: ignore[union-attr]


def test_mentor_cells_capacity_languages_remote_slack_and_email() -> None:
    parsed = mentors(
        "email;first_name;capacity;languages;remote;slack_id\n"
        "a@x.fr;A;0;;;\n"
        "b@x.fr;B;11;;;\n"
        "c@x.fr;C;2.5;;;\n"
        "d@x.fr;D;3;fr / klingon;;\n"
        "e@x.fr;E;;;peut-être;\n"
        "f@x.fr;F;;;;not-slack\n"
        "g@x;G;;;;\n"
        ";H;;;;\n"
        "i@x.fr;;;;;\n"
        "j@x.fr;J;10;EN;Oui;W0123ABC\n"
    )

    assert rejected(parsed) == [
        (2, "bad_capacity", "capacity"),
        (3, "bad_capacity", "capacity"),
        (4, "bad_capacity", "capacity"),
        (5, "bad_language", "languages"),
        (6, "bad_yes_no", "remote"),
        (7, "bad_slack_id", "slack_id"),
        (8, "bad_email", "email"),
        (9, "missing_value", "email"),
        (10, "missing_value", "first_name"),
    ]
    [record] = parsed.records
    assert record.person == NewMentor(
        email="j@x.fr", first_name="J", slack_id="W0123ABC", capacity=10, languages=("en",)
    )


def test_a_row_with_more_cells_than_columns_and_blank_rows() -> None:
    parsed = mentors("email,first_name\n\na@x.fr,Dupont, Marie\n,\nb@x.fr,Sam\n")

    # line numbers are the spreadsheet's: blank rows count, and are skipped
    assert rejected(parsed) == [(3, "too_many_cells", "")]
    assert [r.line for r in parsed.records] == [5]


def test_a_bad_diploma_and_region_for_youths() -> None:
    parsed = youths("email;prenom;diplome;region\na@x.fr;A;cuisinier;idf\nb@x.fr;B;master;Mars\n")

    assert rejected(parsed) == [(2, "bad_diploma", "diplome"), (3, "unknown_region", "region")]


# ---------------------------------------------------------------- against the database


async def test_duplicates_against_the_database_and_a_re_import(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        await make_mentor(session, START, "UCLAIRE")  # registered by hand, email below
        youth = await make_youth(session, START, name="Inès")
        application = await applications.latest(session, youth.id)
        assert application is not None
        application.answers = {**application.answers, "email": "ines@example.fr"}

    mentor_file = mentors(
        "email;first_name;slack_id\n"
        "uclaire@example.org;Claire;\n"
        "sam@acme.example;Sam;UCLAIRE\n"
        "lea@acme.example;Léa;ULEA\n"
        "max@acme.example;Max;ULEA\n"
    )
    youth_file = youths("email;prenom\nINES@example.fr;Inès\nomar@example.fr;Omar\n")
    async with services.sessions() as session, session.begin():
        plan = await import_plan.check(session, mentor_file)
        assert [r.line for r in plan.new] == [4]
        assert [(r.line, r.reason, r.column) for r in plan.rejected] == [
            (2, "already_registered", "email"),
            (3, "slack_id_taken", "slack_id"),
            (5, "duplicate_in_file", "slack_id"),
        ]
        await import_plan.apply(session, plan, by="Camille", now=START)
        youth_plan = await import_plan.check(session, youth_file)
        assert [(r.line, r.reason) for r in youth_plan.rejected] == [(2, "already_registered")]
        applied = await import_plan.apply(session, youth_plan, by="Camille", now=START)
        assert [(link.line, link.first_name) for link in applied.links] == [(3, "Omar")]

    async with services.sessions() as session:
        again = await import_plan.check(session, mentor_file)
        assert (again.new, [r.line for r, _ in again.unchanged]) == ((), [4])
        youths_again = await import_plan.check(session, youth_file)
        assert (youths_again.new, len(youths_again.unchanged)) == ((), 1)
