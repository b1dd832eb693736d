"""Telegram's HTML parse mode, strictly: the emulator refuses what Telegram would refuse.

:func:`parse_html` turns a message sent with ``parse_mode="HTML"`` into the plain text and the
entities Telegram would store, with offsets in UTF-16 code units, or raises :class:`HtmlError`
worded like Telegram's "can't parse entities" errors.

Only the tags Telegram supports are accepted, they must be balanced, and ``<`` or ``&`` that do
not form a tag or one of the entities ``&lt; &gt; &amp; &quot; &#NN; &#xNN;`` are errors. (Telegram
itself lets a lone ``&`` through as text; refusing it is deliberate: it is how tests catch a user
name that was not escaped.)
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

ENTITY_TYPES: dict[str, str] = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "tg-spoiler": "spoiler",
    "span": "spoiler", "code": "code", "pre": "pre", "a": "text_link", "blockquote": "blockquote",
    "tg-emoji": "custom_emoji", "tg-time": "date_time",
}
ALLOWED = frozenset(ENTITY_TYPES)

_SPECIAL = re.compile(r"[<&]")
_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_NAME_END = re.compile(r"[\s>]")
_ATTRIBUTE = re.compile(r"\s+([a-zA-Z][a-zA-Z0-9_-]*)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>\"']+))?")
_TAG_END = re.compile(r"\s*>")


class HtmlError(ValueError):
    """The text is not valid Telegram HTML; the message is Telegram's (after "can't parse entities: ")."""


@dataclass
class _Open:
    tag: str
    attrs: dict[str, str]
    start: int  # UTF-16 offset in the plain text
    language: str | None = None


def utf16_len(text: str) -> int:
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode())


def _decode_entity(match: re.Match[str]) -> str | None:
    named, decimal, hexadecimal = match.groups()
    if named:
        return _NAMED[named]
    code = int(decimal) if decimal else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code)


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """``(plain text, entities)`` for ``text`` in Telegram's HTML; raises :class:`HtmlError`."""
    out: list[str] = []
    offset = 0  # UTF-16 length of ``out``
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    i, n = 0, len(text)
    while i < n:
        special = _SPECIAL.search(text, i)
        if special is None:
            out.append(text[i:])
            break
        if special.start() > i:
            chunk = text[i:special.start()]
            out.append(chunk)
            offset += utf16_len(chunk)
            i = special.start()
        if text[i] == "&":
            match = _ENTITY.match(text, i)
            char = _decode_entity(match) if match else None
            if match is None or char is None:
                raise HtmlError(f'Unescaped "&" is not a supported HTML entity at byte offset {_byte_offset(text, i)}')
            out.append(char)
            offset += utf16_len(char)
            i = match.end()
            continue
        if text.startswith("</", i):
            i = _close_tag(text, i, stack, entities, offset)
        else:
            i = _open_tag(text, i, stack, offset)
    if stack:
        raise HtmlError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    return _trim("".join(out), entities)


def _open_tag(text: str, begin: int, stack: list[_Open], offset: int) -> int:
    end = _NAME_END.search(text, begin + 1)
    if end is None:
        raise HtmlError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
    name = text[begin + 1:end.start()].lower()
    if name not in ALLOWED:
        raise HtmlError(f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, begin)}')
    attrs: dict[str, str] = {}
    pos = end.start()
    while True:
        closing = _TAG_END.match(text, pos)
        if closing is not None:
            pos = closing.end()
            break
        attribute = _ATTRIBUTE.match(text, pos)
        if attribute is None:
            raise HtmlError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        value = attribute.group(2) or ""
        if value[:1] in ("'", '"'):
            value = value[1:-1]
        attrs[attribute.group(1).lower()] = html.unescape(value)
        pos = attribute.end()
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise HtmlError(f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(text, begin)}')
    stack.append(_Open(name, attrs, offset))
    return pos


def _close_tag(text: str, begin: int, stack: list[_Open], entities: list[dict[str, Any]], offset: int) -> int:
    if not stack:
        raise HtmlError(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
    end = _NAME_END.search(text, begin + 2)
    closing = _TAG_END.match(text, end.start()) if end is not None else None
    if end is None or closing is None:
        raise HtmlError(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
    name = text[begin + 2:end.start()].lower()
    opened = stack.pop()
    if name != opened.tag:
        raise HtmlError(f'Unmatched end tag at byte offset {_byte_offset(text, begin)}, expected "</{opened.tag}>", '
                        f'found "</{name}>"')
    language = opened.attrs.get("class", "")
    if name == "code" and stack and stack[-1].tag == "pre" and language.startswith("language-"):
        stack[-1].language = language.removeprefix("language-")
    elif offset > opened.start:
        entities.append(_entity(opened, offset))
    return closing.end()


def _entity(opened: _Open, offset: int) -> dict[str, Any]:
    kind = ENTITY_TYPES[opened.tag]
    entity: dict[str, Any] = {"type": kind, "offset": opened.start, "length": offset - opened.start}
    if kind == "text_link":
        entity["url"] = opened.attrs.get("href", "")
    elif kind == "pre" and opened.language:
        entity["language"] = opened.language
    elif kind == "blockquote" and "expandable" in opened.attrs:
        entity["type"] = "expandable_blockquote"
    elif kind == "custom_emoji":
        entity["custom_emoji_id"] = opened.attrs.get("emoji-id", "")
    elif kind == "date_time":
        entity["unix_time"] = int(opened.attrs.get("unix", "0") or 0)
        if opened.attrs.get("format"):
            entity["date_time_format"] = opened.attrs["format"]
    return entity


def _trim(plain: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Telegram strips leading and trailing whitespace and clips the entities to what is left."""
    stripped = plain.strip()
    if stripped == plain:
        return plain, sorted(entities, key=lambda e: (e["offset"], -e["length"]))
    shift = utf16_len(plain[:len(plain) - len(plain.lstrip())])
    size = utf16_len(stripped)
    kept: list[dict[str, Any]] = []
    for entity in entities:
        start = max(0, entity["offset"] - shift)
        end = min(size, entity["offset"] + entity["length"] - shift)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, sorted(kept, key=lambda e: (e["offset"], -e["length"]))


def check_html(text: str) -> None:
    """Raise :class:`HtmlError` if ``text`` is not valid Telegram HTML."""
    parse_html(text)


def strip_html(text: str) -> str:
    """Plain text as a client would display it."""
    return parse_html(text)[0]
