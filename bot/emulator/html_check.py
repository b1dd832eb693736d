"""Telegram's HTML parse mode, strictly: the emulator refuses what Telegram would refuse.

This is how tests catch a user name that was not escaped: ``<`` or ``&`` that do not form a
supported tag or entity make the message fail with "can't parse entities", as on Telegram.
"""

from __future__ import annotations

import re

ALLOWED = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "a", "tg-spoiler",
           "span", "blockquote", "tg-emoji"}
_TOKEN = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:=(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*>|<|&")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


class HtmlError(ValueError):
    pass


def check_html(text: str) -> None:
    """Raise HtmlError with Telegram's wording if ``text`` is not valid Telegram HTML."""
    stack: list[str] = []
    pos = 0
    while True:
        match = _TOKEN.search(text, pos)
        if match is None:
            break
        token = match.group(0)
        offset = match.start()
        if token == "&":
            if not _ENTITY.match(text, offset):
                raise HtmlError(f"can't parse entities: unsupported start tag or entity at byte offset {offset}")
            pos = offset + 1
            continue
        if token == "<":
            raise HtmlError(f"can't parse entities: unsupported start tag at byte offset {offset}")
        closing, name = match.group(1), match.group(2).lower()
        if name not in ALLOWED:
            raise HtmlError(f'can\'t parse entities: unsupported start tag "{name}" at byte offset {offset}')
        if closing:
            if not stack or stack[-1] != name:
                raise HtmlError(f'can\'t parse entities: can\'t find end tag corresponding to start tag "{name}"')
            stack.pop()
        else:
            stack.append(name)
        pos = match.end()
    if stack:
        raise HtmlError(f'can\'t parse entities: can\'t find end tag corresponding to start tag "{stack[-1]}"')


def strip_html(text: str) -> str:
    """Plain text as a client would display it (for length checks and the demo)."""
    import html

    return html.unescape(re.sub(r"</?[a-zA-Z][^>]*>", "", text))
