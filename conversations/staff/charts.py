"""The programme report's charts as PNG files: months on the x axis (the report's month
last), titles and axis labels in the reader's language.

Drawn on `matplotlib.figure.Figure` objects (no pyplot, no global state: safe in a server
and in parallel tests); the PNG is written by the Agg renderer. Every word on a chart is a
template, `staff.report.chart.<name>` (exits by kind use `close_reason.<kind>`), read through
the engine's `Labels`; months are written by babel in the reader's language. A chart whose
figures are all zero is not drawn.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from babel.dates import format_date
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from conversations.core.messages import Attachment, Labels
from conversations.staff.figures import HEALTHS, ProgrammeFigures

__all__ = ["CHART_NAMES", "Chart", "Words", "charts"]

CHART_NAMES = ("people", "delay", "health", "followup", "events", "exits")
BABEL_LOCALES = {"fr": "fr_FR", "en": "en_GB"}
# inches at 100 dots per inch: 1,000 x 560 pixels, legible in Slack's preview
SIZE = (10.0, 5.6)
DPI = 100
COLOURS = ("#1f5f8b", "#e07a1f", "#3a9d5d", "#c0392b", "#7d5ba6", "#8c8c8c", "#d4a017", "#2bb3c0")
HEALTH_COLOURS = {
    "on_track": "#3a9d5d",
    "checkin_due": "#d4a017",
    "at_risk": "#e07a1f",
    "silent": "#c0392b",
}


@dataclass(frozen=True)
class Chart:
    """One chart: its name (`CHART_NAMES`) and its PNG image."""

    name: str
    png: bytes

    def attachment(self, month: str) -> Attachment:
        return Attachment(f"mentorbot-{month}-{self.name}.png", self.png, "image/png")


class Words:
    """A chart's words in one language: template `staff.report.chart.<key>`."""

    def __init__(self, labels: Labels, locale: str) -> None:
        self._labels = labels
        self.locale = locale

    def __call__(self, key: str) -> str:
        full = key if "." in key else f"staff.report.chart.{key}"
        return self._labels.label_of(full, self.locale) or key

    def month(self, period: str) -> str:
        first = date.fromisoformat(f"{period}-01")
        return format_date(first, "MMM y", locale=BABEL_LOCALES.get(self.locale, self.locale))


def _sentence(text: str) -> str:
    """A label as a legend shows it: a capital first letter ("emploi trouvé")."""
    return text[:1].upper() + text[1:]


def _figure(words: Words, title: str, axis: str, *, counts: bool = True) -> tuple[Figure, Axes]:
    """A chart with its title and y axis label; `counts`: whole numbers on the y axis."""
    figure = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    axes.set_title(words(title), fontsize=14, fontweight="bold")
    axes.set_ylabel(words(axis), fontsize=11)
    axes.grid(axis="y", alpha=0.3)
    axes.set_axisbelow(True)
    if counts:
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    return figure, axes


def _months_axis(axes: Axes, words: Words, months: Sequence[str]) -> None:
    axes.set_xticks(range(len(months)))
    axes.set_xticklabels([words.month(m) for m in months], rotation=45, ha="right")
    axes.set_xlabel(words("month"), fontsize=11)


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _bars(
    axes: Axes,
    words: Words,
    series: Sequence[tuple[str, Sequence[float]]],
) -> None:
    """Grouped bars, one group per month."""
    width = 0.8 / len(series)
    for index, (key, values) in enumerate(series):
        offsets = [m - 0.4 + width * (index + 0.5) for m in range(len(values))]
        axes.bar(offsets, values, width, label=words(key), color=COLOURS[index % len(COLOURS)])
    axes.legend(loc="upper left")


def _people(found: ProgrammeFigures, words: Words) -> Figure | None:
    names = ("registrations", "screened", "eligible", "paired")
    series = [(name, [float(getattr(m, name)) for m in found.months]) for name in names]
    if not any(any(values) for _, values in series):
        return None
    figure, axes = _figure(words, "people", "people_axis")
    _bars(axes, words, series)
    _months_axis(axes, words, [m.month for m in found.months])
    return figure


