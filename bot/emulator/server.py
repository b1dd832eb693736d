"""A local Telegram Bot API over HTTP, for the demo and the tests.

It answers ``POST /bot<token>/<method>`` the way api.telegram.org does (form or multipart fields,
JSON-encoded complex values; ``{"ok": true, "result": …}`` or ``{"ok": false, "error_code",
"description"}``), so the real bot runs against it with aiogram's own HTTP session and long
polling. The test side builds the world (users, groups), pushes updates as users would, and
inspects everything the bot did. It also watches Telegram's rate limits and, when asked, enforces
them with 429 and ``retry_after``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import math
import secrets
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.emulator.html_check import HtmlError, check_html, strip_html
from bot.emulator.world import ApiCall, EmuChat, EmuUser, RateViolation, StoredMessage

log = logging.getLogger(__name__)

JSON_FIELDS = {"reply_markup", "commands", "scope", "allowed_updates", "entities", "caption_entities",
               "reply_parameters", "link_preview_options", "options", "permissions", "menu_button"}
GLOBAL_PER_SECOND = 30
GROUP_PER_MINUTE = 20
PRIVATE_BURST = 3
PRIVATE_PER_SECOND = 1.0
# Records are stamped on arrival, a little after the sender's own clock: allow that much slack.
SLACK = 0.25
CALLBACK_TTL = 15.0
POSTING_METHODS = {"sendmessage", "sendphoto", "sendpoll", "senddocument", "sendanimation", "copymessage",
                   "forwardmessage", "editmessagetext", "editmessagereplymarkup", "editmessagecaption",
                   "stoppoll"}


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


class BotAPIEmulator:
    def __init__(self, *, token: str = "123456:TEST-TOKEN", bot_username: str = "regulars_bot",
                 bot_first_name: str = "Regulars", enforce_limits: bool = False) -> None:
        head, _, _ = token.partition(":")
        if not head.isdigit():
            raise ValueError("token must look like 123456:SECRET")
        self.token = token
        self.bot_id = int(head)
        self.bot_user = {"id": self.bot_id, "is_bot": True, "first_name": bot_first_name,
                         "username": bot_username, "can_join_groups": True, "can_read_all_group_messages": False,
                         "supports_inline_queries": False}
        self.enforce_limits = enforce_limits
        self.users: dict[int, EmuUser] = {}
        self.chats: dict[int, EmuChat] = {}
        self.calls: list[ApiCall] = []
        self.edits: list[StoredMessage] = []
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.rate_violations: list[RateViolation] = []
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.join_request_decisions: list[tuple[int, int, str]] = []
        self.invite_links: dict[str, dict[str, Any]] = {}
        self.polls: dict[str, dict[str, Any]] = {}
        self.last_update: dict[str, Any] = {}
        self._messages: dict[int, dict[int, StoredMessage]] = defaultdict(dict)
        self._message_ids: dict[int, itertools.count[int]] = defaultdict(lambda: itertools.count(1))
        self._user_ids = itertools.count(1001)
        self._group_ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._updates: deque[dict[str, Any]] = deque()
        self._update_event = asyncio.Event()
        self._callbacks_open: dict[str, tuple[float, int]] = {}  # id -> (created, user id)
        self._sent_global: deque[float] = deque()
        self._sent_group: dict[int, deque[float]] = defaultdict(deque)
        self._private_tokens: dict[int, tuple[float, float]] = {}
        self._listeners: list[Callable[[dict[str, Any]], None]] = []
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # ---- lifecycle --------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        assert server is not None
        bound = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://{host}:{bound}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            self._update_event.set()
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotAPIEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ---- world building ---------------------------------------------------------------------------

    def create_user(self, first_name: str, *, last_name: str | None = None, username: str | None = None,
                    language_code: str | None = "en", is_bot: bool = False) -> EmuUser:
        user = EmuUser(next(self._user_ids), first_name, last_name, username, language_code, is_bot)
        self.users[user.id] = user
        self.chats[user.id] = EmuChat(user.id, "private", user=user)
        return user

    def create_group(self, title: str, *, members: list[EmuUser] = (), admins: list[EmuUser] = (),  # type: ignore[assignment]
                     bot_is_admin: bool = True) -> EmuChat:
        chat_id = -1001000000000 - next(self._group_ids)
        chat = EmuChat(chat_id, "supergroup", title=title, bot_status="administrator" if bot_is_admin else "member")
        for user in members:
            chat.members[user.id] = "member"
        for user in admins:
            chat.members[user.id] = "administrator"
        self.chats[chat_id] = chat
        return chat

    def create_channel(self, title: str, *, members: list[EmuUser] = ()) -> EmuChat:  # type: ignore[assignment]
        chat_id = -1002000000000 - next(self._group_ids)
        chat = EmuChat(chat_id, "channel", title=title, bot_status="administrator")
        for user in members:
            chat.members[user.id] = "member"
        self.chats[chat_id] = chat
        return chat

    def add_member(self, chat: EmuChat, user: EmuUser, status: str = "member") -> None:
        chat.members[user.id] = status

    def set_bot_admin(self, chat: EmuChat, admin: bool) -> None:
        chat.bot_status = "administrator" if admin else "member"

    def chat(self, chat_id: int) -> EmuChat:
        return self.chats[chat_id]

    def on_event(self, callback: Callable[[dict[str, Any]], None]) -> None:
        self._listeners.append(callback)

    # ---- pushing updates (what users do) ----------------------------------------------------------

    def push_update(self, raw: dict[str, Any]) -> dict[str, Any]:
        update = dict(raw)
        if "update_id" not in update:
            update["update_id"] = next(self._update_ids)
        self._updates.append(update)
        self.last_update = update
        self._update_event.set()
        self._touch()
        return update

    def user_sends(self, user: EmuUser, text: str, chat: EmuChat | None = None,
                   reply_to_message_id: int | None = None) -> dict[str, Any]:
        target = chat or self.chats[user.id]
        if target.type == "private":
            user.started_bot = True
        elif user.id not in target.members:
            target.members[user.id] = "member"
        message = self._store(target, user.to_dict(), text=text, reply_to=reply_to_message_id)
        data = message.to_dict(target)
        if reply_to_message_id is not None and reply_to_message_id in self._messages[target.id]:
            data["reply_to_message"] = self._messages[target.id][reply_to_message_id].to_dict(target)
        self._emit({"type": "user_message", "from_name": user.full_name, "chat_id": target.id, "text": text})
        return self.push_update({"message": data})

    def press_button(self, user: EmuUser, message_id: int, chat: EmuChat, data: str) -> str:
        message = self._messages[chat.id].get(message_id)
        if message is None:
            raise KeyError(f"no message {message_id} in chat {chat.id}")
        cq_id = f"{self.bot_id}{next(self._callback_ids):08d}"
        self._callbacks_open[cq_id] = (time.monotonic(), user.id)
        label = next((b.get("text", "") for row in (message.reply_markup or {}).get("inline_keyboard", [])
                      for b in row if b.get("callback_data") == data), data)
        self._emit({"type": "button", "from_name": user.full_name, "chat_id": chat.id, "data": data,
                    "button": label})
        self.push_update({"callback_query": {
            "id": cq_id, "from": user.to_dict(), "chat_instance": str(abs(chat.id)), "data": data,
            "message": message.to_dict(chat),
        }})
        return cq_id

    def push_join_request(self, user: EmuUser, chat: EmuChat, invite_link: str | None = None) -> dict[str, Any]:
        request: dict[str, Any] = {"chat": chat.to_dict(), "from": user.to_dict(), "user_chat_id": user.id,
                                   "date": int(time.time())}
        if invite_link and invite_link in self.invite_links:
            request["invite_link"] = self.invite_links[invite_link]
        return self.push_update({"chat_join_request": request})

    def push_poll_answer(self, user: EmuUser, poll_id: str, option_ids: list[int]) -> dict[str, Any]:
        return self.push_update({"poll_answer": {"poll_id": poll_id, "user": user.to_dict(),
                                                 "option_ids": option_ids}})

    def push_my_chat_member(self, chat: EmuChat, new_status: str, by: EmuUser | None = None) -> dict[str, Any]:
        old = chat.bot_status
        chat.bot_status = new_status
        actor = by or next(iter(self.users.values()))
        return self.push_update({"my_chat_member": {
            "chat": chat.to_dict(), "from": actor.to_dict(), "date": int(time.time()),
            "old_chat_member": self._member_dict(self.bot_user, old),
            "new_chat_member": self._member_dict(self.bot_user, new_status),
        }})

    # ---- inspection --------------------------------------------------------------------------------

    def sent(self, chat_id: int | None = None, method: str | None = None) -> list[StoredMessage]:
        """Every message the bot sent (as it stands now), oldest first."""
        chats = [chat_id] if chat_id is not None else list(self._messages)
        found = [m for cid in chats for m in self._messages.get(cid, {}).values() if m.from_bot]
        if method is not None:
            found = [m for m in found if m.method == method]
        return sorted(found, key=lambda m: (m.t, m.message_id))

    def messages(self, chat_id: int) -> list[StoredMessage]:
        return [m for m in self._messages.get(chat_id, {}).values() if not m.deleted]

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            while not predicate():
                self._changed.clear()
                try:
                    await asyncio.wait_for(self._changed.wait(), 0.05)
                except TimeoutError:
                    pass

    async def wait_callback_answer(self, callback_query_id: str, timeout: float = 5.0) -> dict[str, Any]:
        await self.wait_until(lambda: callback_query_id in self.callback_answers, timeout)
        return self.callback_answers[callback_query_id]

    async def wait_sent(self, chat_id: int, count: int = 1, timeout: float = 5.0) -> list[StoredMessage]:
        await self.wait_until(lambda: len(self.sent(chat_id)) >= count, timeout)
        return self.sent(chat_id)

    # ---- HTTP ---------------------------------------------------------------------------------------

    async def _file(self, request: web.Request) -> web.Response:
        return web.Response(body=b"", content_type="application/octet-stream")

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return self._reply(method, {}, ApiError(401, "Unauthorized"))
        params = await self._params(request)
        handler: Callable[[dict[str, Any]], Awaitable[Any]] | None = getattr(
            self, f"_api_{method.lower()}", None)
        if handler is None:
            return self._reply(method, params, ApiError(404, "Not Found"))
        try:
            self._check_limits(method.lower(), params)
            result = await handler(params)
        except ApiError as exc:
            return self._reply(method, params, exc)
        except (KeyError, ValueError, TypeError) as exc:
            return self._reply(method, params, _bad(f"invalid parameters ({exc})"))
        return self._reply(method, params, None, result)

    def _reply(self, method: str, params: dict[str, Any], error: ApiError | None, result: Any = None
               ) -> web.Response:
        now = time.monotonic()
        if error is None:
            self.calls.append(ApiCall(method, params, now, True))
            self._touch()
            return web.json_response({"ok": True, "result": result})
        self.calls.append(ApiCall(method, params, now, False, error.code, error.description))
        body: dict[str, Any] = {"ok": False, "error_code": error.code, "description": error.description}
        if error.parameters:
            body["parameters"] = error.parameters
        self._touch()
        return web.json_response(body, status=error.code)

    async def _params(self, request: web.Request) -> dict[str, Any]:
        raw: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                raw.update(await request.json())
            else:
                form = await request.post()
                for key, value in form.items():
                    raw[key] = value if isinstance(value, str) else getattr(value, "filename", "upload")
        params: dict[str, Any] = {}
        for key, value in raw.items():
            if isinstance(value, str) and key in JSON_FIELDS:
                try:
                    value = json.loads(value)
                except ValueError:
                    raise ApiError(400, f"Bad Request: can't parse {key} JSON object") from None
            params[key] = value
        return params

    # ---- limits ------------------------------------------------------------------------------------

    def _check_limits(self, method: str, params: dict[str, Any]) -> None:
        if method not in POSTING_METHODS or "chat_id" not in params:
            return
        chat_id = self._chat_id(params)
        now = time.monotonic()
        retry: float | None = None
        rule = ""
        window = self._sent_global
        while window and window[0] <= now - (1.0 - SLACK):
            window.popleft()
        if len(window) >= GLOBAL_PER_SECOND:
            retry, rule = 1.0, "30 messages per second overall"
        if chat_id < 0:
            group = self._sent_group[chat_id]
            while group and group[0] <= now - (60.0 - SLACK):
                group.popleft()
            if len(group) >= GROUP_PER_MINUTE:
                retry, rule = max(retry or 0, group[0] + 60.0 - now), "20 messages per minute in a group"
        else:
            tokens, stamp = self._private_tokens.get(chat_id, (float(PRIVATE_BURST), now))
            tokens = min(float(PRIVATE_BURST), tokens + (now - stamp) * PRIVATE_PER_SECOND * (1 + SLACK))
            if tokens < 1.0:
                retry, rule = max(retry or 0, (1.0 - tokens) / PRIVATE_PER_SECOND), "1 message per second in a chat"
            else:
                tokens -= 1.0
            self._private_tokens[chat_id] = (tokens, now)
        if retry is not None:
            self.rate_violations.append(RateViolation(method, chat_id, now, rule))
            if self.enforce_limits:
                seconds = max(1, math.ceil(retry))
                raise ApiError(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})
        self._sent_global.append(now)
        if chat_id < 0:
            self._sent_group[chat_id].append(now)

    # ---- helpers -----------------------------------------------------------------------------------

    def _emit(self, event: dict[str, Any]) -> None:
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:  # pragma: no cover - a listener must not break the API
                log.exception("emulator listener failed")

    def _touch(self) -> None:
        self._changed.set()

    def _chat_id(self, params: dict[str, Any]) -> int:
        value = params.get("chat_id")
        if value is None:
            raise _bad("chat_id is empty")
        text = str(value)
        if text.startswith("@"):
            for chat in self.chats.values():
                if chat.title and chat.title.lower().replace(" ", "") == text[1:].lower():
                    return chat.id
            raise _bad("chat not found")
        try:
            return int(text)
        except ValueError:
            raise _bad("chat not found") from None

    def _target(self, params: dict[str, Any], *, posting: bool = True) -> EmuChat:
        chat_id = self._chat_id(params)
        chat = self.chats.get(chat_id)
        if chat is None:
            raise _bad("chat not found")
        if posting and chat.type == "private" and chat.user is not None and not chat.user.started_bot:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        if posting and chat.is_group and chat.bot_status in ("left", "kicked"):
            raise ApiError(403, f"Forbidden: bot was kicked from the {chat.type} chat")
        return chat

    def _store(self, chat: EmuChat, sender: dict[str, Any], *, from_bot: bool = False, **fields: Any
               ) -> StoredMessage:
        message = StoredMessage(chat_id=chat.id, message_id=next(self._message_ids[chat.id]), date=int(time.time()),
                                sender=sender, from_bot=from_bot, t=time.monotonic(), **fields)
        self._messages[chat.id][message.message_id] = message
        return message

    def _message(self, params: dict[str, Any]) -> tuple[EmuChat, StoredMessage]:
        chat = self._target(params)
        message = self._messages[chat.id].get(int(params.get("message_id", 0)))
        if message is None or message.deleted:
            raise _bad("message to edit not found")
        if not message.from_bot:
            raise _bad("message can't be edited")
        return chat, message

    @staticmethod
    def _check_text(text: str | None, parse_mode: str | None, *, what: str = "message text") -> str:
        if text is None or not str(text).strip():
            raise _bad(f"{what} is empty")
        text = str(text)
        if parse_mode and parse_mode.upper() == "HTML":
            try:
                check_html(text)
            except HtmlError as exc:
                raise _bad(str(exc)) from None
            visible = strip_html(text)
        else:
            visible = text
        if len(visible) > 4096:
            raise _bad("message is too long")
        return text

    @staticmethod
    def _markup(params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if markup is None:
            return None
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and len(data.encode()) > 64:
                    raise _bad("BUTTON_DATA_INVALID")
        return markup  # type: ignore[no-any-return]

    def _bot_sent(self, chat: EmuChat, message: StoredMessage, kind: str = "bot_message") -> None:
        self._emit({"type": kind, "chat_id": chat.id, "message_id": message.message_id,
                    "text": message.text if message.text is not None else message.caption,
                    "buttons": message.button_labels()})

    def _member_dict(self, user: dict[str, Any], status: str) -> dict[str, Any]:
        if status == "administrator":
            return {"status": "administrator", "user": user, "can_be_edited": False, "is_anonymous": False,
                    "can_manage_chat": True, "can_delete_messages": True, "can_manage_video_chats": True,
                    "can_restrict_members": True, "can_promote_members": False, "can_change_info": True,
                    "can_invite_users": True, "can_post_stories": False, "can_edit_stories": False,
                    "can_delete_stories": False, "can_send_welcome_messages": True, "can_pin_messages": True}
        if status == "creator":
            return {"status": "creator", "user": user, "is_anonymous": False}
        if status == "kicked":
            return {"status": "kicked", "user": user, "until_date": 0}
        if status in ("left", "member"):
            return {"status": status, "user": user}
        return {"status": "member", "user": user}

    # ---- Bot API methods ---------------------------------------------------------------------------

    async def _api_getme(self, params: dict[str, Any]) -> Any:
        return self.bot_user

    async def _api_logout(self, params: dict[str, Any]) -> Any:
        return True

    async def _api_close(self, params: dict[str, Any]) -> Any:
        return True

    async def _api_deletewebhook(self, params: dict[str, Any]) -> Any:
        if params.get("drop_pending_updates") in ("true", True):
            self._updates.clear()
        return True

    async def _api_getwebhookinfo(self, params: dict[str, Any]) -> Any:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": len(self._updates)}

    async def _api_getupdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset", 0) or 0)
        limit = max(1, min(100, int(params.get("limit", 100) or 100)))
        timeout = max(0.0, float(params.get("timeout", 0) or 0))
        allowed = params.get("allowed_updates")
        if offset:
            while self._updates and self._updates[0]["update_id"] < offset:
                self._updates.popleft()
        deadline = time.monotonic() + timeout
        while True:
            ready = [u for u in self._updates if not allowed or any(k in u for k in allowed)][:limit]
            if ready or time.monotonic() >= deadline or self._runner is None:
                return ready
            self._update_event.clear()
            try:
                await asyncio.wait_for(self._update_event.wait(), deadline - time.monotonic())
            except TimeoutError:
                pass

    async def _send(self, params: dict[str, Any], **fields: Any) -> Any:
        chat = self._target(params)
        reply_to = params.get("reply_to_message_id")
        parameters = params.get("reply_parameters")
        if isinstance(parameters, dict):
            reply_to = parameters.get("message_id")
            if int(reply_to) not in self._messages[chat.id] and not parameters.get("allow_sending_without_reply"):
                raise _bad("message to be replied not found")
        message = self._store(chat, self.bot_user, from_bot=True, reply_markup=self._markup(params),
                              parse_mode=params.get("parse_mode"), reply_to=int(reply_to) if reply_to else None,
                              **fields)
        self._bot_sent(chat, message)
        return message.to_dict(chat)

    async def _api_sendmessage(self, params: dict[str, Any]) -> Any:
        text = self._check_text(params.get("text"), params.get("parse_mode"))
        return await self._send(params, text=text, method="sendMessage")

    async def _api_sendphoto(self, params: dict[str, Any]) -> Any:
        caption = params.get("caption")
        if caption is not None:
            caption = self._check_text(caption, params.get("parse_mode"), what="caption")
        photo = params.get("photo")
        if not photo:
            raise _bad("there is no photo in the request")
        file_id = f"AgAC{secrets.token_hex(12)}"
        return await self._send(params, caption=caption, photo=file_id, method="sendPhoto")

    async def _api_sendpoll(self, params: dict[str, Any]) -> Any:
        options = params.get("options") or []
        if len(options) < 2:
            raise _bad("poll must have at least 2 option")
        poll_id = str(next(self._update_ids) * 7919)
        poll = {"id": poll_id, "question": str(params.get("question", "")),
                "options": [{"text": o if isinstance(o, str) else o.get("text", ""), "voter_count": 0,
                             "persistent_id": str(i)}
                            for i, o in enumerate(options)],
                "total_voter_count": 0, "is_closed": False,
                "is_anonymous": params.get("is_anonymous", "true") not in ("false", False),
                "type": params.get("type", "regular"),
                "allows_multiple_answers": params.get("allows_multiple_answers") in ("true", True),
                "allows_revoting": True, "members_only": False}
        self.polls[poll_id] = poll
        return await self._send(params, poll=poll, text=None, method="sendPoll")

    async def _api_stoppoll(self, params: dict[str, Any]) -> Any:
        chat = self._target(params)
        message = self._messages[chat.id].get(int(params.get("message_id", 0)))
        if message is None or message.poll is None:
            raise _bad("message with poll to stop not found")
        if message.poll["is_closed"]:
            raise _bad("poll has already been closed")
        message.poll["is_closed"] = True
        return message.poll

    async def _api_editmessagetext(self, params: dict[str, Any]) -> Any:
        chat, message = self._message(params)
        text = self._check_text(params.get("text"), params.get("parse_mode"))
        markup = self._markup(params)
        if text == message.text and markup == message.reply_markup:
            raise _bad("message is not modified: specified new message content and reply markup are exactly "
                       "the same as a current content and reply markup of the message")
        message.text, message.reply_markup, message.edited = text, markup, int(time.time())
        self.edits.append(message)
        self._bot_sent(chat, message, "bot_edit")
        return message.to_dict(chat)

    async def _api_editmessagereplymarkup(self, params: dict[str, Any]) -> Any:
        chat, message = self._message(params)
        markup = self._markup(params)
        if markup == message.reply_markup:
            raise _bad("message is not modified: specified new message content and reply markup are exactly "
                       "the same as a current content and reply markup of the message")
        message.reply_markup, message.edited = markup, int(time.time())
        self.edits.append(message)
        return message.to_dict(chat)

    async def _api_deletemessage(self, params: dict[str, Any]) -> Any:
        chat = self._target(params, posting=False)
        message = self._messages[chat.id].get(int(params.get("message_id", 0)))
        if message is None or message.deleted:
            raise _bad("message to delete not found")
        if not message.from_bot and chat.bot_status != "administrator":
            raise _bad("message can't be deleted")
        message.deleted = True
        self._emit({"type": "bot_delete", "chat_id": chat.id, "message_id": message.message_id})
        return True

    async def _api_answercallbackquery(self, params: dict[str, Any]) -> Any:
        cq_id = str(params.get("callback_query_id", ""))
        opened = self._callbacks_open.pop(cq_id, None)
        if opened is None or time.monotonic() - opened[0] > CALLBACK_TTL:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        answer = {"text": text, "show_alert": params.get("show_alert") in ("true", True), "url": params.get("url"),
                  "user_id": opened[1], "t": time.monotonic()}
        self.callback_answers[cq_id] = answer
        user = self.users.get(opened[1])
        self._emit({"type": "callback_answer", "to_name": user.full_name if user else "?", "text": text,
                    "show_alert": answer["show_alert"]})
        return True

    async def _api_getchat(self, params: dict[str, Any]) -> Any:
        chat = self._target(params, posting=False)
        data = chat.to_dict()
        data.update({"accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": {
            "unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False, "premium_subscription": False,
            "gifts_from_channels": False}})
        return data

    async def _api_getchatmember(self, params: dict[str, Any]) -> Any:
        chat = self._target(params, posting=False)
        user_id = int(params.get("user_id", 0))
        if user_id == self.bot_id:
            return self._member_dict(self.bot_user, chat.bot_status)
        user = self.users.get(user_id)
        if user is None:
            raise _bad("user not found")
        return self._member_dict(user.to_dict(), chat.members.get(user_id, "left"))

    async def _api_getchatadministrators(self, params: dict[str, Any]) -> Any:
        chat = self._target(params, posting=False)
        admins = [self._member_dict(self.users[uid].to_dict(), status) for uid, status in chat.members.items()
                  if status in ("administrator", "creator")]
        if chat.bot_status == "administrator":
            admins.append(self._member_dict(self.bot_user, "administrator"))
        return admins

    async def _api_getchatmembercount(self, params: dict[str, Any]) -> Any:
        chat = self._target(params, posting=False)
        return sum(1 for s in chat.members.values() if s not in ("left", "kicked")) + 1

    def _join_decision(self, params: dict[str, Any], decision: str) -> Any:
        chat = self._target(params, posting=False)
        user_id = int(params.get("user_id", 0))
        pending = any("chat_join_request" in u and u["chat_join_request"]["chat"]["id"] == chat.id
                      and u["chat_join_request"]["from"]["id"] == user_id for u in [self.last_update, *self._updates])
        already = any(c == chat.id and u == user_id for c, u, _ in self.join_request_decisions)
        if already and not pending:
            raise _bad("HIDE_REQUESTER_MISSING")
        self.join_request_decisions.append((chat.id, user_id, decision))
        if decision == "approved":
            chat.members[user_id] = "member"
        return True

    async def _api_approvechatjoinrequest(self, params: dict[str, Any]) -> Any:
        return self._join_decision(params, "approved")

    async def _api_declinechatjoinrequest(self, params: dict[str, Any]) -> Any:
        return self._join_decision(params, "declined")

    async def _api_createchatinvitelink(self, params: dict[str, Any]) -> Any:
        chat = self._target(params, posting=False)
        if chat.bot_status != "administrator":
            raise _bad("not enough rights to manage chat invite link")
        creates = params.get("creates_join_request") in ("true", True)
        if creates and params.get("member_limit"):
            raise _bad("can't combine member_limit with creates_join_request")
        link = {"invite_link": f"https://t.me/+{secrets.token_urlsafe(12)}", "creator": self.bot_user,
                "creates_join_request": creates, "is_primary": False, "is_revoked": False}
        for key in ("name", "expire_date", "member_limit"):
            if params.get(key):
                link[key] = int(params[key]) if key != "name" else params[key]
        self.invite_links[link["invite_link"]] = link
        return link

    async def _api_revokechatinvitelink(self, params: dict[str, Any]) -> Any:
        self._target(params, posting=False)
        link = self.invite_links.get(str(params.get("invite_link")))
        if link is None:
            raise _bad("INVITE_HASH_EXPIRED")
        link["is_revoked"] = True
        return link

    async def _api_banchatmember(self, params: dict[str, Any]) -> Any:
        chat = self._target(params, posting=False)
        if chat.bot_status != "administrator":
            raise _bad("not enough rights to restrict/unrestrict chat member")
        chat.members[int(params["user_id"])] = "kicked"
        return True

    async def _api_unbanchatmember(self, params: dict[str, Any]) -> Any:
        chat = self._target(params, posting=False)
        user_id = int(params["user_id"])
        if chat.members.get(user_id) == "kicked":
            chat.members[user_id] = "left"
        return True

    @staticmethod
    def _scope_key(params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    async def _api_setmycommands(self, params: dict[str, Any]) -> Any:
        commands = params.get("commands") or []
        for command in commands:
            name = command.get("command", "")
            if not (1 <= len(name) <= 32) or not name.replace("_", "").isalnum() or name.lower() != name:
                raise _bad("BOT_COMMAND_INVALID")
            if not (1 <= len(command.get("description", "")) <= 256):
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._scope_key(params)] = commands
        return True

    async def _api_deletemycommands(self, params: dict[str, Any]) -> Any:
        self.commands.pop(self._scope_key(params), None)
        return True

    async def _api_getmycommands(self, params: dict[str, Any]) -> Any:
        return self.commands.get(self._scope_key(params), [])

    async def _api_setchatmenubutton(self, params: dict[str, Any]) -> Any:
        return True
