"""An aiogram session that hands each Bot API call to the emulator in the same process.

For tests where HTTP is not what is tested: no server, no sockets, no connection pool to close.
The request is serialised exactly as aiogram's ``AiohttpSession`` serialises it (``prepare_value``
into form fields, files as multipart parts) and decoded as the server decodes a form, so the
emulator sees the very parameters it would see over HTTP; its answer goes through aiogram's
``check_response``, so the bot gets the same objects and the same exceptions (a dropped
connection is a ``TelegramNetworkError``, as aiohttp's ``ClientError`` becomes one).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any, cast

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import InputFile

from bot.emulator.server import decode_params
from bot.emulator.state import ApiError, ConnectionAbort
from bot.emulator.world import UploadedFile

if TYPE_CHECKING:
    from bot.emulator.server import BotAPIEmulator

# Only used to build and parse file URLs: nothing is ever connected to.
IN_PROCESS_BASE = "http://emulator.in-process"


class EmulatorSession(BaseSession):
    """``Bot(token, session=EmulatorSession(emu))``: the bot talks to ``emu`` without HTTP."""

    def __init__(self, emulator: BotAPIEmulator, **kwargs: Any) -> None:
        super().__init__(api=TelegramAPIServer.from_base(IN_PROCESS_BASE), **kwargs)
        self.emulator = emulator

    async def _fields(self, bot: Bot, method: TelegramMethod[TelegramType]) -> dict[str, Any]:
        """The form ``AiohttpSession.build_form_data`` would send, as the server reads it back."""
        files: dict[str, InputFile] = {}
        raw: dict[str, Any] = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files)
            if not prepared:
                continue
            # A form field is text: a str-based enum (ParseMode.HTML) travels as its value.
            raw[key] = str.__str__(prepared) if isinstance(prepared, str) else prepared
        for key, file in files.items():
            size = 0
            async for chunk in file.read(bot):
                size += len(chunk)
            raw[key] = UploadedFile(file.filename or key, size)
        return raw

    async def make_request(self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
                           ) -> TelegramType:
        name = method.__api_method__
        await asyncio.sleep(0)  # a request is a suspension point, as over the network
        try:
            params = decode_params(await self._fields(bot, method))
        except ApiError as exc:  # a JSON field Telegram cannot parse: 400, recorded as the server does
            status, body = self.emulator._answer(name, {}, exc)
        else:
            try:
                status, body = await self.emulator.answer(bot.token, name, params)
            except ConnectionAbort as abort:
                limit = float(self.timeout if timeout is None else timeout)
                if abort.delay >= limit:
                    await asyncio.sleep(limit)
                    raise TelegramNetworkError(method=method, message="Request timeout error") from None
                if abort.delay:
                    await asyncio.sleep(abort.delay)
                raise TelegramNetworkError(method=method,
                                           message="ServerDisconnectedError: Server disconnected") from None
        response = self.check_response(bot=bot, method=method, status_code=status, content=json.dumps(body))
        return cast(TelegramType, response.result)

    async def stream_content(self, url: str, headers: dict[str, Any] | None = None, timeout: int = 30,
                             chunk_size: int = 65536, raise_for_status: bool = True
                             ) -> AsyncGenerator[bytes, None]:
        """File downloads (``bot.download``): the bytes the emulator holds for that path."""
        prefix = f"{IN_PROCESS_BASE}/file/bot{self.emulator.token}/"
        content = self.emulator.file_content(url[len(prefix):]) if url.startswith(prefix) else None
        if content is None:
            if raise_for_status:  # aiohttp raises its own ClientResponseError here, not an aiogram error
                raise RuntimeError(f"404, message='Not Found', url={url!r}")
            return
        for start in range(0, len(content), chunk_size):
            yield content[start:start + chunk_size]

    async def close(self) -> None:
        return None
