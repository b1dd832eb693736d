"""Customer segments (客户分群): a small boolean language over what the bot knows of a customer.

Grammar (case-insensitive keywords; ``and`` binds tighter than ``or``)::

    expr   := term ("or" term)*
    term   := factor ("and" factor)*
    factor := "not" factor | "(" expr ")" | NAME | "tag:" TAG

Built-in names: purchased, never_purchased, repeat, new, dormant, active. ``tag:vip`` is a staff
tag. The parser returns a tree; :func:`evaluate` decides it for one customer's :class:`Facts`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from games.errors import SegmentSyntaxError

NEW_DAYS = 30
DORMANT_DAYS = 180
ACTIVE_DAYS = 7
MAX_LENGTH = 500
MAX_DEPTH = 30  # nested parentheses / nots: deeper is surely a mistake (and would exhaust the stack)
BUILTINS = ("purchased", "never_purchased", "repeat", "new", "dormant", "active")
TAG_RE = re.compile(r"^[a-z0-9_\-]{1,32}$")
_TOKEN = re.compile(r"\s*(?:(\()|(\))|([^\s()]+))")


@dataclass(frozen=True)
class Facts:
    """What the rules need to know about one customer (times are aware UTC, days local)."""

    user_id: int
    first_seen_at: datetime
    orders: int = 0
    last_paid_at: datetime | None = None
    last_checkin_day: date | None = None
    tags: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Name:
    name: str


@dataclass(frozen=True)
class Tag:
    tag: str


@dataclass(frozen=True)
class Not:
    operand: Expr


@dataclass(frozen=True)
class And:
    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Or:
    operands: tuple[Expr, ...]


Expr = Name | Tag | Not | And | Or


def normalize_tag(tag: str) -> str:
    """Tags are lower-case words of letters, digits, ``_`` and ``-`` (max 32)."""
    value = tag.strip().lower().removeprefix("tag:")
    if not TAG_RE.match(value):
        raise SegmentSyntaxError(position=1, token=tag, problem="bad-tag")
    return value


def _tokenize(text: str) -> list[tuple[int, str]]:
    tokens: list[tuple[int, str]] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            break
        start = match.start(match.lastindex or 0)
        tokens.append((start + 1, match.group(match.lastindex or 0)))
        pos = match.end()
        if not text[pos:].strip():
            break
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0
        self.depth = 0

    def peek(self) -> str | None:
        return self.tokens[self.i][1].lower() if self.i < len(self.tokens) else None

    def fail(self, problem: str) -> SegmentSyntaxError:
        if self.i < len(self.tokens):
            position, token = self.tokens[self.i]
        else:
            position, token = len(self.text) + 1, ""
        return SegmentSyntaxError(position=position, token=token, problem=problem)

    def parse(self) -> Expr:
        if not self.tokens:
            raise SegmentSyntaxError(position=1, token="", problem="empty")
        expr = self.expr()
        if self.i < len(self.tokens):
            raise self.fail("unexpected")
        return expr

    def expr(self) -> Expr:
        operands = [self.term()]
        while self.peek() == "or":
            self.i += 1
            operands.append(self.term())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def term(self) -> Expr:
        operands = [self.factor()]
        while self.peek() == "and":
            self.i += 1
            operands.append(self.factor())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def factor(self) -> Expr:
        token = self.peek()
        if token is None:
            raise self.fail("missing-operand")
        if token in ("not", "("):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.fail("too-deep")
        if token == "not":
            self.i += 1
            negated = Not(self.factor())
            self.depth -= 1
            return negated
        if token == "(":
            self.i += 1
            inner = self.expr()
            self.depth -= 1
            if self.peek() != ")":
                raise self.fail("missing-close")
            self.i += 1
            return inner
        if token in (")", "and", "or"):
            raise self.fail("missing-operand")
        if token.startswith("tag:"):
            tag = token.removeprefix("tag:")
            if not TAG_RE.match(tag):
                raise self.fail("bad-tag")
            self.i += 1
            return Tag(tag)
        if token in BUILTINS:
            self.i += 1
            return Name(token)
        raise self.fail("unknown-name")


def parse(text: str) -> Expr:
    """The tree of a segment expression; raises SegmentSyntaxError naming the position and problem."""
    if len(text) > MAX_LENGTH:
        raise SegmentSyntaxError(position=MAX_LENGTH + 1, token="", problem="too-long")
    return _Parser(text).parse()


def canonical(text: str) -> str:
    """The canonical text of the expression ``text``, which must fit ``MAX_LENGTH`` too (it is what
    is stored: parentheses added by :func:`render` make it longer than what was typed)."""
    rendered = render(parse(text))
    if len(rendered) > MAX_LENGTH:
        raise SegmentSyntaxError(position=MAX_LENGTH + 1, token="", problem="too-long")
    return rendered


def render(expr: Expr) -> str:
    """A canonical text of the expression (fully parenthesised where it matters)."""
    if isinstance(expr, Name):
        return expr.name
    if isinstance(expr, Tag):
        return f"tag:{expr.tag}"
    if isinstance(expr, Not):
        inner = render(expr.operand)
        return f"not {inner}" if isinstance(expr.operand, Name | Tag | Not) else f"not ({inner})"
    joiner = " and " if isinstance(expr, And) else " or "
    parts = []
    for operand in expr.operands:
        text = render(operand)
        parts.append(f"({text})" if isinstance(operand, And | Or) else text)
    return joiner.join(parts)


def builtin(name: str, facts: Facts, now: datetime, today: date) -> bool:
    if name == "purchased":
        return facts.orders >= 1
    if name == "never_purchased":
        return facts.orders == 0
    if name == "repeat":
        return facts.orders >= 2
    if name == "new":
        return now - facts.first_seen_at < timedelta(days=NEW_DAYS)
    if name == "dormant":
        return facts.last_paid_at is not None and now - facts.last_paid_at >= timedelta(days=DORMANT_DAYS)
    if name == "active":
        return facts.last_checkin_day is not None and (today - facts.last_checkin_day).days < ACTIVE_DAYS
    raise ValueError(f"unknown segment {name!r}")


def evaluate(expr: Expr, facts: Facts, now: datetime, today: date) -> bool:
    """Whether the customer described by ``facts`` is in the segment ``expr`` at ``now`` (local ``today``)."""
    if isinstance(expr, Name):
        return builtin(expr.name, facts, now, today)
    if isinstance(expr, Tag):
        return expr.tag in facts.tags
    if isinstance(expr, Not):
        return not evaluate(expr.operand, facts, now, today)
    if isinstance(expr, And):
        return all(evaluate(e, facts, now, today) for e in expr.operands)
    return any(evaluate(e, facts, now, today) for e in expr.operands)


def tags_in(expr: Expr) -> set[str]:
    if isinstance(expr, Tag):
        return {expr.tag}
    if isinstance(expr, Not):
        return tags_in(expr.operand)
    if isinstance(expr, And | Or):
        return set().union(*(tags_in(e) for e in expr.operands))
    return set()
