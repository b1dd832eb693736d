"""Every user-visible sentence lives in ``bot/locales/<lang>.ftl`` (Fluent), one file per language.

Arguments are HTML-escaped here, once, so a name like ``<b>&Co`` can never break a message
or inject markup. Pass ``Markup`` for a fragment that is already safe HTML.

Telegram's length limits (4,096 for a text, 1,024 for a caption) count UTF-16 code units of the
text as shown, after the HTML is parsed: :func:`telegram_length` measures that, :func:`split_html`
cuts a long text into messages at line boundaries (closing and reopening tags across the cut) and
:func:`fit_html` shortens one that must stay a single message (an edit).
"""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from babel import Locale
from fluent.runtime import FluentBundle, FluentResource
from fluent.runtime.types import FluentInt

Lang = Literal["en", "zh"]
LANGUAGES: tuple[Lang, ...] = ("en", "zh")
LOCALES_DIR = Path(__file__).with_name("locales")
MAX_TEXT = 4096  # Telegram: a message text, in UTF-16 code units after entity parsing
MAX_CAPTION = 1024  # a media caption
MAX_CALLBACK_TEXT = 200  # the text of a callback query answer (a popup)
# fluent.runtime refuses any placeable longer than 2,500 characters (resolver.MAX_PART_LENGTH).
# Longer arguments are given to Fluent as a short stand-in and put back after formatting.
_LONG_ARG = 1000


class _Int(FluentInt):
    """An integer formatted as ``1,234`` without Babel's (slow) pattern machinery; plural
    selection (``[one]``/``*[other]``) still works because it is a Fluent number."""

    def format(self, locale: Locale) -> str:
        return f"{int(self):,}"


class Markup(str):
    """A string that is already safe HTML (built from escaped texts)."""


class MissingText(KeyError):
    pass


def escape(value: str) -> str:
    return html.escape(value, quote=False)


def language_for(language_code: str | None, default: Lang) -> Lang:
    """``zh*`` → Chinese, any other known code → English, unknown → the shop's default."""
    if not language_code:
        return default
    return "zh" if language_code.lower().startswith("zh") else "en"


class Texts:
    def __init__(self, directory: Path = LOCALES_DIR) -> None:
        self._bundles: dict[str, FluentBundle] = {}
        self._fixed: dict[tuple[str, str], Markup] = {}
        for lang in LANGUAGES:
            bundle = FluentBundle([lang], use_isolating=False)
            bundle.add_resource(FluentResource((directory / f"{lang}.ftl").read_text(encoding="utf-8")))
            self._bundles[lang] = bundle

    def keys(self, lang: Lang) -> set[str]:
        return set(self._bundles[lang]._messages)

    def has(self, lang: Lang, key: str) -> bool:
        return self._bundles[lang].has_message(key)

    def __call__(self, lang: Lang, key: str, **args: object) -> Markup:
        if not args:  # a fixed sentence ("all gone" × 4,000 in a stampede): format it once
            cached = self._fixed.get((lang, key))
            if cached is None:
                cached = self._fixed[(lang, key)] = self._format(lang, key, {})
            return cached
        return self._format(lang, key, args)

    def _format(self, lang: Lang, key: str, args: dict[str, object]) -> Markup:
        bundle = self._bundles[lang]
        if not bundle.has_message(key):
            raise MissingText(f"{lang}:{key}")
        message = bundle.get_message(key)
        safe: dict[str, object] = {}
        long: dict[str, str] = {}  # stand-in -> the (escaped) long argument it stands for
        nonce = ""
        for name, value in args.items():
            if isinstance(value, Markup):
                safe[name] = str(value)
            elif isinstance(value, str):
                safe[name] = escape(value)
            elif value is None:
                safe[name] = ""
            elif isinstance(value, int) and not isinstance(value, bool):
                safe[name] = _Int(value)
            else:
                safe[name] = value
            current = safe[name]
            if isinstance(current, str) and len(current) > _LONG_ARG:
                nonce = nonce or secrets.token_hex(8)
                stand_in = f"\x00{nonce}:{len(long)}\x00"
                long[stand_in] = current
                safe[name] = stand_in
        text, errors = bundle.format_pattern(message.value, safe)  # type: ignore[arg-type]
        if errors:
            raise MissingText(f"{lang}:{key}: {errors[0]}")
        if long:
            # One pass, so a long argument that happens to contain a stand-in is left alone.
            text = re.sub("|".join(map(re.escape, long)), lambda m: long[m.group(0)], str(text))
        return Markup(text)


