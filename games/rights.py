"""The bot's administrator rights in a chat, and which of its features each one keeps working.

Telegram checks rights one by one: join requests reach only an administrator with
``can_invite_users`` (and only in supergroups), deleting other people's messages needs
``can_delete_messages``, removing members needs ``can_restrict_members``. "Is an admin" says
nothing about any of them, so the bot reasons per right, with these plain functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

ADMIN = frozenset({"administrator", "creator"})
PRESENT = frozenset({"creator", "administrator", "member", "restricted"})


class Feature(StrEnum):
    GATE = "gate"  # join requests (entry thresholds, the welcome) and invite links
    CLEANUP = "cleanup"  # deleting passwords and order checks that staff or members post in the group
    BAN = "ban"  # removing banned customers from the group


# The one administrator right each feature needs, in the order staff read them.
NEEDS: dict[Feature, str] = {
    Feature.GATE: "can_invite_users",
    Feature.CLEANUP: "can_delete_messages",
    Feature.BAN: "can_restrict_members",
}
RIGHTS = tuple(NEEDS.values())


@dataclass(frozen=True)
class BotRights:
    """The bot's status in a chat and the administrator rights (of :data:`RIGHTS`) it holds there."""

    status: str
    granted: frozenset[str] = frozenset()
    can_send: bool = True  # a restricted bot may have lost the right to post

    @classmethod
    def of(cls, status: str, rights: dict[str, bool | None], *, can_send: bool = True) -> BotRights:
        """From a ChatMember's status and rights (an owner holds every right)."""
        if status == "creator":
            return cls(status, frozenset(RIGHTS))
        if status != "administrator":
            return cls(status, frozenset(), can_send=can_send and status in PRESENT)
        return cls(status, frozenset(r for r in RIGHTS if rights.get(r)))

    @classmethod
    def decode(cls, state: str) -> BotRights:
        status, _, granted = state.partition(":")
        return cls(status, frozenset(r for r in granted.split(",") if r in RIGHTS))

    def encode(self) -> str:
        """A stable text for storing and comparing (``administrator:can_delete_messages,…``)."""
        return f"{self.status}:{','.join(r for r in RIGHTS if r in self.granted)}"

    @property
    def present(self) -> bool:
        return self.status in PRESENT

    @property
    def is_admin(self) -> bool:
        return self.status in ADMIN

    @property
    def can_post(self) -> bool:
        return self.present and self.can_send

    def works(self, feature: Feature, *, supergroup: bool = True) -> bool:
        if feature is Feature.GATE and not supergroup:
            return False  # Telegram has no join requests in basic groups
        return NEEDS[feature] in self.granted

    def missing(self, features: tuple[Feature, ...] = tuple(Feature), *, supergroup: bool = True
                ) -> tuple[Feature, ...]:
        return tuple(f for f in features if not self.works(f, supergroup=supergroup))


class Change(StrEnum):
    PROMOTED = "promoted"  # became an administrator
    DEMOTED = "demoted"  # still in the chat, no longer an administrator
    RIGHTS = "rights"  # still an administrator, other rights
    REMOVED = "removed"  # left, kicked
    ADDED = "added"  # joined as a plain member


@dataclass(frozen=True)
class RightsChange:
    change: Change
    gained: tuple[Feature, ...]
    lost: tuple[Feature, ...]


def compare(old: BotRights, new: BotRights, *, supergroup: bool = True) -> RightsChange | None:
    """What changed for the features between ``old`` and ``new``; None if nothing staff should hear."""
    if old.encode() == new.encode() and old.can_post == new.can_post:
        return None
    before = {f for f in Feature if old.works(f, supergroup=supergroup)}
    after = {f for f in Feature if new.works(f, supergroup=supergroup)}
    gained = tuple(f for f in Feature if f in after - before)
    lost = tuple(f for f in Feature if f in before - after)
    if not new.present:
        kind = Change.REMOVED
    elif new.is_admin and not old.is_admin:
        kind = Change.PROMOTED
    elif old.is_admin and not new.is_admin:
        kind = Change.DEMOTED
    elif new.is_admin:
        if not (gained or lost):
            return None  # rights the bot does not use changed
        kind = Change.RIGHTS
    elif not old.present:
        kind = Change.ADDED
    else:
        return None  # a member restricted or freed: no feature of ours depends on it
    return RightsChange(kind, gained, lost)
