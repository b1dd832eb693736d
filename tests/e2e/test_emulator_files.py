"""The emulator gives out file identifiers and refuses any other, as Telegram does.

A file_id is valid only for the bot it was given to; a string that is not one is refused with the
Bot API server's own descriptions (a malformed one while decoding it, a well-formed unknown one as
"wrong file identifier/HTTP URL specified"). Over HTTP, through a real aiogram ``Bot``.
"""

from __future__ import annotations

import re

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile

from bot.emulator import BotAPIEmulator
from bot.emulator.files import FileIdError, FileRegistry, kind_of

BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


async def test_a_photo_a_user_sends_has_realistic_ids_and_the_bot_can_send_it_again(
        emu: BotAPIEmulator, bot: Bot) -> None:
    group = emu.create_group("Tea")
    ann = emu.create_user("Ann")
    emu.add_member(group, ann)
    update = emu.user_sends_photo(ann, "new shelf", chat=group)
    sizes = update["message"]["photo"]
    assert [s["width"] for s in sizes] == [90, 800]
    for size in sizes:
        assert BASE64URL.fullmatch(size["file_id"]) and size["file_id"].startswith("AgAC")
        assert len(size["file_id"]) > 60 and kind_of(size["file_id"]) == "photo"
        assert BASE64URL.fullmatch(size["file_unique_id"]) and len(size["file_unique_id"]) < len(size["file_id"])
    assert len({s["file_id"] for s in sizes} | {s["file_unique_id"] for s in sizes}) == 4

    again = await bot.send_photo(group.id, sizes[-1]["file_id"], caption="again")
    assert again.photo and [p.file_id for p in again.photo] == [s["file_id"] for s in sizes]
    assert [p.file_unique_id for p in again.photo] == [s["file_unique_id"] for s in sizes]
    # Any size names the photo: resending one sends all of its sizes.
    smaller = await bot.send_photo(group.id, sizes[0]["file_id"])
    assert smaller.photo and smaller.photo[-1].file_id == sizes[-1]["file_id"]


async def test_an_upload_gets_a_new_file_id_the_bot_can_reuse(emu: BotAPIEmulator, bot: Bot) -> None:
    group = emu.create_group("Tea")
    first = await bot.send_photo(group.id, BufferedInputFile(b"\x89PNG one", filename="one.png"))
    second = await bot.send_photo(group.id, BufferedInputFile(b"\x89PNG one", filename="one.png"))
    assert first.photo and second.photo
    assert first.photo[-1].file_id != second.photo[-1].file_id  # every upload is a new file
    reused = await bot.send_photo(group.id, first.photo[-1].file_id)
    assert reused.photo and reused.photo[-1].file_unique_id == first.photo[-1].file_unique_id


@pytest.mark.parametrize(("file_id", "description"), [
    ("abcde", "wrong remote file identifier specified: Wrong string length"),
    ("tea photo!", "wrong remote file identifier specified: Wrong character in the string"),
    ("PHOTO-1", "wrong remote file identifier specified: Wrong padding in the string"),
    ("AgACAgIAAxkBAAIfake", "wrong remote file identifier specified: Wrong padding in the string"),
    ("AgACAgIAAxkBAAI", "wrong remote file identifier specified: can't unserialize it"),
    ("ftp://example.com/tea.jpeg", "wrong remote file identifier specified: Wrong character in the string"),
])
async def test_a_malformed_file_id_is_refused_as_telegram_refuses_it(
        emu: BotAPIEmulator, bot: Bot, file_id: str, description: str) -> None:
    group = emu.create_group("Tea")
    with pytest.raises(TelegramBadRequest) as error:
        await bot.send_photo(group.id, file_id, caption="x")
    assert error.value.message == f"Bad Request: {description}"
    assert emu.sent(group.id) == []


