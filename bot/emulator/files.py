"""File identifiers, issued and checked as Telegram issues and checks them.

Telegram gives every file a ``file_id`` (an opaque base64url string, valid only for the bot it was
given to: "file_id is unique for each individual bot and can't be transferred from one bot to
another") and a ``file_unique_id`` (the same for every bot; it cannot be used to send). A send by
``file_id`` is refused unless the bot was given that id:

* a string that is not base64url, or not of a possible length, is refused as the Bot API server
  refuses it when decoding: ``wrong remote file identifier specified: Wrong string length`` /
  ``Wrong character in the string`` / ``Wrong padding in the string``;
* one that decodes but is not a file identifier: ``… specified: can't unserialize it``;
* a well-formed identifier this bot was never given (another bot's, or a made-up one):
  ``wrong file identifier/HTTP URL specified``;
* a known file of another kind (a document sent as a photo): ``can't use file of type Document as Photo``.

An ``http(s)`` URL is downloaded by Telegram. The emulator is offline: it accepts a well-formed URL
whose path names an image (``.jpg``, ``.jpeg``, ``.png``, ``.webp``) as a photo (the same URL gets
the same file, as Telegram caches it); any other URL's "content" is not an image
(``wrong type of the web page content``), and a URL that does not parse is refused
(``wrong file identifier/HTTP URL specified``).
"""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

WRONG_FILE = "wrong file identifier/HTTP URL specified"
WRONG_REMOTE = "wrong remote file identifier specified: "
NOT_AN_IMAGE = "wrong type of the web page content"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")

# The first byte of a decoded file_id is its type (photo ids start "AgAC", documents "BQAC"…), the
# last the version of the format. Names as the Bot API spells them in its errors.
KINDS: dict[str, tuple[int, str]] = {
    "photo": (2, "Photo"), "voice": (3, "VoiceNote"), "video": (4, "Video"), "document": (5, "Document"),
    "sticker": (8, "Sticker"), "audio": (9, "Audio"), "animation": (10, "Animation"),
    "video_note": (13, "VideoNote"),
}
_BY_CODE = {code: kind for kind, (code, _name) in KINDS.items()}
_HEADER = bytes((0x00, 0x02, 0x02, 0x02, 0x00, 0x03, 0x19, 0x01, 0x00, 0x02))  # dc 2, a message file
_VERSION = 0x04
_RANDOM = 36  # bytes of location and access hash
_LENGTH = 1 + len(_HEADER) + 8 + _RANDOM + 1


class FileIdError(ValueError):
    """Why Telegram refuses a file given as a string (the Bot API description, without "Bad Request: ")."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def decode(file_id: str) -> bytes:
    """The bytes of a base64url string, refused as the Bot API server refuses it."""
    if len(file_id) % 4 == 1:
        raise FileIdError(WRONG_REMOTE + "Wrong string length")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    if any(c not in alphabet for c in file_id):
        raise FileIdError(WRONG_REMOTE + "Wrong character in the string")
    tail = len(file_id) % 4
    if tail:  # the unused low bits of the last character must be zero
        unused = alphabet.index(file_id[-1]) & (0b1111 if tail == 2 else 0b11)
        if unused:
            raise FileIdError(WRONG_REMOTE + "Wrong padding in the string")
    try:
        return base64.urlsafe_b64decode(file_id + "=" * (-len(file_id) % 4))
    except binascii.Error:  # pragma: no cover - the checks above are the decoder's
        raise FileIdError(WRONG_REMOTE + "Wrong padding in the string") from None


def kind_of(file_id: str) -> str:
    """The kind of file a well-formed identifier names; :class:`FileIdError` for any other string."""
    data = decode(file_id)
    if len(data) != _LENGTH or data[-1] != _VERSION or data[0] not in _BY_CODE:
        raise FileIdError(WRONG_REMOTE + "can't unserialize it")
    return _BY_CODE[data[0]]


@dataclass
class FileRecord:
    """A file the bot was given: its kind, and for a photo all its sizes (Bot API ``PhotoSize``s)."""

    kind: str
    file_id: str
    file_unique_id: str
    sizes: list[dict[str, Any]] = field(default_factory=list)


class FileRegistry:
    """Every file identifier one bot was given, and the URLs Telegram has fetched for it."""

    def __init__(self, bot_id: int) -> None:
        self.bot_id = bot_id
        self._records: dict[str, FileRecord] = {}
        self._urls: dict[str, FileRecord] = {}

    def new_id(self, kind: str) -> tuple[str, str]:
        """A fresh ``(file_id, file_unique_id)`` of ``kind``, remembered for this bot."""
        code, _name = KINDS[kind]
        location = secrets.token_bytes(_RANDOM)
        file_id = _b64(bytes((code,)) + _HEADER + self.bot_id.to_bytes(8, "little") + location + bytes((_VERSION,)))
        unique = _b64(bytes((1 if kind == "photo" else 2, 0)) + location[:10])
        return file_id, unique

    def issue(self, kind: str) -> FileRecord:
        """A new file of ``kind`` (``photo``: two sizes, 90 and 800 px)."""
        file_id, unique = self.new_id(kind)
        record = FileRecord(kind, file_id, unique)
        if kind == "photo":
            small_id, small_unique = self.new_id(kind)
            record.sizes = [
                {"file_id": small_id, "file_unique_id": small_unique, "width": 90, "height": 90, "file_size": 1_480},
                {"file_id": file_id, "file_unique_id": unique, "width": 800, "height": 800, "file_size": 61_230},
            ]
            self._records[small_id] = record
        self._records[file_id] = record
        return record

    def get(self, file_id: str) -> FileRecord | None:
        return self._records.get(file_id)

    def resolve(self, source: str, kind: str) -> FileRecord:
        """The file a string names (a file_id or an http(s) URL), sent as ``kind``; :class:`FileIdError`
        with Telegram's description when Telegram would refuse it."""
        if source.startswith(("http://", "https://")):
            return self._url(source, kind)
        found_kind = kind_of(source)
        record = self._records.get(source)
        if record is None:
            raise FileIdError(WRONG_FILE)
        if found_kind != kind:
            raise FileIdError(f"can't use file of type {KINDS[found_kind][1]} as {KINDS[kind][1]}")
        return record

    def _url(self, url: str, kind: str) -> FileRecord:
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises on a port that is not a number in range
        except ValueError:
            raise FileIdError(WRONG_FILE) from None
        if not parts.hostname or " " in url:
            raise FileIdError(WRONG_FILE)
        if kind != "photo" or not parts.path.lower().endswith(IMAGE_SUFFIXES):
            raise FileIdError(NOT_AN_IMAGE)
        if url not in self._urls:
            self._urls[url] = self.issue(kind)
        return self._urls[url]
