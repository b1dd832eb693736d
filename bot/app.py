"""The application's infrastructure, built once by the factory and handed to handlers as ``app``.

Infrastructure only: settings, clock, database, texts, the sender and its group coalescer, the
directory of groups and roles. A feature's own state is not here (see bot/features.py)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.coalescer import GroupCoalescer
from bot.config import Settings
from bot.db.engine import Database
from bot.directory import Directory
from bot.sender import Sender
from bot.texts import Texts


@dataclass
class App:
    settings: Settings
    clock: Clock
    db: Database
    texts: Texts
    sender: Sender
    coalescer: GroupCoalescer
    directory: Directory
