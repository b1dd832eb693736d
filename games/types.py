"""Plain value types shared by the rules and the application."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    STAFF = "staff"
    CUSTOMER = "customer"

    @property
    def is_staff(self) -> bool:
        return self is not Role.CUSTOMER


@dataclass(frozen=True)
class Person:
    """Who did something, as the texts need it."""

    user_id: int
    name: str
