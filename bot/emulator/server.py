"""A local Telegram Bot API over HTTP, for the demo and the tests.

It answers ``POST /bot<token>/<method>`` the way api.telegram.org does (query, form or multipart
fields with JSON-encoded complex values, or a JSON body; ``{"ok": true, "result": …}`` or
``{"ok": false, "error_code", "description"[, "parameters"]}`` with Telegram's wording), so the real
bot runs against it with aiogram's own HTTP session and long polling (getUpdates).

The test side builds the world (users, groups, channels), pushes updates as users would, and
inspects everything the bot did; see :class:`bot.emulator.state.TelegramState` for those methods.
Telegram's flood limits are watched and, with ``enforce_limits=True``, enforced with 429 and
``retry_after``. Failures can be injected on any method (``inject``: 429 with ``retry_after``,
5xx, 4xx with Telegram's text, a dropped connection; ``inject_timeout_after_success``: the call
is carried out, then the connection is dropped so the client times out). A webhook set with
setWebhook makes getUpdates answer 409, as on Telegram.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.emulator.api_updates import WEBHOOK_CONFLICT
from bot.emulator.core import DEFAULT_UPDATES, JSON_FIELDS, ApiError, Params, bad_request, int_param
from bot.emulator.faults import ConnectionAbort
from bot.emulator.state import TelegramState
from bot.emulator.world import ApiCall, StoredMessage, UploadedFile

log = logging.getLogger(__name__)

CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"


def decode_params(raw: dict[str, Any]) -> Params:
    """Request fields as Telegram reads them: JSON-encoded complex values decoded, the rest kept as sent."""
    params: Params = {}
    for key, value in raw.items():
        if isinstance(value, str) and key in JSON_FIELDS:
            try:
                value = json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {key} JSON object") from None
        params[key] = value
    return params


class BotAPIEmulator(TelegramState):
    """Telegram for one bot, served over HTTP on 127.0.0.1; usable as ``async with``.

    >>> async with BotAPIEmulator(token="123456:TEST-TOKEN", enforce_limits=True) as emu:
    ...     bot = Bot(emu.token, session=AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url)))
    """

    def __init__(self, *, token: str = "123456:TEST-TOKEN", bot_username: str = "regulars_bot",
                 bot_first_name: str = "Regulars", enforce_limits: bool = False, privacy_mode: bool = False,
                 limit_scale: float = 1.0) -> None:
        super().__init__(token=token, bot_username=bot_username, bot_first_name=bot_first_name,
                         enforce_limits=enforce_limits, privacy_mode=privacy_mode, limit_scale=limit_scale)
        self.base_url = ""
        self._runner: web.AppRunner | None = None
        self._closing = False
        self._poll_generation = 0
        self._update_signal = asyncio.Event()
        self._change_signal = asyncio.Event()

    # ---- lifecycle --------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on ``host:port`` (0: any free port); returns the base URL, also in ``base_url``."""
        if self._runner is not None:
            raise RuntimeError("the emulator is already running")
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._file)
        self._closing = False
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound = self._runner.addresses[0][1]
        self.base_url = f"http://{host}:{bound}"
        log.info("Bot API emulator for @%s on %s", self.bot_username, self.base_url)
        return self.base_url

    async def stop(self) -> None:
        """Answer pending long polls with no updates and shut the server down."""
        if self._runner is None:
            return
        self._closing = True
        self._wake_pollers()
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def __aenter__(self) -> BotAPIEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ---- waiting for the bot ----------------------------------------------------------------------

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Return as soon as ``predicate()`` holds (checked after every request); TimeoutError otherwise."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout} s")
            changed = self._change_signal
            try:
                await asyncio.wait_for(changed.wait(), min(remaining, 0.05))
            except TimeoutError:
                pass

    async def wait_callback_answer(self, callback_query_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """The parameters of the bot's answerCallbackQuery for ``callback_query_id``."""
        try:
            await self.wait_until(lambda: callback_query_id in self.callback_answers, timeout)
        except TimeoutError:
            raise TimeoutError(f"callback query {callback_query_id} not answered within {timeout} s") from None
        return self.callback_answers[callback_query_id]

    async def wait_sent(self, chat_id: int, count: int = 1, timeout: float = 5.0) -> list[StoredMessage]:
        """Wait until the bot has sent at least ``count`` messages to ``chat_id``; returns them all."""
        try:
            await self.wait_until(lambda: len(self._sent_by_chat.get(chat_id, ())) >= count, timeout)
        except TimeoutError:
            have = len(self._sent_by_chat.get(chat_id, ()))
            raise TimeoutError(f"{have} of {count} messages sent to {chat_id} within {timeout} s") from None
        return self.sent(chat_id)

    # ---- waking waiters -----------------------------------------------------------------------------

    def _changed(self, *, new_update: bool = False) -> None:
        if new_update:
            self._wake_pollers()
        self._touch()

    def _touch(self) -> None:
        """Wake wait_until()."""
        self._change_signal.set()
        self._change_signal = asyncio.Event()

    def _wake_pollers(self) -> None:
        self._update_signal.set()
        self._update_signal = asyncio.Event()

    # ---- HTTP ---------------------------------------------------------------------------------------

    async def _file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        content = self.file_content(request.match_info["path"])
        if content is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        return web.Response(body=content, content_type="application/octet-stream")

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return self._reply(method, {}, ApiError(401, "Unauthorized"))
        try:
            params = await self._params(request)
        except ApiError as exc:
            return self._reply(method, {}, exc)
        try:
            status, body = await self.answer(self.token, method, params)
        except ConnectionAbort as abort:
            if abort.delay:
                await asyncio.sleep(abort.delay)
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)  # never reaches the client: the connection is gone
        return web.json_response(body, status=status)

    async def answer(self, token: str, method: str, params: Params) -> tuple[int, dict[str, Any]]:
        """Answer one Bot API request as the HTTP server does: (HTTP status, JSON body), recorded in
        ``calls``. ``params`` as decoded by :func:`decode_params`. An injected network failure is
        recorded, then raised as :class:`ConnectionAbort` (the caller drops the connection after
        ``delay`` s). The HTTP handler and the in-process session (bot.emulator.session) share it."""
        if token != self.token:
            return self._answer(method, {}, ApiError(401, "Unauthorized"))
        try:
            if method.lower() == "getupdates":
                result: Any = await self._get_updates(params)
            else:
                result = self.call(method, params)
        except ApiError as exc:
            return self._answer(method, params, exc)
        except ConnectionAbort as abort:
            now = time.monotonic()
            if abort.performed:
                self.calls.append(ApiCall(method, params, now, True))
            else:
                self.calls.append(ApiCall(method, params, now, False, 0, "connection dropped"))
            self._touch()
            raise
        except Exception:
            log.exception("emulator failed on %s %s", method, params)
            return self._answer(method, params, ApiError(500, "Internal Server Error"))
        return self._answer(method, params, None, result)

    def _reply(self, method: str, params: Params, error: ApiError | None, result: Any = None) -> web.Response:
        status, body = self._answer(method, params, error, result)
        return web.json_response(body, status=status)

    def _answer(self, method: str, params: Params, error: ApiError | None, result: Any = None
                ) -> tuple[int, dict[str, Any]]:
        now = time.monotonic()
        if error is None:
            self.calls.append(ApiCall(method, params, now, True, result=result))
            self._touch()
            return 200, {"ok": True, "result": result}
        log.debug("%s -> %s %s", method, error.code, error.description)
        self.calls.append(ApiCall(method, params, now, False, error.code, error.description))
        body: dict[str, Any] = {"ok": False, "error_code": error.code, "description": error.description}
        if error.parameters:
            body["parameters"] = error.parameters
        self._touch()
        return error.code, body

    async def _params(self, request: web.Request) -> Params:
        raw: dict[str, Any] = dict(request.query)
        if request.body_exists:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise bad_request("can't parse JSON request body") from None
                if isinstance(body, dict):
                    raw.update(body)
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, str):
                        raw[key] = value
                    elif isinstance(value, web.FileField):
                        raw[key] = UploadedFile(value.filename or key, len(value.file.read()))
                    else:  # a part without a file name, read as bytes
                        raw[key] = UploadedFile(key, len(value))
        return decode_params(raw)

    # ---- long polling -------------------------------------------------------------------------------

    async def _get_updates(self, params: Params) -> list[dict[str, Any]]:
        """getUpdates: confirm by ``offset``, then wait up to ``timeout`` s for up to ``limit`` updates.
        Refused with 409 while a webhook is set, as on Telegram."""
        if self.webhook_url:
            raise ApiError(409, WEBHOOK_CONFLICT)
        fault = self._take_fault("getUpdates", params)
        if fault is not None:
            if fault.error in ("network", "timeout_after_success"):
                raise ConnectionAbort("getUpdates", performed=False, delay=fault.delay)
            code = int(fault.error)
            if code == 429:
                seconds = fault.retry_after if fault.retry_after is not None else 1
                raise ApiError(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})
            raise ApiError(code, fault.description or "Internal Server Error")
        offset = int_param(params, "offset", 0)
        limit = max(1, min(100, int_param(params, "limit", 100)))
        timeout = max(0.0, float(params.get("timeout") or 0))
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed = frozenset(allowed) if allowed else DEFAULT_UPDATES
        # A newer getUpdates ends an older one still waiting, as on Telegram.
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_pollers()
        self._confirm(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            batch = self._take(limit)
            if batch or self._closing:
                return batch
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            signal = self._update_signal
            try:
                await asyncio.wait_for(signal.wait(), remaining)
            except TimeoutError:
                pass
            if generation != self._poll_generation and not self._closing:
                raise ApiError(409, CONFLICT)
