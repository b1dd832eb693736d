"""Injected failures: what a test makes Telegram do wrong, and when.

:class:`FaultsApi` is the part of :class:`bot.emulator.state.TelegramState` that queues failures
(:meth:`~FaultsApi.inject`, :meth:`~FaultsApi.inject_timeout_after_success`) and hands the next
matching one to the call being answered (``call`` in the state, ``getUpdates`` in the server).
A :class:`ConnectionAbort` tells the HTTP layer to drop the connection instead of answering.
"""

from __future__ import annotations

import dataclasses
from typing import Any


class ConnectionAbort(Exception):
    """The HTTP connection is dropped instead of answered: the client sees a network error.
    ``performed``: the method was carried out first (a request that reached Telegram, then timed out)."""

    def __init__(self, method: str, *, performed: bool, delay: float = 0.0) -> None:
        super().__init__(method)
        self.method = method
        self.performed = performed
        self.delay = delay


@dataclasses.dataclass
class Fault:
    """One injected failure (see :meth:`TelegramState.inject`)."""

    method: str  # lower-case Bot API method name, or "*" for any method
    error: int | str  # an HTTP error code, "network" (connection dropped) or "timeout_after_success"
    times: int
    retry_after: int | None = None
    description: str | None = None
    chat_id: int | None = None
    user_id: int | None = None
    delay: float = 0.0

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        if self.method not in ("*", method.lower()):
            return False
        if self.chat_id is not None and str(params.get("chat_id")) != str(self.chat_id):
            return False
        return self.user_id is None or str(params.get("user_id")) == str(self.user_id)


# Telegram's wording for the errors tests inject most.
FAULT_TEXTS = {400: "Bad Request", 403: "Forbidden", 409: "Conflict", 500: "Internal Server Error",
               502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


class FaultsApi:
    """Fault injection of :class:`bot.emulator.state.TelegramState` (its queue is ``faults``)."""

    faults: list[Fault]

    def inject(self, method: str, error: int | str = 429, *, retry_after: int | None = None, times: int = 1,
               chat_id: int | None = None, user_id: int | None = None, description: str | None = None) -> Fault:
        """Make the next ``times`` calls of ``method`` (any case; "*" for every method) fail.

        ``error``: an HTTP code answered the way Telegram answers it — 429 with ``retry_after``
        seconds (default 1) in ``parameters``; 500/502/503/504 with Telegram's wording; 400/403
        with ``description`` (e.g. ``"CHAT_ADMIN_REQUIRED"`` becomes "Bad Request:
        CHAT_ADMIN_REQUIRED") — or ``"network"``: the connection is dropped without an answer and
        nothing is carried out. ``chat_id``/``user_id`` restrict the fault to calls with those
        parameters. Works on any method, getUpdates included (served by the HTTP layer).
        Returns the fault; ``fault.times`` counts down as it fires.
        """
        if times < 1:
            raise ValueError("times must be at least 1")
        if isinstance(error, str) and error != "network":
            raise ValueError("error must be an HTTP code or 'network'")
        fault = Fault(method.lower() if method != "*" else "*", error, times, retry_after, description, chat_id,
                      user_id)
        self.faults.append(fault)
        return fault

    def inject_timeout_after_success(self, method: str, *, times: int = 1, chat_id: int | None = None,
                                     delay: float = 0.0) -> Fault:
        """The next ``times`` calls of ``method`` are carried out (a message is posted, a request
        approved…), then the HTTP response is held ``delay`` seconds and the connection dropped:
        the client sees a network error (a timeout) although Telegram did the work. The call is
        recorded in ``calls`` as succeeded."""
        if times < 1:
            raise ValueError("times must be at least 1")
        fault = Fault(method.lower(), "timeout_after_success", times, chat_id=chat_id, delay=delay)
        self.faults.append(fault)
        return fault

    def _take_fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        for fault in self.faults:
            if fault.times > 0 and fault.matches(method, params):
                fault.times -= 1
                if fault.times == 0:
                    self.faults.remove(fault)
                return fault
        return None
