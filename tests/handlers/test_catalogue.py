"""The catalogue through the real Dispatcher and the emulator, on SQLite and PostgreSQL: staff add,
edit, view and archive products in private chat (a photo captioned /product add is the product's
photo), page through /products with buttons; customers and group chats are refused; bad input is
answered with the usage and writes nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.db.models import AuditEntry, Product
from bot.emulator import EmuUser
from bot.emulator.files import FileRegistry
from bot.services import catalogue as service
from bot.views.catalogue import CatalogueCb
from tests.factories import count, member
from tests.harness import Harness


async def _staff(h: Harness, text: str) -> str:
    await h.say(h.owner, text)
    return h.texts_to(h.owner.id)[-1]


def _last(h: Harness, user: EmuUser) -> Any:
    return h.emu.sent(user.id)[-1]


async def _product(h: Harness, sku: str) -> Product | None:
    async with h.app.db.reader() as session:
        return await service.by_sku(session, sku)


async def test_staff_add_view_edit_and_archive_a_product(h: Harness) -> None:
    reply = await _staff(h, "/product add tea-01 | Longjing <250g> & co | ¥99.9 | stock=20 | link=t.me/teashop "
                            "| cycle=30d")
    assert "Product TEA-01 added" in reply, reply
    assert "Longjing &lt;250g&gt; &amp; co" in reply and "99.90 CNY" in reply and "20 in stock" in reply
    assert "https://t.me/teashop" in reply and "every 30 days" in reply
    product = await _product(h, "TEA-01")
    assert product is not None and product.price_cents == 9990 and product.stock == 20 and product.cycle_days == 30
    # The card, in any case of SKU.
    card = await _staff(h, "/product Tea-01")
    assert "<code>TEA-01</code>" in card and "99.90 CNY" in card and "Archived" not in card
    # Edit several fields at once; the name may have spaces.
    reply = await _staff(h, "/product edit tea-01 name=Longjing Spring 500g price=120 stock=0 link=none")
    assert "Product TEA-01 changed" in reply and "Longjing Spring 500g" in reply and "120.00 CNY" in reply
    assert "sold out" in reply and "t.me" not in reply
    reply = await _staff(h, "/product edit TEA-01 stock=none cycle=4w")
    assert "stock not tracked" in reply and "every 28 days" in reply
    # Archive: still found by SKU, flagged; twice says so; unarchive brings it back.
    assert "is archived" in await _staff(h, "/product archive tea-01")
    assert "already is archived" in await _staff(h, "/product archive TEA-01")
    assert "Archived" in await _staff(h, "/product TEA-01")
    archived = await _product(h, "tea-01")
    assert archived is not None and archived.archived_at is not None
    assert "back in the catalogue" in await _staff(h, "/product unarchive TEA-01")
    async with h.app.db.reader() as session:
        actions = [a for a, in (await session.execute(
            select(AuditEntry.action).where(AuditEntry.target == "TEA-01").order_by(AuditEntry.id))).all()]
    assert actions == ["product.add", "product.edit", "product.edit", "product.archive", "product.unarchive"]


async def test_a_duplicate_sku_is_refused_clearly_and_changes_nothing(h: Harness) -> None:
    await _staff(h, "/product add TEA-01 | Longjing | 99")
    reply = await _staff(h, "/product add tea-01 | Something else | 5")
    assert "already is a product TEA-01" in reply and "/product edit TEA-01" in reply
    product = await _product(h, "TEA-01")
    assert product is not None and product.name == "Longjing" and await count(h, Product) == 1


async def test_bad_input_is_answered_with_the_usage_and_writes_nothing(h: Harness) -> None:
    cases = {
        "/product": "Usage:",
        "/product add": "Usage: /product add",
        "/product add TEA-01 | Longjing": "Usage: /product add",
        "/product add TEA 01 | Longjing | 99": "not a SKU",
        "/product add " + "X" * 33 + " | Longjing | 99": "not a SKU",
        "/product add TEA-01 |  | 99": "The name must be",
        "/product add TEA-01 | " + "n" * 129 + " | 99": "The name must be",
        "/product add TEA-01 | Longjing | -5": "is not a price in CNY",
        "/product add TEA-01 | Longjing | 9.999": "is not a price in CNY",
        "/product add TEA-01 | Longjing | USD 9": "is not a price in CNY",
        "/product add TEA-01 | Longjing | 9 | stock=-1": "The stock must be",
        "/product add TEA-01 | Longjing | 9 | stock=1000001": "The stock must be",
        "/product add TEA-01 | Longjing | 9 | link=javascript:alert(1)": "not a link I can use",
        "/product add TEA-01 | Longjing | 9 | link=ftp://x.y": "not a link I can use",
        "/product add TEA-01 | Longjing | 9 | link=https://" + "a" * 510 + ".com": "not a link I can use",
        "/product add TEA-01 | Longjing | 9 | cycle=0d": "I don't understand the cycle",
        "/product add TEA-01 | Longjing | 9 | cycle=soon": "I don't understand the cycle",
        "/product add TEA-01 | Longjing | 9 | colour=red": "I don't understand “colour=red”",
        "/product add TEA-01 | Longjing | 9 | stock=1 | stock=2": "is given twice",
        "/product edit TEA-01": "Nothing to change",
        "/product edit TEA-01 price=abc": "is not a price",
        "/product edit TEA-01 photo=cat.jpg": "photo=none",
        "/product edit NOPE price=1": "There is no product “NOPE”",
        "/product archive": "Usage:",
        "/product archive NOPE": "There is no product “NOPE”",
        "/product NOPE": "There is no product “NOPE”",
        "/product a b": "Usage:",
        "/product <b>x</b>": "There is no product “&lt;b&gt;x&lt;/b&gt;”",
    }
    for text, expected in cases.items():
        reply = await _staff(h, text)
        assert expected in reply, (text, reply)
    assert await count(h, Product) == 0


async def test_a_photo_captioned_with_the_command_is_the_products_photo(h: Harness) -> None:
    update = h.emu.user_sends_photo(h.owner, caption="/product add TEA-02 | Pu'er cake | 199 | stock=0")
    await h.feed(update)
    assert "Product TEA-02 added" in h.texts_to(h.owner.id)[-1]
    product = await _product(h, "TEA-02")
    assert product is not None and product.photo == update["message"]["photo"][-1]["file_id"]
    # The card comes as that photo with the card as its caption.
    await h.say(h.owner, "/product TEA-02")
    card = _last(h, h.owner)
    assert card.method == "sendPhoto" and card.photo == product.photo
    assert "Pu&#x27;er cake" in (card.caption or "") or "Pu'er cake" in (card.caption or "")
    assert "sold out" in (card.caption or "")
    # A new photo captioned /product edit SKU replaces it; photo=none removes it.
    await h.feed(h.emu.user_sends_photo(h.owner, caption="/product edit tea-02"))
    assert "Product TEA-02 changed" in h.texts_to(h.owner.id)[-1]
    changed = await _product(h, "TEA-02")
    assert changed is not None and changed.photo not in (None, product.photo)
    assert "changed" in await _staff(h, "/product edit TEA-02 photo=none")
    removed = await _product(h, "TEA-02")
    assert removed is not None and removed.photo is None
    await h.say(h.owner, "/product TEA-02")
    assert _last(h, h.owner).method == "sendMessage"


async def test_a_photo_telegram_refuses_shows_the_card_as_text_and_says_how_to_fix_it(h: Harness) -> None:
    """A product whose stored photo is another bot's file_id (file_ids are per bot; e.g. imported
    from another bot's export): Telegram refuses it, the card comes as text with a hint."""
    await _staff(h, "/product add TEA-03 | Oolong | 88")
    async with h.app.db.session() as session:
        await service.set_photo(session, "TEA-03", FileRegistry(bot_id=999).issue("photo").file_id, now=h.clock.now())
    await h.say(h.owner, "/product TEA-03")
    card, hint = h.emu.sent(h.owner.id)[-2:]
    assert card.method == "sendMessage" and "<code>TEA-03</code>" in (card.text or "") and "88.00 CNY" in card.shown
    assert hint.method == "sendMessage" and "Telegram refuses this product's photo" in hint.shown
    assert "/product edit TEA-03" in hint.shown
    # The staff send the photo again: the card has it.
    await h.feed(h.emu.user_sends_photo(h.owner, caption="/product edit TEA-03"))
    await h.say(h.owner, "/product TEA-03")
    assert _last(h, h.owner).method == "sendPhoto"