async def test_a_well_formed_file_id_this_bot_was_never_given_is_refused(emu: BotAPIEmulator, bot: Bot) -> None:
    group = emu.create_group("Tea")
    other_bot = FileRegistry(bot_id=777).issue("photo").file_id  # e.g. imported from another bot
    assert kind_of(other_bot) == "photo"
    with pytest.raises(TelegramBadRequest) as error:
        await bot.send_photo(group.id, other_bot)
    assert error.value.message == "Bad Request: wrong file identifier/HTTP URL specified"
    with pytest.raises(TelegramBadRequest, match="there is no photo in the request"):
        await bot.send_photo(group.id, "")
    assert emu.sent(group.id) == []


async def test_a_document_cannot_be_sent_as_a_photo(emu: BotAPIEmulator, bot: Bot) -> None:
    ann = emu.create_user("Ann")
    update = emu.user_sends_document(ann, "price list.csv", b"sku,price\n")
    document_id = update["message"]["document"]["file_id"]
    assert document_id.startswith("BQAC") and kind_of(document_id) == "document"
    with pytest.raises(TelegramBadRequest) as error:
        await bot.send_photo(ann.id, document_id)
    assert error.value.message == "Bad Request: can't use file of type Document as Photo"


async def test_a_photo_by_url_needs_a_url_of_an_image(emu: BotAPIEmulator, bot: Bot) -> None:
    group = emu.create_group("Tea")
    first = await bot.send_photo(group.id, "https://shop.example.com/img/tea.JPG?v=2")
    again = await bot.send_photo(group.id, "https://shop.example.com/img/tea.JPG?v=2")
    assert first.photo and again.photo and first.photo[-1].file_id == again.photo[-1].file_id  # cached
    reused = await bot.send_photo(group.id, first.photo[-1].file_id)
    assert reused.photo
    for url, description in (("https://shop.example.com/tea", "wrong type of the web page content"),
                             ("https://shop.example.com:99999/tea.jpg", "wrong file identifier/HTTP URL specified"),
                             ("https:///tea.jpg", "wrong file identifier/HTTP URL specified")):
        with pytest.raises(TelegramBadRequest) as error:
            await bot.send_photo(group.id, url)
        assert error.value.message == f"Bad Request: {description}", url
    assert len(emu.sent(group.id)) == 3


def test_media_a_user_sends_carries_file_ids_of_its_kind(emu: BotAPIEmulator) -> None:
    ann = emu.create_user("Ann")
    for kind, prefix in (("sticker", "CAAC"), ("voice", "AwAC"), ("video", "BAAC"), ("photo", "AgAC")):
        message = emu.user_sends_media(ann, kind)["message"]
        media = message[kind][-1] if kind == "photo" else message[kind]
        assert media["file_id"].startswith(prefix) and kind_of(media["file_id"]) == kind
    location = emu.user_sends_media(ann, "location")["message"]
    assert "file_id" not in location["location"]


def test_decoding_follows_the_bot_api_server() -> None:
    with pytest.raises(FileIdError, match="Wrong string length"):
        kind_of("A")
    with pytest.raises(FileIdError, match="can't unserialize it"):
        kind_of("")
    with pytest.raises(FileIdError, match="can't unserialize it"):
        kind_of("AAAA" * 19)
    issued = FileRegistry(42).issue("document")
    assert kind_of(issued.file_id) == "document" and issued.sizes == []


async def test_a_forwarded_photo_keeps_its_file_ids(emu: BotAPIEmulator, bot: Bot) -> None:
    ann = emu.create_user("Ann")
    group = emu.create_group("Tea", members=[ann])
    sizes = emu.user_sends_photo(ann, "shelf", chat=group)["message"]["photo"]
    emu.user_sends(ann, "/start")
    forwarded = await bot.forward_message(ann.id, group.id, emu.messages(group.id)[-1].message_id)
    assert forwarded.photo and [p.file_id for p in forwarded.photo] == [s["file_id"] for s in sizes]
