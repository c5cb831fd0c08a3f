"""Block Kit rendering (with `slack_sdk.models`): replies as messages, forms as modals.

Text a person typed only ever reaches Slack through the templates, which keep `&`, `<` and
`>` escaped, so a note containing `<!channel>` pings nobody.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Protocol

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from conversations.core.messages import Channel, Choice, FieldKind, Form, FormField, Rendered, Reply

# Slack's limits (see shared/platforms.md)
MAX_SECTION = 3000
MAX_BUTTON_TEXT = 75
MAX_MODAL_TITLE = 24
MAX_OPTION_TEXT = 75
MAX_RADIO_OPTIONS = 10
MAX_VIEW_BLOCKS = 100
MAX_MESSAGE_BLOCKS = 50
MAX_SELECT_OPTIONS = 100


class Templates(Protocol):
    """What the Slack adapter needs of the template renderer (`bot.i18n.TemplateRenderer`)."""

    def text(
        self, key: str, locale: str, channel: Channel, context: Mapping[str, Any] | None = None
    ) -> str: ...

    def label(self, choice: Choice, locale: str, channel: Channel) -> str: ...

    def render(self, reply: Reply, channel: Channel) -> Rendered: ...


def sections(text: str) -> list[Block]:
    """Text as section blocks of at most 3,000 characters (cut at line ends when possible)."""
    blocks: list[Block] = []
    rest = text or " "
    while rest:
        if len(rest) <= MAX_SECTION:
            part, rest = rest, ""
        else:
            cut = rest.rfind("\n", 0, MAX_SECTION)
            cut = cut if cut > 0 else MAX_SECTION
            part, rest = rest[:cut], rest[cut:].lstrip("\n")
        blocks.append(SectionBlock(text=MarkdownTextObject(text=part)))
    return blocks


def buttons(labelled: Sequence[tuple[str, str]], *, prefix: str = "mb") -> list[Block]:
    """Button rows of five; action ids are unique within the message or view (`prefix` keeps
    them apart where several sets of buttons share a view)."""
    rows: list[Block] = []
    for start in range(0, len(labelled), 5):
        rows.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text=label[:MAX_BUTTON_TEXT],
                        action_id=f"{prefix}_{start + i}",
                        value=value,
                    )
                    for i, (label, value) in enumerate(labelled[start : start + 5])
                ]
            )
        )
    return rows


def answered_blocks(text: str, label: str) -> list[Block]:
    """An answered message: its text, then the answer chosen instead of the buttons. `text`
    is what we posted (already escaped); the label is ours too, escaped again to be safe."""
    chosen = label.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    answer = ContextBlock(elements=[MarkdownTextObject(text=f"✓ {chosen}")])
    return [*sections(text), answer] if text else [answer]


class SlackRenderer:
    """Replies as Block Kit messages, forms as modals."""

    def __init__(self, renderer: Templates) -> None:
        self.renderer = renderer

    def text(self, key: str, locale: str, **context: Any) -> str:
        return self.renderer.text(key, locale, Channel.SLACK, context)

    def plain(self, key: str, locale: str, **context: Any) -> str:
        return self.renderer.text(key, locale, Channel.CONSOLE, context)

    def label(self, choice: Choice, locale: str) -> str:
        return self.renderer.label(choice, locale, Channel.SLACK)

    def message(self, reply: Reply) -> tuple[str, list[Block]]:
        """The notification text and the blocks of one reply."""
        rendered = self.renderer.render(reply, Channel.SLACK)
        labelled = [button for row in rendered.buttons for button in row]
        blocks = sections(rendered.text) + buttons(labelled)
        return rendered.text[:MAX_SECTION], blocks[:MAX_MESSAGE_BLOCKS]

    def _options(self, field: FormField, locale: str) -> list[Option]:
        return [
            Option(text=self.label(c, locale)[:MAX_OPTION_TEXT], value=c.value)
            for c in field.options
        ]

    def _element(self, field: FormField, locale: str) -> Any:
        if field.kind is FieldKind.SINGLE:
            options = self._options(field, locale)
            if len(options) <= MAX_RADIO_OPTIONS and field.name != "pairing":
                return RadioButtonsElement(action_id=field.name, options=options)
            return StaticSelectElement(action_id=field.name, options=options[:MAX_SELECT_OPTIONS])
        if field.kind in (FieldKind.MULTI, FieldKind.FLAG):
            return CheckboxesElement(action_id=field.name, options=self._options(field, locale))
        if field.kind is FieldKind.DATE:
            initial = field.initial.isoformat() if isinstance(field.initial, date) else None
            return DatePickerElement(action_id=field.name, initial_date=initial)
        return PlainTextInputElement(
            action_id=field.name, multiline=True, max_length=field.max_length
        )

    def _title(self, key: str, locale: str) -> PlainTextObject:
        return PlainTextObject(text=self.plain(key, locale)[:MAX_MODAL_TITLE])

    def modal(self, form: Form) -> View:
        locale = form.locale
        blocks: list[Block] = []
        if form.intro is not None:
            blocks += sections(self.renderer.render(form.intro, Channel.SLACK).text)
        for field in form.fields:
            blocks.append(
                InputBlock(
                    block_id=field.name,
                    label=self.plain(field.label_key, locale)[:2000],
                    element=self._element(field, locale),
                    optional=not field.required,
                )
            )
        return View(
            type="modal",
            callback_id=form.name,
            title=self._title(form.title_key, locale),
            submit=self._title(form.submit_key, locale),
            close=self._title("form.close", locale),
            private_metadata=json.dumps(dict(form.metadata)),
            blocks=blocks,
        )

    def info_modal(self, title_key: str, reply: Reply) -> View:
        return View(
            type="modal",
            callback_id="info",
            title=self._title(title_key, reply.locale),
            close=self._title("form.close", reply.locale),
            blocks=sections(self.renderer.render(reply, Channel.SLACK).text),
        )

    def form_errors(self, errors: Mapping[str, str], locale: str) -> dict[str, str]:
        """Field name -> the error text Slack shows under that field."""
        return {name: self.plain(key, locale) for name, key in errors.items()}