def _delay(found: ProgrammeFigures, words: Words) -> Figure | None:
    months = [m.month for m in found.months]
    if all(m.median_days is None for m in found.months):
        return None
    figure, axes = _figure(words, "delay", "days_axis", counts=False)
    for index, (key, values) in enumerate(
        (
            ("median", [m.median_days for m in found.months]),
            ("p90", [m.p90_days for m in found.months]),
        )
    ):
        points = [(i, v) for i, v in enumerate(values) if v is not None]
        axes.plot(
            [i for i, _ in points],
            [v for _, v in points],
            marker="o",
            label=words(key),
            color=COLOURS[index],
        )
    axes.set_ylim(bottom=0)
    axes.legend(loc="upper left")
    _months_axis(axes, words, months)
    return figure


def _health(found: ProgrammeFigures, words: Words) -> Figure | None:
    if not found.active_pairs:
        return None
    figure, axes = _figure(words, "health", "pairs_axis")
    counts = [found.health.get(name, 0) for name in HEALTHS]
    bars = axes.bar(
        [words(name) for name in HEALTHS],
        counts,
        color=[HEALTH_COLOURS[name] for name in HEALTHS],
    )
    axes.bar_label(bars, padding=3)
    return figure


def _followup(found: ProgrammeFigures, words: Words) -> Figure | None:
    rates = [m.response_rate for m in found.months]
    per_pair = [m.contacts_per_pair for m in found.months]
    if all(r is None for r in rates) and all(not p for p in per_pair):
        return None
    figure, axes = _figure(words, "followup", "response_axis", counts=False)
    shown = [(i, 100 * r) for i, r in enumerate(rates) if r is not None]
    axes.plot(
        [i for i, _ in shown],
        [v for _, v in shown],
        marker="o",
        color=COLOURS[0],
        label=words("response"),
    )
    axes.set_ylim(0, 105)
    right = axes.twinx()
    right.bar(
        range(len(per_pair)),
        [p or 0.0 for p in per_pair],
        0.5,
        alpha=0.35,
        color=COLOURS[1],
        label=words("contacts"),
    )
    right.set_ylabel(words("contacts_axis"), fontsize=11)
    handles = axes.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    axes.legend(handles=handles, loc="upper left")
    _months_axis(axes, words, [m.month for m in found.months])
    return figure


def _events(found: ProgrammeFigures, words: Words) -> Figure | None:
    series = [
        ("events", [float(m.events) for m in found.months]),
        ("answers", [float(sum(m.answers.values())) for m in found.months]),
        ("attended", [float(m.attended) for m in found.months]),
    ]
    if not any(any(values) for _, values in series):
        return None
    figure, axes = _figure(words, "events_title", "number_axis")
    _bars(axes, words, series)
    _months_axis(axes, words, [m.month for m in found.months])
    return figure


def _exits(found: ProgrammeFigures, words: Words) -> Figure | None:
    kinds = sorted({kind for m in found.months for kind in m.exits})
    if not kinds:
        return None
    figure, axes = _figure(words, "exits", "pairs_axis")
    bottom = [0.0] * len(found.months)
    for index, kind in enumerate(kinds):
        values = [float(m.exits.get(kind, 0)) for m in found.months]
        axes.bar(
            range(len(values)),
            values,
            0.6,
            bottom=bottom,
            label=_sentence(words(f"close_reason.{kind}")),
            color=COLOURS[index % len(COLOURS)],
        )
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.legend(loc="upper left", fontsize=9)
    _months_axis(axes, words, [m.month for m in found.months])
    return figure


DRAWERS = {
    "people": _people,
    "delay": _delay,
    "health": _health,
    "followup": _followup,
    "events": _events,
    "exits": _exits,
}


def charts(found: ProgrammeFigures, labels: Labels, locale: str) -> list[Chart]:
    """The report's charts with something to show, in `CHART_NAMES` order."""
    words = Words(labels, locale)
    drawn = []
    for name in CHART_NAMES:
        figure = DRAWERS[name](found, words)
        if figure is not None:
            drawn.append(Chart(name, _png(figure)))
    return drawn
