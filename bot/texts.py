"""Every user-visible sentence lives in ``bot/locales/<lang>.ftl`` (Fluent), one file per language.

Arguments are HTML-escaped here, once, so a name like ``<b>&Co`` can never break a message
or inject markup. Pass ``Markup`` for a fragment that is already safe HTML.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Literal

from babel import Locale
from fluent.runtime import FluentBundle, FluentResource
from fluent.runtime.types import FluentInt

Lang = Literal["en", "zh"]
LANGUAGES: tuple[Lang, ...] = ("en", "zh")
LOCALES_DIR = Path(__file__).with_name("locales")


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
        text, errors = bundle.format_pattern(message.value, safe)  # type: ignore[arg-type]
        if errors:
            raise MissingText(f"{lang}:{key}: {errors[0]}")
        return Markup(text)


class Translator:
    """Texts bound to one language, handed to handlers as ``_``."""

    def __init__(self, texts: Texts, lang: Lang) -> None:
        self.texts = texts
        self.lang = lang

    def __call__(self, key: str, **args: object) -> Markup:
        """The text for ``key``; the result is safe HTML and may be nested in another text."""
        return self.texts(self.lang, key, **args)
