"""Templates shaped like the relay's, in a folder of their own, for adapter tests that need
someone's words inside a message (the real renderer, templates that do not change under
them): `test.said` signs a text, `test.file` announces a file."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from bot.i18n import TemplateRenderer

TEMPLATES = {
    "said.j2": "💬 <b>{{ writer }}</b> : {{ text }}",
    "file.j2": "📎 {{ writer }} t'envoie un fichier.",
    "intro.j2": "{{ text }}",
}


def relay_renderer(folder: Path) -> TemplateRenderer:
    """The real `TemplateRenderer` over the test templates, written under `folder`."""
    for locale in ("fr", "en"):
        area = folder / "templates" / locale / "test"
        area.mkdir(parents=True, exist_ok=True)
        for name, text in TEMPLATES.items():
            (area / name).write_text(text, encoding="utf-8")
    return TemplateRenderer(folder / "templates", ZoneInfo("Europe/Paris"))
