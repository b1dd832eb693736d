"""The application's parts, built once by the factory and handed to handlers as ``app``."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from bot.clock import Clock
from bot.coalescer import GroupCoalescer
from bot.config import Settings
from bot.db.engine import Database
from bot.directory import Directory
from bot.sender import Sender
from bot.texts import Texts
from bot.views.migration import Migrations
from bot.views.redpackets import Debouncer, PacketBoard
from games.redpacket import RandomSource


@dataclass
class App:
    settings: Settings
    clock: Clock
    db: Database
    texts: Texts
    sender: Sender
    coalescer: GroupCoalescer
    directory: Directory
    packets: PacketBoard = field(default_factory=PacketBoard)
    debouncer: Debouncer = field(default_factory=Debouncer)
    migrations: Migrations = field(default_factory=Migrations)
    # Red-packet splits: a cryptographically secure source in production, seeded in tests.
    rng: RandomSource = field(default_factory=secrets.SystemRandom)