async def test_products_are_paged_with_buttons_and_searched_by_name_and_sku(h: Harness) -> None:
    for n in range(1, 20):
        await _staff(h, f"/product add TEA-{n:02d} | Green tea no. {n} | {n}")
    await _staff(h, "/product add CUP-01 | Teacup | 30 | stock=3")
    await _staff(h, "/product archive TEA-01")
    await h.say(h.owner, "/products")
    listing = _last(h, h.owner)
    text = listing.text or ""
    assert "20 products" in text and "(page 1/3)" in text
    assert text.index("CUP-01") < text.index("TEA-02")  # current products first, by SKU
    assert "TEA-01" not in text  # archived: on the last page
    buttons = [b["callback_data"] for b in listing.buttons()]
    assert buttons == [CatalogueCb(page=1, q="").pack()]
    answer = await h.tap(h.owner, listing.message_id, buttons[0], chat=h.emu.chats[h.owner.id])
    assert answer.get("text") is None  # answered at once, without a popup
    page2 = h.emu.sent(h.owner.id)[-1]
    assert page2.message_id == listing.message_id and "(page 2/3)" in (page2.text or "")
    assert [b["callback_data"] for b in page2.buttons()] == [CatalogueCb(page=0, q="").pack(),
                                                             CatalogueCb(page=2, q="").pack()]
    # A stale button past the end shows the last page, with the archived product flagged.
    await h.tap(h.owner, listing.message_id, CatalogueCb(page=99, q="").pack(), chat=h.emu.chats[h.owner.id])
    last = h.emu.sent(h.owner.id)[-1].text or ""
    assert "(page 3/3)" in last and "TEA-01" in last and "archived" in last
    # Search: every word in the name or the SKU, any case.
    await h.say(h.owner, "/products GREEN no. 1")
    found = _last(h, h.owner).text or ""
    assert "matching “green no. 1”</b>: 11 (page 1/2)" in found and "TEA-17" in found and "CUP-01" not in found
    assert "matching “green no. 19”</b>: 1 (page 1/1)" in await _staff(h, "/products green No. 19")
    assert "TEA-07" in await _staff(h, "/products tea-07")
    await h.say(h.owner, "/products cup")
    assert "CUP-01" in h.texts_to(h.owner.id)[-1] and "3 in stock" in h.texts_to(h.owner.id)[-1]
    assert "No product matches “nothing”" in await _staff(h, "/products nothing")
    # A search too long for the buttons is cut to fit; its buttons page through the same search.
    await h.say(h.owner, "/products " + "tea " * 30)
    long_search = _last(h, h.owner)
    for button in long_search.buttons():
        assert len(button["callback_data"].encode()) <= 64


