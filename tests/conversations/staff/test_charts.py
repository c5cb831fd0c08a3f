"""The programme report's figures and charts on the seeded programme: each chart a PNG
matplotlib can read back, legible in size, with words in the reader's language; nothing
drawn for a month with nothing in it; the count tables the funders' export writes; the
quantiles and the month and region words staff type."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from matplotlib.image import imread

from bot.container import Services, TemplateLabels
from conversations.staff import charts
from conversations.staff.charts import CHART_NAMES, Words
from conversations.staff.figures import (
    ProgrammeFigures,
    count_tables,
    last_full_month,
    parse_month,
    programme_figures,
    quantile,
    region_code,
)
from tests.fakes.programme import NOW, seed_programme

PNG = b"\x89PNG\r\n\x1a\n"
ZONE = ZoneInfo("Europe/Paris")
# 1 January 2027, 00:30 in Paris (still 31 December in UTC)
NEW_YEAR = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)


async def figures_of(services: Services, month: str, region: str | None = None) -> ProgrammeFigures:
    async with services.sessions() as session:
        return await programme_figures(
            session, month=month, region=region, now=NOW, config=services.config
        )


@pytest.fixture
async def seeded(services: Services) -> Services:
    async with services.sessions() as session, session.begin():
        await seed_programme(session)
    return services


async def test_every_chart_is_a_legible_png(seeded: Services) -> None:
    found = await figures_of(seeded, "2026-10")
    drawn = charts.charts(found, TemplateLabels(seeded.renderer), "fr")
    assert [chart.name for chart in drawn] == list(CHART_NAMES)
    for chart in drawn:
        assert chart.png.startswith(PNG)
        image = imread(io.BytesIO(chart.png), format="png")
        height, width = image.shape[:2]
        assert (width, height) == (1000, 560)
    attachment = drawn[0].attachment("2026-10")
    assert attachment.filename == "mentorbot-2026-10-people.png"
    assert attachment.mime_type == "image/png"


def test_chart_words_follow_the_reader_s_language(services: Services) -> None:
    labels = TemplateLabels(services.renderer)
    french, english = Words(labels, "fr"), Words(labels, "en")
    assert french("people_axis") == "Jeunes"
    assert english("people_axis") == "Young people"
    assert french("close_reason.job") == "emploi trouvé"
    assert french.month("2026-02") == "févr. 2026"
    assert english.month("2026-02") == "Feb 2026"
    # every word a chart uses is a template in both languages
    for key in ("people", "delay", "health", "followup", "events_title", "exits", "month"):
        assert labels.label_of(f"staff.report.chart.{key}", "fr")
        assert labels.label_of(f"staff.report.chart.{key}", "en")


async def test_nothing_is_drawn_for_an_empty_month(services: Services) -> None:
    found = await figures_of(services, "2026-10")
    assert not found.current.has_data
    assert charts.charts(found, TemplateLabels(services.renderer), "fr") == []


async def test_the_month_s_figures(seeded: Services) -> None:
    found = await figures_of(seeded, "2026-10")
    october = found.current
    assert [m.month for m in found.months][-2:] == ["2026-09", "2026-10"]
    assert len(found.months) == 12
    # see tests/storage/test_figures.py for where each number comes from
    assert (october.registrations, october.screened, october.eligible, october.paired) == (
        3,
        3,
        2,
        3,
    )
    # waits of 12, 15 and 22 days: the median is 15; the 90th percentile sits 80 % of the
    # way from 15 to 22 (rank 0.9 x 2 = 1.8): 20.6
    assert october.median_days == 15
    assert october.p90_days == pytest.approx(20.6)
    assert october.response_rate == pytest.approx(0.75)
    assert october.contacts_per_pair == pytest.approx(4 / 6)
    assert october.exits == {"gave_up": 1, "job": 1}
    assert october.positive_share == pytest.approx(0.5)
    assert found.active_pairs == 4


async def test_count_tables_by_region(seeded: Services) -> None:
    found = await figures_of(seeded, "2026-10")
    tables = {table.name: table for table in count_tables(found)}
    assert list(tables) == ["registrations", "screened", "eligible", "paired", "exits"]
    registrations = tables["registrations"]
    assert registrations.rows == ("ara", "idf")
    assert registrations.columns[-2:] == ("2026-09", "2026-10")
    # July: Y8 (idf); August: Y6, Y10 (idf), Y11 (ara); September: Y1 (idf), Y7 (ara);
    # October: Y2 (idf), Y3, Y4 (ara)
    assert registrations.counts[0][-4:] == (0, 1, 1, 2)
    assert registrations.counts[1][-4:] == (1, 2, 1, 1)
    exits = tables["exits"]
    assert (exits.row_header, exits.column_header) == ("region", "kind")
    assert exits.columns == ("gave_up", "job")
    assert exits.counts == ((1, 0), (0, 1))


def test_quantiles_interpolate_between_values() -> None:
    assert quantile({}, 0.5) is None
    assert quantile({7: 1}, 0.9) == 7
    # 1, 2, 3, 4: the median halfway between 2 and 3; the 90th percentile at rank 2.7
    assert quantile({1: 1, 2: 1, 3: 1, 4: 1}, 0.5) == 2.5
    assert quantile({1: 1, 2: 1, 3: 1, 4: 1}, 0.9) == pytest.approx(3.7)
    # repeated values: 5, 5, 5, 10
    assert quantile({10: 1, 5: 3}, 0.5) == 5


def test_months_and_regions_as_staff_type_them() -> None:
    assert parse_month("2026-03") == "2026-03"
    assert parse_month(" 2026-12 ") == "2026-12"
    for wrong in ("2026-13", "2026-00", "2026-1", "26-03", "1999-05", "mars"):
        assert parse_month(wrong) is None
    assert last_full_month(NOW, ZONE) == "2026-10"
    # in Paris it is January already: December is the last full month
    assert last_full_month(NEW_YEAR, ZONE) == "2026-12"
    assert region_code("IDF") == "idf"
    assert region_code("paca") == "pac"
    assert region_code("atlantis") is None
