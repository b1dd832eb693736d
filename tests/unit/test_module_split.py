"""Delivery and the emulator are split by concern: limiter / sender / coalescer, and one emulator
module per Bot API area, composed into one ``TelegramState`` whose public API tests rely on."""

from __future__ import annotations

import inspect
from pathlib import Path

from bot import coalescer, limiter, sender
from bot.emulator import BotAPIEmulator, TelegramState
from bot.emulator.state import TelegramState as StateClass

ROOT = Path(__file__).resolve().parents[2]


def test_delivery_is_three_modules() -> None:
    assert limiter.RateLimiter.__module__ == "bot.limiter"
    assert limiter.RateLimitMiddleware.__module__ == "bot.limiter"
    assert "sendMessage" in limiter.RATE_LIMITED_METHODS and "sendMessage" in limiter.CREATES_MESSAGE
    assert "approveChatJoinRequest" in limiter.RETRIED_METHODS
    assert sender.Sender.__module__ == "bot.sender"
    assert coalescer.GroupCoalescer.__module__ == "bot.coalescer"
    assert coalescer.chunk_items.__module__ == "bot.coalescer"
    # The sender holds the facade only: no limiter or coalescer classes defined there.
    defined = {name for name, obj in vars(sender).items() if inspect.isclass(obj) and obj.__module__ == "bot.sender"}
    assert defined == {"Sender"}


def test_every_bot_api_method_lives_in_its_area_module() -> None:
    areas = {
        "bot.emulator.api_updates": {"getme", "setwebhook", "deletewebhook", "getwebhookinfo"},
        "bot.emulator.api_messages": {"sendmessage", "sendphoto", "sendpoll", "editmessagetext", "deletemessage",
                                      "answercallbackquery", "pinchatmessage"},
        "bot.emulator.api_members": {"getchatmember", "banchatmember", "approvechatjoinrequest",
                                     "createchatinvitelink"},
        "bot.emulator.api_commands": {"setmycommands", "getmycommands", "setchatmenubutton"},
    }
    owner = {name.removeprefix("_api_"): getattr(TelegramState, name).__module__
             for name in dir(TelegramState) if name.startswith("_api_")}
    assert all(module.startswith("bot.emulator.api_") for module in owner.values()), owner
    for module, methods in areas.items():
        assert {m for m, where in owner.items() if where == module} >= methods
    assert TelegramState.inject.__module__ == "bot.emulator.faults"
    assert TelegramState.push_join_request.__module__ == "bot.emulator.world_actions"
    assert TelegramState.create_user.__module__ == "bot.emulator.world_actions"


def test_the_composed_state_keeps_its_public_api() -> None:
    assert StateClass is TelegramState and issubclass(BotAPIEmulator, TelegramState)
    for name in ("call", "inject", "inject_timeout_after_success", "create_user", "create_group", "create_channel",
                 "add_member", "set_bot_admin", "set_bot_rights", "now", "advance_clock", "upgrade_to_supergroup",
                 "enable_topics", "create_topic", "close_topic", "delete_topic", "chat", "user", "on_event",
                 "push_update", "user_sends", "user_sends_document", "file_content", "press_button",
                 "push_join_request", "push_poll_answer", "push_my_chat_member", "push_channel_post",
                 "user_blocks_bot", "sent", "messages", "message", "pending_updates"):
        assert hasattr(TelegramState, name), name
    emu = TelegramState()
    ann = emu.create_user("Ann")
    group = emu.create_group("Shop", members=[ann])
    update = emu.user_sends(ann, "/checkin", chat=group)
    assert emu.pending_updates == [update]
    sent = emu.call("sendMessage", {"chat_id": group.id, "text": "<b>hi</b>", "parse_mode": "HTML"})
    assert sent["text"] == "hi" and emu.sent(group.id)[0].plain == "hi"


def test_no_emulator_module_is_a_god_module() -> None:
    sizes = {path.name: len(path.read_text(encoding="utf-8").splitlines())
             for path in (ROOT / "bot" / "emulator").glob("*.py")}
    assert max(sizes.values()) < 500, sizes
    assert len((ROOT / "bot" / "sender.py").read_text(encoding="utf-8").splitlines()) < 500
