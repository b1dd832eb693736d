"""Domain errors. Each carries a stable ``key`` that the text layer turns into a sentence."""

from __future__ import annotations


class DomainError(Exception):
    """A rule said no. ``key`` names the text shown to the user; ``params`` fill it in."""

    key = "error-generic"

    def __init__(self, **params: object) -> None:
        super().__init__(self.key, params)
        self.params = params


class InsufficientPoints(DomainError):
    key = "error-insufficient-points"


class InvalidAmount(DomainError):
    key = "error-invalid-amount"


class AlreadyCheckedIn(DomainError):
    key = "checkin-already"


class ConfigError(DomainError):
    """A staff configuration string could not be parsed; ``params['detail']`` says where."""

    key = "error-config"


class SegmentSyntaxError(DomainError):
    """A segment expression could not be parsed; ``params``: ``position`` (1-based), ``token``, ``problem``."""

    key = "segment-syntax-error"


class OrderLineError(DomainError):
    """An orders CSV is malformed; ``params``: ``line`` (1-based), ``problem`` (a short code), ``value``."""

    key = "orders-line-error"


class OrderFileError(OrderLineError):
    """Several lines of an orders CSV are malformed: ``params`` are the first one's, ``errors`` all of
    them, in file order."""

    def __init__(self, errors: list[OrderLineError]) -> None:
        super().__init__(**errors[0].params)
        self.errors = errors


class BindRefused(DomainError):
    """An order could not be linked; ``key`` says why."""

    key = "bind-not-found"


class BindNotFound(BindRefused):
    key = "bind-not-found"


class BindTaken(BindRefused):
    key = "bind-taken"


class BindRateLimited(BindRefused):
    key = "bind-rate-limited"
