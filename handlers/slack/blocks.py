"""Block Kit rendering (with `slack_sdk.models`): replies as messages, forms as modals.

Text a person typed only ever reaches Slack through the templates, which keep `&`, `<` and
`>` escaped, so a note containing `<!channel>` pings nobody.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Protocol

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    DateTimePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticMultiSelectElement,
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
# the text of a message (its notification and the fallback of its blocks)
MAX_MESSAGE_TEXT = 40000
# `&#128512;` and the like: an entity is never longer
_LONGEST_ENTITY = 12


class Templates(Protocol):
    """What the Slack adapter needs of the template renderer (`bot.i18n.TemplateRenderer`)."""

    def text(
        self, key: str, locale: str, channel: Channel, context: Mapping[str, Any] | None = None
    ) -> str: ...

    def label(self, choice: Choice, locale: str, channel: Channel) -> str: ...

    def render(self, reply: Reply, channel: Channel) -> Rendered: ...


def _safe(text: str, cut: int) -> int:
    """`cut`, moved back so that it falls outside any `<...>` (a link, a mention) and any
    entity (`&amp;`)."""
    opened = text.rfind("<", 0, cut)
    if opened > text.rfind(">", 0, cut):
        cut = opened
    ampersand = text.rfind("&", max(0, cut - _LONGEST_ENTITY), cut)
    if ampersand >= 0 and ";" not in text[ampersand:cut]:
        cut = ampersand
    return cut


def _cut(text: str, limit: int) -> int:
    """Where to end the first part of `text`: a blank line, a line end or a space in the
    second half of the first `limit` characters, else the limit itself."""
    for boundary in ("\n\n", "\n", " "):
        found = text.rfind(boundary, limit // 2, limit)
        if found > 0:
            return _safe(text, found) or found
    return _safe(text, limit) or limit


def split_mrkdwn(text: str, limit: int = MAX_SECTION) -> list[str]:
    """Text cut into parts of at most `limit` characters, at paragraph, line or word
    boundaries, never inside a link, a mention or an entity."""
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = _cut(rest, limit)
        part, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if part:
            parts.append(part)
    if rest.strip() or not parts:
        parts.append(rest)
    return parts


def sections(text: str) -> list[Block]:
    """Text as section blocks of at most 3,000 characters (see `split_mrkdwn`)."""
    return [SectionBlock(text=MarkdownTextObject(text=part or " ")) for part in split_mrkdwn(text)]


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
        text = rendered.text
        if len(text) > MAX_MESSAGE_TEXT:
            text = split_mrkdwn(text, MAX_MESSAGE_TEXT)[0]
        # the buttons stay whatever the length: the text gives up its last blocks first
        actions = buttons(labelled)
        blocks = sections(text)[: MAX_MESSAGE_BLOCKS - len(actions)] + actions
        return split_mrkdwn(text)[0], blocks

    def comment(self, reply: Reply) -> str:
        """The text of a reply as a file's comment (no blocks there, no buttons)."""
        text = self.renderer.render(reply, Channel.SLACK).text
        return split_mrkdwn(text, MAX_MESSAGE_TEXT)[0]

    def _options(self, field: FormField, locale: str) -> list[Option]:
        return [
            Option(text=self.label(c, locale)[:MAX_OPTION_TEXT], value=c.value)
            for c in field.options
        ]

    def _element(self, field: FormField, locale: str) -> Any:
        if field.kind is FieldKind.SINGLE:
            options = self._options(field, locale)
            # a form filled in with what is known (a profile to update)
            chosen = next((o for o in options if o.value == field.initial), None)
            if len(options) <= MAX_RADIO_OPTIONS and field.name != "pairing":
                return RadioButtonsElement(
                    action_id=field.name, options=options, initial_option=chosen
                )
            return StaticSelectElement(
                action_id=field.name, options=options[:MAX_SELECT_OPTIONS], initial_option=chosen
            )
        if field.kind in (FieldKind.MULTI, FieldKind.FLAG):
            options = self._options(field, locale)[:MAX_SELECT_OPTIONS]
            wanted = field.initial if isinstance(field.initial, list | tuple) else ()
            picked = [o for o in options if o.value in wanted] or None
            if field.kind is FieldKind.MULTI and len(options) > MAX_RADIO_OPTIONS:
                # more than checkboxes hold (ten): a multi-select
                return StaticMultiSelectElement(
                    action_id=field.name, options=options, initial_options=picked
                )
            return CheckboxesElement(action_id=field.name, options=options, initial_options=picked)
        if field.kind is FieldKind.DATETIME:
            # Slack shows it in the person's own time zone: an instant, in epoch seconds
            moment = field.initial if isinstance(field.initial, datetime) else None
            stamp = int(moment.timestamp()) if moment is not None and moment.tzinfo else None
            return DateTimePickerElement(action_id=field.name, initial_date_time=stamp)
        if field.kind is FieldKind.DATE:
            initial = field.initial.isoformat() if isinstance(field.initial, date) else None
            return DatePickerElement(action_id=field.name, initial_date=initial)
        text = field.initial if isinstance(field.initial, str) and field.initial else None
        return PlainTextInputElement(
            action_id=field.name, multiline=True, max_length=field.max_length, initial_value=text
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
        """A reply in a window of its own, its buttons under it (a pair's Pause, Close...)."""
        rendered = self.renderer.render(reply, Channel.SLACK)
        labelled = [button for row in rendered.buttons for button in row]
        return View(
            type="modal",
            callback_id="info",
            title=self._title(title_key, reply.locale),
            close=self._title("form.close", reply.locale),
            blocks=[*sections(rendered.text), *buttons(labelled)],
        )

    def form_errors(
        self,
        errors: Mapping[str, str],
        locale: str,
        contexts: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> dict[str, str]:
        """Field name -> the error text Slack shows under that field."""
        found = contexts or {}
        return {
            name: self.renderer.text(key, locale, Channel.CONSOLE, found.get(name, {}))[
                :MAX_SECTION
            ]
            for name, key in errors.items()
        }
