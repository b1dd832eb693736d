"""The fuzz ring's machinery: a shop world in one harness, one input at a time through the real
Dispatcher, and what the bot did about it.

For every input the ring checks what the issue asks for: no generic error; no error logged; every
message, edit and popup accepted by the emulator (which parses Telegram HTML and counts lengths as
Telegram does); a command of the registry, delivered, gets an answer; a refused input changes
nothing in the database (apart from the profile the bot keeps of whoever writes and the count of
wrong /bind tries, which are the point of a refusal). ``regulars doctor`` runs at the end.
"""

from __future__ import annotations

import logging
import os
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.commands import BY_NAME
from bot.db.models import metadata
from bot.emulator import EmuUser
from bot.emulator.html_check import utf16_len
from bot.emulator.world_actions import CAPTIONED, MEDIA_KINDS
from bot.middlewares import ThrottleMiddleware
from bot.texts import LANGUAGES, MAX_CALLBACK_TEXT
from tests.fuzz import strategies as fz
from tests.harness import Harness

# Bounded in CI (about a minute for the whole ring on SQLite and PostgreSQL); deeper on demand:
# REGULARS_FUZZ_EXAMPLES=5000 pytest tests/fuzz
DEEP = os.environ.get("REGULARS_FUZZ_EXAMPLES")


def ring_settings(ci_examples: int) -> settings:
    examples = int(DEEP) if DEEP else ci_examples
    return settings(max_examples=examples, deadline=None, derandomize=not DEEP, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large, HealthCheck.filter_too_much],
                    print_blob=True)


# Tables a refusal may write: the profile of whoever wrote (and where they were seen), and the
# count of wrong /bind tries (which rate-limits guessing).
REFUSAL_MAY_WRITE = frozenset({"users", "group_members", "bind_failures"})
# Texts that say no: usage lines, errors, refusals.
REFUSAL_KEY = re.compile(
    r"usage|error|-bad|bad-|-only|unknown|not-registered|too-|not-a-bot|not-staff|insufficient|-short"
    r"|need-admin|-failed|-private$|private-exposed|not-listed|not-banned|not-there|-refused|-already"
    r"|-rate-limited|-not-found|-taken|needs-|-no-channel|-unverified|-invalid|-collides")

GROUP, PLAIN, PRIVATE = "group", "plain_group", "private"
ACTORS = ("owner", "staff", "customer")


@dataclass(repr=False)
class World:
    h: Harness
    owner: EmuUser
    staff: EmuUser
    customer: EmuUser
    other_bot: EmuUser
    group: Any
    plain_group: Any
    keys: list[str] = field(default_factory=list)
    errors: list[logging.LogRecord] = field(default_factory=list)
    stats: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    @property
    def known_ids(self) -> tuple[int, ...]:
        return (self.customer.id, self.staff.id, self.owner.id, self.h.bot.id, self.other_bot.id, 999_999_999)

    def actor(self, name: str) -> EmuUser:
        return {"owner": self.owner, "staff": self.staff, "customer": self.customer}[name]

    def chat(self, where: str, user: EmuUser) -> Any:
        return {GROUP: self.group, PLAIN: self.plain_group, PRIVATE: self.h.emu.chats[user.id]}[where]