class Translator:
    """Texts bound to one language, handed to handlers as ``_``."""

    def __init__(self, texts: Texts, lang: Lang) -> None:
        self.texts = texts
        self.lang = lang

    def __call__(self, key: str, **args: object) -> Markup:
        """The text for ``key``; the result is safe HTML and may be nested in another text."""
        return self.texts(self.lang, key, **args)


# ---- Telegram's length limits ---------------------------------------------------------------------

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*>")
_ELLIPSIS = "…"


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts (an emoji outside the BMP counts 2)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def plain_text(text: str) -> str:
    """What a client shows for Telegram HTML: tags removed, entities decoded."""
    return html.unescape(_TAG.sub("", text))


def telegram_length(text: str) -> int:
    """The length Telegram checks against its limits: UTF-16 units of the text after parsing."""
    return utf16_len(plain_text(text).strip())


def shorten(value: str, limit: int) -> str:
    """``value`` cut to at most ``limit`` characters (UTF-16 units), ending in "…" if cut. For names
    and other plain values, before they are escaped."""
    if utf16_len(value) <= limit:
        return value
    kept: list[str] = []
    size = 0
    for char in value:
        size += utf16_len(char)
        if size > limit - 1:
            break
        kept.append(char)
    return "".join(kept).rstrip() + _ELLIPSIS


def _open_tags(line: str, stack: list[tuple[str, str]]) -> None:
    """Update ``stack`` (tag name, opening tag) with the tags ``line`` opens and closes."""
    for match in _TAG.finditer(line):
        name = match.group(2).lower()
        if match.group(1):
            for i in range(len(stack) - 1, -1, -1):
                if stack[i][0] == name:
                    del stack[i]
                    break
        else:
            stack.append((name, match.group(0)))


def _hard_split(line: str, limit: int) -> list[str]:
    """A single line longer than ``limit``: its plain text in pieces, escaped (its tags are dropped)."""
    pieces: list[str] = []
    piece: list[str] = []
    size = 0
    for char in plain_text(line):
        width = utf16_len(char)
        if piece and size + width > limit:
            pieces.append(escape("".join(piece)))
            piece, size = [], 0
        piece.append(char)
        size += width
    if piece:
        pieces.append(escape("".join(piece)))
    return pieces


def _closing(stack: list[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _opening(stack: list[tuple[str, str]]) -> str:
    return "".join(tag for _, tag in stack)


def split_html(text: str, limit: int = MAX_TEXT) -> list[str]:
    """``text`` (Telegram HTML) as one or more messages of at most ``limit`` each, cut at line
    boundaries. A tag left open at a cut is closed at the end of one part and reopened at the start
    of the next, so every part is valid HTML. A single line longer than the limit is cut inside, as
    plain text. Nothing is dropped."""
    if telegram_length(text) <= limit:
        return [text]
    parts: list[str] = []
    current: list[str] = []
    size = 0  # visible length of the current part, one unit per line break included
    stack: list[tuple[str, str]] = []  # tags open after the lines seen so far
    prefix = ""  # tags reopened at the start of the current part
    for line in text.split("\n"):
        width = utf16_len(plain_text(line))
        if current and size + width > limit:
            parts.append(prefix + "\n".join(current) + _closing(stack))
            prefix, current, size = _opening(stack), [], 0
        if width > limit:
            for piece in _hard_split(line, limit):
                parts.append(prefix + piece + _closing(stack))
            _open_tags(line, stack)
            prefix = _opening(stack)
            continue
        current.append(line)
        size += width + 1
        _open_tags(line, stack)
    if current:
        parts.append(prefix + "\n".join(current) + _closing(stack))
    return [part for part in parts if plain_text(part).strip()]


def fit_html(text: str, limit: int = MAX_TEXT) -> str:
    """``text`` shortened to one message of at most ``limit``: whole lines are kept, then "…"."""
    parts = split_html(text, limit - 2)
    if len(parts) <= 1:
        return text if not parts else parts[0]
    return f"{parts[0]}\n{_ELLIPSIS}"




LIST_NAME = 32  # a name in a list is cut to this many characters ("…"): a row stays one line
ECHO = 64  # what a member typed, quoted back in an error ("I don't understand …"), is cut to this


def lines(*parts: str | None) -> Markup:
    """Lines assembled in Python — a heading, rows each rendered from its own key, "… and N more" —
    never handed to Fluent as one placeable. Empty parts are left out."""
    return Markup("\n".join(part for part in parts if part))


def plain_names(names: Sequence[str]) -> Markup:
    """The plain form of a coalesced list (if its texts fail to render): the names, escaped."""
    return Markup("\n".join(escape(name) for name in names))
