"""The application's parts, built once by the factory and handed to handlers as ``app``."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.config import Settings
from bot.db.engine import Database
from bot.directory import Directory
from bot.sender import GroupCoalescer, Sender
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