class _Recorder:
    """Texts that remember which keys were rendered (how the ring tells a refusal)."""

    def __init__(self, inner: Any, keys: list[str]) -> None:
        self.inner = inner
        self.keys = keys

    def __call__(self, lang: Any, key: str, **args: object) -> Any:
        self.keys.append(key)
        return self.inner(lang, key, **args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class _ErrorLog(logging.Handler):
    def __init__(self, records: list[logging.LogRecord]) -> None:
        super().__init__(logging.ERROR)
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def build_world(h: Harness) -> World:
    """A registered group with a budget, a red packet and the check-in post; an unregistered group;
    an owner, a staff member and a customer who all talked to the bot; another bot in the group."""
    emu = h.emu
    h.red_packets.rng = random.Random(7)
    for middleware in [*h.dp.message.outer_middleware, *h.dp.callback_query.outer_middleware]:
        if isinstance(middleware, ThrottleMiddleware):
            middleware.rate = 10**9  # a fuzzer is a flood; the throttle has its own tests
    staff = emu.create_user("Sam <staff> & Co", username="sam_staff", language_code="zh-hans")
    customer = emu.create_user("Cathy {name}", last_name="<b>", username="cathy", language_code="en")
    other_bot = emu.create_user("OtherBot", username="other_bot", is_bot=True)
    for user in (staff, customer, other_bot):
        emu.add_member(h.group, user)
    plain = emu.create_group("Plain <group>", admins=[h.owner], bot_is_admin=True)
    for user in (staff, customer):
        emu.add_member(plain, user)
    for user in (h.owner, staff, customer):
        await h.say(user, "/start")
    await h.setup_group()
    await h.say(h.owner, f"/staff add {staff.id}")
    await h.say(h.owner, "/budget add 100000")
    await h.say(customer, "/checkin")
    await h.say(h.owner, "/checkin_post", chat=h.group)
    await h.say(h.owner, "/redpacket 100 10", chat=h.group)
    await h.say(h.owner, "/redpacket 100 10 pw=hello", chat=h.group)
    await h.say(customer, "hello everyone", chat=h.group)
    await h.say(other_bot, "beep", chat=h.group)
    await h.say(h.owner, "/help", chat=plain)  # a message of the bot's there, to tap on
    world = World(h, h.owner, staff, customer, other_bot, h.group, plain)
    h.app.texts = _Recorder(h.app.texts, world.keys)  # type: ignore[assignment]
    logging.getLogger().addHandler(_ErrorLog(world.errors))
    return world


# ---- inputs ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Input:
    kind: str  # command | chatter | callback | media | document
    actor: str
    where: str
    text: str = ""
    reply: bool = False
    media: str = ""
    document: fz.Document | None = None
    tap_real: bool = False

    @property
    def is_command(self) -> bool:
        return self.kind == "command" or (self.kind in ("media", "document") and self.text.startswith("/"))


@st.composite
def inputs(draw: st.DrawFn, world: World, kinds: tuple[str, ...]) -> Input:
    kind = draw(st.sampled_from(kinds))
    actor = draw(st.sampled_from(ACTORS))
    where = draw(st.sampled_from((GROUP, PRIVATE, PRIVATE, PRIVATE, PLAIN) if kind == "document"
                                 else (GROUP, GROUP, PRIVATE, PRIVATE, PLAIN)))
    reply = draw(st.booleans()) if where != PRIVATE else False
    if kind == "command":
        return Input(kind, actor, where, draw(fz.command_text(known_ids=world.known_ids)), reply)
    if kind == "chatter":
        return Input(kind, actor, where, fz.fit(draw(fz.chatter()), fz.MAX_TEXT), reply)
    if kind == "callback":
        return Input(kind, actor, where, draw(fz.callback_data()), tap_real=draw(st.booleans()))
    caption = draw(st.one_of(st.none(), fz.command_text(known_ids=world.known_ids), fz.chatter()))
    caption = fz.fit(caption, fz.MAX_CAPTION) if caption else None
    if kind == "media":
        media = draw(st.sampled_from(sorted(MEDIA_KINDS)))
        return Input(kind, actor, where, caption if media in CAPTIONED and caption else "", reply, media=media)
    document = draw(fz.documents())
    caption = draw(st.one_of(st.just("/import_orders"), st.just("/IMPORT_ORDERS"), st.just(caption or "")))
    return Input(kind, actor, where, fz.fit(caption, fz.MAX_CAPTION), reply,
                 document=fz.Document(fz.fit(document.file_name, 255), document.content, document.mime_type))


# ---- one input, through the Dispatcher -------------------------------------------------------------------

async def snapshot(h: Harness) -> dict[str, list[tuple[Any, ...]]]:
    rows: dict[str, list[tuple[Any, ...]]] = {}
    async with h.app.db.reader() as session:
        for table in metadata.sorted_tables:
            if table.name in REFUSAL_MAY_WRITE or table.name == "alembic_version":
                continue
            result = await session.execute(select(table))
            rows[table.name] = sorted(tuple(map(repr, row)) for row in result.all())
    return rows


def _generic_texts(world: World) -> set[str]:
    return {str(world.h.app.texts.inner(lang, "error-generic")) for lang in LANGUAGES}  # type: ignore[attr-defined]


def _bot_message_in(world: World, chat: Any, user: EmuUser, real: bool) -> int | None:
    """A message of the bot's in ``chat`` to tap (with ``real``: one with buttons, if any)."""
    messages = [m for m in world.h.emu.messages(chat.id) if m.from_bot]
    if real:
        with_buttons = [m for m in messages if m.buttons()]
        messages = with_buttons or messages
    return messages[-1].message_id if messages else None


def _reply_target(world: World, chat: Any) -> int | None:
    others = [m for m in world.h.emu.messages(chat.id) if not m.from_bot]
    return others[-1].message_id if others else None


async def run(world: World, inp: Input) -> None:
    """Feed ``inp``; record any broken promise in ``world.problems`` (and count what happened)."""
    h, emu = world.h, world.h.emu
    user = world.actor(inp.actor)
    chat = world.chat(inp.where, user)
    if chat.type != "private" and chat.status_of(user.id) not in ("member", "administrator", "creator"):
        emu.add_member(chat, user)  # banned by an earlier input: back in the group, to go on talking
    sent_before, calls_before = len(emu.sent()), len(emu.calls)
    answers_before = set(emu.callback_answers)
    world.keys.clear()
    world.errors.clear()
    before = await snapshot(h)
    reply_to = _reply_target(world, chat) if inp.reply else None
    label = f"{inp.kind} by {inp.actor} in {inp.where}: {inp.text[:120]!r}"
    if inp.kind in ("command", "chatter"):
        update = emu.user_sends(user, inp.text, chat=chat, reply_to_message_id=reply_to)
    elif inp.kind == "media":
        update = emu.user_sends_media(user, inp.media, chat=chat, caption=inp.text or None)
        label += f" [{inp.media}]"
    elif inp.kind == "document":
        assert inp.document is not None
        update = emu.user_sends_document(user, inp.document.file_name, inp.document.content,
                                         caption=inp.text or None, chat=chat, mime_type=inp.document.mime_type)
        label += f" [file {inp.document.file_name[:60]!r}, {len(inp.document.content)} bytes]"
    else:
        message_id = _bot_message_in(world, chat, user, inp.tap_real)
        if message_id is None:
            return
        if inp.tap_real:
            message = emu.message(chat.id, message_id)
            data = next((b["callback_data"] for b in message.buttons() if "callback_data" in b), inp.text)
        else:
            data = inp.text
        emu.press_button(user, message_id, chat, data)
        update = emu.last_update
        label = f"tap by {inp.actor} in {inp.where} on {message_id}: {data!r}"
    world.stats["inputs"] += 1
    role = h.app.directory.role(user.id)
    await h.feed(update)
    await h.settle()

    sent = emu.sent()[sent_before:]
    calls = emu.calls[calls_before:]
    answers = [emu.callback_answers[k] for k in emu.callback_answers if k not in answers_before]
    shown = [m.shown for m in sent] + [str(a.get("text") or "") for a in answers]
    generic = _generic_texts(world)
    if "error-generic" in world.keys or any(text in generic for text in shown):
        world.stats["generic errors"] += 1
        world.problems.append(f"generic error for {label}")
    for record in world.errors:
        world.problems.append(f"logged {record.levelname} {record.name}: {record.getMessage()[:300]} for {label}")
    for call in calls:
        if not call.ok and call.method in ("sendMessage", "editMessageText", "editMessageCaption", "sendPhoto",
                                           "answerCallbackQuery", "sendDocument", "copyMessage") \
                and "message is not modified" not in (call.description or ""):
            world.problems.append(f"{call.method} refused ({call.description}) for {label}")
    for message in sent:
        if message.text is not None and not 0 < utf16_len(message.shown) <= fz.MAX_TEXT:
            world.problems.append(f"a message of {utf16_len(message.shown)} units for {label}")
    for answer in answers:
        if utf16_len(str(answer.get("text") or "")) > MAX_CALLBACK_TEXT:
            world.problems.append(f"a popup over {MAX_CALLBACK_TEXT} for {label}")
    deleted = any(c.ok and c.method == "deleteMessage" for c in calls)
    answered = bool(sent or answers or deleted)
    if inp.kind == "callback":
        if not answers:
            world.stats["unanswered taps"] += 1
            world.problems.append(f"no answer to {label}")
    elif _registry_command(inp.text):
        world.stats["commands"] += 1
        if not answered:
            world.stats["silently ignored commands"] += 1
            world.problems.append(f"no answer to {label}")
    elif inp.where == PRIVATE and not answered:
        world.stats["private messages without an answer"] += 1
        world.problems.append(f"no answer in private to {label}")
    spec = BY_NAME.get(_registry_command(inp.text) or "")
    forbidden = spec is not None and not spec.audience.admits(role)
    if forbidden:
        world.stats["staff commands tried by customers"] += 1
    if forbidden or any(REFUSAL_KEY.search(key) for key in world.keys):
        world.stats["refused"] += 1
        after = await snapshot(h)
        changed = sorted(name for name in before if before[name] != after[name])
        if changed:
            world.problems.append(f"refused ({sorted(set(world.keys))}) but wrote {changed} for {label}")


def _registry_command(text: str) -> str | None:
    """The registry command ``text`` is, if it is one addressed to this bot (or to no bot in particular)."""
    match = re.match(r"/([A-Za-z0-9_]{1,32})(@\w+)?(\s|$)", text)
    if not match:
        return None
    if match.group(2) and match.group(2)[1:].lower() != "regulars_bot":
        return None
    name = match.group(1).lower()
    return name if name in BY_NAME else None
