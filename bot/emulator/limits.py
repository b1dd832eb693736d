"""Telegram's flood limits, as the emulator watches them.

* at most 30 messages per second overall (sliding one-second window);
* at most 20 messages per minute into one group or supergroup (sliding 60-second window);
* about one message per second into one private chat, with a burst of 3 (token bucket).

Sends, polls, photos, copies and edits all count; answering callback queries and getters never do.
Requests are stamped when they arrive, a little after the sender's own clock, and the event loop
can bunch arrivals up: ``slack`` seconds of such jitter are tolerated, no more. ``scale`` multiplies
every limit (a benchmark runs against Telegram's limits ×10 to finish sooner; tests keep 1).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

GLOBAL_PER_SECOND = 30
GROUP_PER_MINUTE = 20
GROUP_WINDOW = 60.0
PRIVATE_BURST = 3
PRIVATE_PER_SECOND = 1.0
SLACK = 0.1

GLOBAL_RULE = f"{GLOBAL_PER_SECOND} messages per second overall"
GROUP_RULE = f"{GROUP_PER_MINUTE} messages per minute in a group"
PRIVATE_RULE = "1 message per second in a private chat"


@dataclass(frozen=True)
class Excess:
    """A send that would break a limit: which rule, and how long until it would be allowed."""

    rule: str
    wait: float

    @property
    def retry_after(self) -> int:
        return max(1, math.ceil(self.wait))


class RateWatch:
    def __init__(self, slack: float = SLACK, *, scale: float = 1.0) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.slack = slack
        self.scale = scale
        self.global_per_second = max(1, round(GLOBAL_PER_SECOND * scale))
        self.group_per_minute = max(1, round(GROUP_PER_MINUTE * scale))
        self.private_per_second = PRIVATE_PER_SECOND * scale
        self.private_burst = float(PRIVATE_BURST)
        self._global: deque[float] = deque()
        self._groups: dict[int, deque[float]] = {}
        self._private: dict[int, tuple[float, float]] = {}  # chat id -> (tokens, when)

    def check(self, chat_id: int | None, is_group: bool, now: float) -> Excess | None:
        """The worst limit a send at ``now`` would break, if any (nothing is recorded)."""
        worst: Excess | None = None
        window = self._prune(self._global, now - (1.0 - self.slack))
        if len(window) >= self.global_per_second:
            worst = Excess(GLOBAL_RULE, window[-self.global_per_second] + 1.0 - now)
        if chat_id is None:
            return worst
        if is_group:
            group = self._prune(self._groups.get(chat_id, deque()), now - (GROUP_WINDOW - self.slack))
            if len(group) >= self.group_per_minute:
                worst = _worse(worst, Excess(GROUP_RULE, group[-self.group_per_minute] + GROUP_WINDOW - now))
        else:
            tokens = self._tokens(chat_id, now)
            # Jitter makes a send arrive up to ``slack`` early, that is ``slack`` tokens short.
            if tokens < 1.0 - self.slack * self.private_per_second:
                worst = _worse(worst, Excess(PRIVATE_RULE, (1.0 - tokens) / self.private_per_second))
        return worst

    def record(self, chat_id: int | None, is_group: bool, now: float) -> None:
        """Count a send that went through."""
        self._global.append(now)
        if chat_id is None:
            return
        if is_group:
            self._groups.setdefault(chat_id, deque()).append(now)
        else:
            self._private[chat_id] = (self._tokens(chat_id, now) - 1.0, now)

    def _tokens(self, chat_id: int, now: float) -> float:
        tokens, when = self._private.get(chat_id, (self.private_burst, now))
        return min(self.private_burst, tokens + (now - when) * self.private_per_second)

    @staticmethod
    def _prune(window: deque[float], horizon: float) -> deque[float]:
        while window and window[0] <= horizon:
            window.popleft()
        return window


def _worse(current: Excess | None, other: Excess) -> Excess:
    return other if current is None or other.wait > current.wait else current
