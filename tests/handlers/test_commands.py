"""Commands are declared once (bot/commands.py): every handler's command is declared, and the command
menus, /help per role and the refusals all follow the declaration. The menus are set (and checked
against Telegram's validation) here only: other tests start without them."""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram import Router
from aiogram.filters import Command

from bot.commands import (
    ADMIN_GROUP_COMMANDS,
    BY_NAME,
    COMMANDS,
    GROUP,
    GROUP_COMMANDS,
    OWNER_PRIVATE_COMMANDS,
    PRIVATE,
    PRIVATE_COMMANDS,
    Audience,
)
from bot.features import create_routers
from bot.texts import LANGUAGES, Texts
from games.types import Role
from tests.harness import Harness, harness


def _commands_of(router: Router) -> set[str]:
    found: set[str] = set()
    for observer in router.observers.values():
        for handler in observer.handlers:
            for flt in handler.filters or ():
                if isinstance(flt.callback, Command):
                    for command in flt.callback.commands:
                        assert isinstance(command, str), f"{router.name}: a command pattern is not declarable"
                        found.add(command)
    for sub in router.sub_routers:
        found |= _commands_of(sub)
    return found


def test_every_command_a_handler_registers_is_declared_and_every_declared_one_is_handled() -> None:
    handled: set[str] = set()
    for router in create_routers():
        handled |= _commands_of(router)
    assert handled - set(BY_NAME) == set(), "declare these in bot/commands.py"
    assert set(BY_NAME) - handled == set(), "declared but no handler"
    assert len(BY_NAME) == len(COMMANDS)


def test_every_declared_text_exists_in_every_language() -> None:
    texts = Texts()
    for lang in LANGUAGES:
        for spec in COMMANDS:
            keys = [spec.elsewhere] + ([f"cmd-{spec.name}"] if spec.menu else []) + ([spec.help] if spec.help else [])
            missing = [key for key in keys if not texts.has(lang, key)]
            assert not missing, f"{lang}: {missing}"


def test_the_menus_follow_the_declaration() -> None:
    assert PRIVATE_COMMANDS == ("start", "checkin", "me", "top", "bind", "rewards", "draw", "help")
    assert GROUP_COMMANDS == ("checkin", "me", "top", "redpacket", "help")
    assert OWNER_PRIVATE_COMMANDS == (*PRIVATE_COMMANDS, "staff")
    assert ADMIN_GROUP_COMMANDS == (*GROUP_COMMANDS, "setup", "checkin_config", "checkin_post", "gate", "welcome",
                                    "invite", "invites", "settings", "budget", "redpacket_schedule", "vote", "votes",
                                    "guess", "guesses")


@pytest.fixture
async def with_menus(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[Harness]:
    """A bot started as ``regulars run`` starts it, menus included (once: menus do not touch the database)."""
    path = tmp_path / "regulars.db"
    shutil.copy(sqlite_template, path)
    async with harness(f"sqlite+aiosqlite:///{path}", menus=True) as h:
        yield h


async def test_command_menus_are_set_per_audience_and_pass_telegrams_validation(with_menus: Harness) -> None:
    h = with_menus
    calls = [c for c in h.emu.calls if c.method.lower() == "setmycommands"]
    assert calls and all(c.ok for c in calls), [c.description for c in calls if not c.ok]
    assert all(len(c.params["commands"]) <= 100 for c in calls)

    def shown(scope: dict[str, object], lang: str = "") -> list[str]:
        return [c["command"] for c in h.emu.commands[(json.dumps(scope, sort_keys=True), lang)]]

    for lang in ("", *LANGUAGES):
        assert shown({"type": "default"}, lang) == list(PRIVATE_COMMANDS)
        assert shown({"type": "all_private_chats"}, lang) == list(PRIVATE_COMMANDS)
        assert shown({"type": "all_group_chats"}, lang) == list(GROUP_COMMANDS)
        admins = shown({"type": "all_chat_administrators"}, lang)
        assert admins == list(ADMIN_GROUP_COMMANDS) and "invites" in admins
        assert shown({"type": "chat", "chat_id": h.owner.id}, lang) == list(OWNER_PRIVATE_COMMANDS)
    zh = h.emu.commands[(json.dumps({"type": "all_chat_administrators"}, sort_keys=True), "zh")]
    assert {"command": "invites", "description": "邀请链接及带来的成员（工作人员）"} in zh


async def _staff_member(h: Harness) -> object:
    sam = h.emu.create_user("Sam", language_code="en")
    h.emu.add_member(h.group, sam, "administrator")
    await h.say(sam, "/start")  # the bot knows Sam now
    await h.say(h.owner, f"/staff add {sam.id}")
    assert "Sam" in h.texts_to(h.owner.id)[-1]
    return sam


async def test_help_lists_exactly_the_commands_of_each_role(h: Harness) -> None:
    ann = h.emu.create_user("Ann", language_code="en")
    sam = await _staff_member(h)
    for user, role in ((ann, Role.CUSTOMER), (sam, Role.STAFF), (h.owner, Role.OWNER)):
        before = len(h.texts_to(user.id))  # type: ignore[attr-defined]
        await h.say(user, "/help")
        text = "\n".join(h.texts_to(user.id)[before:])  # type: ignore[attr-defined]  # a long help comes in parts
        words = {word.strip(",、;；") for word in text.split()}
        for spec in COMMANDS:
            if spec.name == "start":
                continue
            assert (f"/{spec.name}" in words) is spec.audience.admits(role), (role, spec.name)
    # The sections are in the registry's order, headed once each.
    assert text.index("What you can do") < text.index("Staff tools") < text.index("Anywhere") < text.index("Owner")
    assert text.index("/checkin_post") < text.index("/gate") < text.index("/settings")
    zh = h.emu.create_user("Wang", language_code="zh-hans")
    await h.say(zh, "/help")
    assert "你可以" in h.texts_to(zh.id)[-1] and "/redpacket" in h.texts_to(zh.id)[-1]


async def test_refusals_and_wrong_chats_follow_the_declaration(h: Harness) -> None:
    await h.setup_group()
    sam = await _staff_member(h)
    for spec in COMMANDS:
        if spec.audience in (Audience.STAFF, Audience.OWNER):
            ann = h.emu.create_user(f"Ann {spec.name}", language_code="en")  # a customer is throttled at 8 a burst
            await h.say(ann, f"/{spec.name}")
            expected = "only the shop owner" if spec.audience is Audience.OWNER else "only shop staff"
            assert expected in h.texts_to(ann.id)[-1], spec.name
        if spec.audience is Audience.OWNER:
            await h.say(sam, f"/{spec.name}")
            assert "only the shop owner" in h.texts_to(sam.id)[-1]  # type: ignore[attr-defined]
        if spec.audience is Audience.STAFF and spec.scopes == GROUP:
            await h.say(sam, f"/{spec.name}")
            assert "shop group it is about" in h.texts_to(sam.id)[-1], spec.name  # type: ignore[attr-defined]
        if spec.audience is Audience.STAFF and spec.scopes == PRIVATE:
            before = len(h.texts_to(h.group.id))
            await h.say(sam, f"/{spec.name}", chat=h.group)
            assert "private chat" in h.texts_to(h.group.id)[-1] and len(h.texts_to(h.group.id)) == before + 1