async def test_an_empty_catalogue_says_how_to_add(h: Harness) -> None:
    assert "The catalogue is empty" in await _staff(h, "/products")


async def test_customers_and_group_chats_are_refused(h: Harness) -> None:
    ann = member(h, "Ann")
    for text in ("/product add TEA-01 | Tea | 9", "/product TEA-01", "/products"):
        await h.say(ann, text)
        assert "only shop staff" in h.texts_to(ann.id)[-1]
    await h.feed(h.emu.user_sends_photo(ann, caption="/product add TEA-01 | Tea | 9"))
    assert "only shop staff" in h.texts_to(ann.id)[-1]
    await h.setup_group()
    await h.say(h.owner, "/product add TEA-01 | Tea | 9", chat=h.group)
    assert "in private chat" in h.texts_to(h.group.id)[-1]
    assert await count(h, Product) == 0
    # A customer who forges a paging button gets a polite no.
    await _staff(h, "/product add TEA-01 | Tea | 9")
    await h.say(h.owner, "/products")
    listing = _last(h, h.owner)
    await h.say(ann, "/start")
    bot_message = _last(h, ann)
    answer = await h.tap(ann, bot_message.message_id, CatalogueCb(page=0, q="").pack(), chat=h.emu.chats[ann.id])
    assert "only shop staff" in answer["text"]
    assert listing.text == _last(h, h.owner).text


async def test_importing_orders_with_skus_says_how_many_the_catalogue_lacks(h: Harness) -> None:
    await _staff(h, "/product add TEA-01 | Longjing | 99")
    old = b"T-1,99,CNY,2026-03-01,1234\n"
    await h.feed(h.emu.user_sends_document(h.owner, "old.csv", old, caption="/import_orders"))
    assert "Items:" not in h.texts_to(h.owner.id)[-1]
    new = b"order_id,amount,currency,paid_at,check,status,sku\nT-1,99,CNY,2026-03-01,1234,,tea-01;GONE-1\n"
    await h.feed(h.emu.user_sends_document(h.owner, "new.csv", new, caption="/import_orders"))
    assert "Items: 2 SKUs stored on the orders; 1 not in the catalogue (GONE-1)." in h.texts_to(h.owner.id)[-1]
    bad = b"T-1,99,CNY,2026-03-01,1234,,TEA 01\n"
    await h.feed(h.emu.user_sends_document(h.owner, "bad.csv", bad, caption="/import_orders"))
    reply = h.texts_to(h.owner.id)[-1]
    assert "Nothing was imported" in reply and "Line 1" in reply and "TEA 01" in reply, reply
