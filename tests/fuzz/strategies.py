"""What a careless or hostile user sends, as Hypothesis strategies.

Commands come from the command registry (:data:`bot.commands.COMMANDS`) and callback prefixes from
every ``CallbackData`` class in ``bot/views/``, so a feature that declares its commands and its
buttons is fuzzed the day it lands. Arguments take every shape that broke the bot once: missing,
extra, huge, negative, non-ASCII, very long, HTML-laden, Fluent-laden and control-character
arguments, out-of-range ids and dates.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from enum import Enum
from typing import Any

from aiogram.filters.callback_data import CallbackData
from hypothesis import strategies as st

import bot.views
from bot.commands import COMMANDS, CommandSpec

MAX_TEXT = 4096  # Telegram refuses a longer message from a user
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64  # bytes

# ---- building blocks ---------------------------------------------------------------------------------

NUMBERS = (
    "0", "1", "2", "3", "5", "10", "30", "100", "999", "1000", "10000", "1000000", "1000001", "-1", "-30", "+5",
    "2147483647", "2147483648", "4294967296", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
    "1" + "0" * 30, "9" * 300, "1.5", "0.01", "1e9", "1e309", "NaN", "inf", "-0", "007", "１２３", "²", "٣", "1_000",
    "0x10", " 5 ",
)
WORDS = (
    # sub-commands and options of today's commands (and likely ones of tomorrow's)
    "add", "remove", "list", "cancel", "revoke", "reset", "off", "on", "all", "any", "daily", "once", "show",
    "gift=50", "gift=-1", "gift=99999999999", "mode=all", "mode=any", "mode=x", "password=abc", "password=off",
    "password=", "attempts=3", "attempts=0", "attempts=99999999999", "channel=on", "allow=on", "allow=maybe",
    'segment="purchased and not dormant"', "segment=tag:vip", "segment=off", "segment=(((", "spend=199",
    "spend=-5", "spend=1e99", "timeout=10m", "timeout=0m", "timeout=99999d", "pw=签到", "pw=check-in", "pw=打卡!",
    "pw=/me", "pw=abc", "pw=", "password=签到", "口令=签到", "for=before", "for=tag:vip", "for=(((", "expires=7d",
    "expires=0m", "expires=9999d", "lucky", "equal", "拼手气", "base=5", "base=-1", "base=99999999999",
    "streak7=20", "streak0=5", "streak999=1", "post=09:00", "post=25:00", "post=off", "vip", "deals", "tag:vip",
    "purchased", "never_purchased", "dormant", "repeat", "new", "active", "and", "or", "not", "(", ")",
    "签到", "打卡", "check in", "checkin", "{name}", "{ $name }", "{", "}", "{{name}}", "@olivia", "@nobody",
    "@", "#1", "2026-03-01", "0001-01-01", "9999-12-31", "9999-12-31T23:00-05:00", "2026-02-30", "10:00",
    "24:00", "23:59", "10:60", "ORDER-1", "T-1", "1234", "x=y", "=", "==", "--", "…",
)
HOSTILE = (
    "<b>", "</b>", "<b>bold</b>", "<a href='https://x.y'>x</a>", "<script>alert(1)</script>", "&", "&amp;",
    "&lt;", "&#0;", "&#x110000;", "<", ">", "<<>>", "<tg-spoiler>", "\"", "'", "`", "\\", "%s", "{0}", "${x}",
    "\x00", "\x01", "\x07", "\x1b[31m", "\x7f", "\u0085", "\u200b", "\u200e", "\u202e", "\ufeff", "\ufffe",
    "\r", "\r\n", "\t", "😀", "👨‍👩‍👧", "🏳️‍🌈", "名", "ﾃｽﾄ", "Ｗ", "ℌ", "é", "é", "ß", "İ", "ǅ",
)
_FILLERS = ("x", "名", "😀", "<", "&", "{name}", "a ", "\x00", "9")
LENGTHS = (17, 33, 64, 65, 128, 129, 161, 257, 500, 501, 565, 1025, 1500, 2501)


@st.composite
def long_token(draw: st.DrawFn) -> str:
    filler = draw(st.sampled_from(_FILLERS))
    length = draw(st.sampled_from(LENGTHS))
    return (filler * (length // len(filler) + 1))[:length]


def _ids(known: tuple[int, ...]) -> st.SearchStrategy[str]:
    return st.sampled_from([str(i) for i in known] + [str(-i) for i in known[:2]])


def token(known_ids: tuple[int, ...] = ()) -> st.SearchStrategy[str]:
    parts = [st.sampled_from(NUMBERS), st.sampled_from(WORDS), st.sampled_from(HOSTILE),
             st.text(min_size=1, max_size=12), long_token()]
    if known_ids:
        parts.append(_ids(known_ids))
    return st.one_of(*parts)


@st.composite
def arguments(draw: st.DrawFn, known_ids: tuple[int, ...] = ()) -> str:
    """Nothing, or up to eight tokens, each alone or glued to the next with an "=" or nothing."""
    count = draw(st.integers(min_value=0, max_value=8))
    out = ""
    for _ in range(count):
        piece = draw(token(known_ids))
        glue = draw(st.sampled_from((" ", " ", " ", "  ", "\n", "\t", "=", "")))
        out += (glue if out else "") + piece
    return out


def fit(text: str, limit: int) -> str:
    """``text`` cut to Telegram's limit for what a user may send (UTF-16 units)."""
    if len(text.encode("utf-16-le")) // 2 <= limit:
        return text
    out: list[str] = []
    size = 0
    for char in text:
        size += len(char.encode("utf-16-le")) // 2
        if size > limit:
            break
        out.append(char)
    return "".join(out)


# ---- commands ----------------------------------------------------------------------------------------

def case_variants(name: str) -> st.SearchStrategy[str]:
    return st.sampled_from((name, name.upper(), name.title(), name.capitalize(), name.swapcase())) | st.builds(
        lambda flips: "".join(c.upper() if f else c for c, f in zip(name, flips, strict=False)),
        st.lists(st.booleans(), min_size=len(name), max_size=len(name)))


# Arguments that nearly work, per command (``{id}``: a known user id): a fuzzer reaches deep states
# from them, by mutation. A command without a line here (a new feature's) gets arbitrary arguments.
PLAUSIBLE: dict[str, tuple[str, ...]] = {
    "redpacket": ("10 2", "100 10 equal", "10 2 pw=sesame", "10 2 for=tag:vip", "10 2 expires=1h for=before"),
    "redpacket_schedule": ("daily 10:00 10 2", "once 2026-03-05 10:00 10 2 pw=x", "list", "cancel 1",
                           "daily 10:00 10 2 pw=abcdefghijklmnopqrstuvwxyz012345 expires=7d for=tag:vip"),
    "budget": ("", "add 100"),
    "checkin_config": ("base=5 streak7=20 post=09:00", "streak30=100", "post=off"),
    "checkin_post": ("",),
    "gate": ("tier=GOLD", "tier_grace=14d",
             "mode=any password=abc", 'segment="purchased and not dormant"', "spend=199", "off", "timeout=10m",
             "allow=on"),
    "welcome": ("Welcome {name}!", "gift=50", "reset", "off", "Hi {name}, {name}"),
    "invite": ("", "summer", "revoke summer"),
    "invites": ("", "summer"),
    "ban": ("{id} spamming", "{id}"),
    "unban": ("{id}",),
    "allow": ("{id}", "remove {id}", "list"),
    "tag": ("{id} vip", "remove {id} vip", "{id}"),
    "segment": ("purchased and not dormant or tag:vip", "tag:vip"),
    "staff": ("add {id}", "remove {id}", "list"),
    "bind": ("T-1 1234",),
    "setup": ("vip", ""),
    "vote": ("Which tea next? | Longjing | Pu'er", "Q | A | B | C deadline=2h reward=5 multi show=end",
             "Q | A @SKU-1 | B deadline=21:00 buyers", "Q | A | B deadline=2026-03-03 10:00 reward=10"),
    "vote_close": ("1", "{id}"), "vote_cancel": ("1",), "votes": ("",), "vote_results": ("1",),
    "guess": ("Longjing 250g | 128", "Tea | ¥99.90 tries=2 rule=under prize=30 hints=on invites=1 deadline=2h",
              "Tea | 1,299 rule=within:5% deadline=21:00", "Tea | 99元 invites=0"),
    "guess_close": ("1", "{id}"), "guess_cancel": ("1",), "guesses": ("",),
    "reward": ("add Coupon ¥5 | 20", "add Tea | 100 | stock=3 | limit=1/month | cash=+ ¥9.9", "edit 1 | cost=30",
               "pause 1", "resume 1", "codes 1"),
    "rewards": ("",), "redemptions": ("",), "redemption": ("done 1",),
    "lottery": ("", "add none | 60", "add 5 points | 30 | points=5", "add Tea | 10 | stock=5 | reward=1",
                "remove 1", "cost 10", "free 2", "draws"),
    "draw": ("",),
    "points": ("{id}", "{id} +10 thanks", "{id} -5 typo", "limit 50"),
    "tier": ("", "add GOLD | points=1000", "add VIP | spend=500 | multiplier=1.2", "remove GOLD", "list"),
    "points_rate": ("", "1", "0.5", "off"),
    "me": ("",), "top": ("",), "checkin": ("",), "help": ("",), "start": ("", "ref-1"),
    # Recurring posts and campaigns (issue 12, campaigns).
    "schedule": ("", "list", "add daily 10:00 Deal of the day", "add weekly fri best New week! to=vip,deals",
                 "add weekly 周日 20:00 周末特惠 to=all", "pause {id}", "resume {id}", "cancel {id}"),
    "campaign": ("tag:vip | New teas are in", "dormant | We miss you at=best", "purchased and not repeat | Hi at=21:00",
                 "tag:vip | Hi | at=2026-03-05 10:00", "wakeup dormant | We miss you | 20% off after=2d",
                 "wakeup tag:vip | A | B after=36h at=10:00"),
    "stop_promos": ("",), "start_promos": ("",),
}
# ---- catalogue (issue 12) ----
PLAUSIBLE.update({
    "product": ("add TEA-01 | Longjing 250g | 99.90", "add TEA-02 | Tea | ¥9.9 | stock=0 | link=t.me/shop | cycle=30d",
                "add X | Y | 0 | stock=none", "edit TEA-01 price=89 stock=5", "edit TEA-01 name=Longjing Spring 500g",
                "edit TEA-01 | link=none | cycle=4w | photo=none", "TEA-01", "archive TEA-01", "unarchive TEA-01"),
    "products": ("", "tea", "green tea 01", "TEA-0"),
})
# Announcements (issue 12): new arrivals, pre-announcements, restocks, stock and reservation claims.
PLAUSIBLE |= {
    "announce": ("new TEA-1", "new TEA-1 at=best to=vip,deals", "new tea-1 at=2026-03-03 10:00 to=all",
                 "soon TEA-1 at=21:00", "soon TEA-1 at=best to=vip", "restock TEA-1", "restock TEA-1 reserve=2h to=vip",
                 "restock TEA-1 reserve=30m", "list", "cancel 1", "cancel {id}"),
    "stock": ("TEA-1 5", "TEA-1 0", "TEA-1 3 reserve=1h", "TEA-1 2 reserve=2h to=vip"),
    "claim": ("ABCD-EFGH", "abcdefgh", "ABCD EFGH"),
    "start": ("", "ref-1", "remind_{id}", "notify_{id}"),
    # ---- broadcast engine
    "broadcasts": ("",), "broadcast": ("1", "#1", "{id}", "cancel 1", "cancel {id}", "cancel", "x"),
}
_REPEATS = (" lucky", " tag:vip or", " {name}", " x", " 名", " base=5", " pw=a", " 😀")


@st.composite
def plausible(draw: st.DrawFn, name: str, known_ids: tuple[int, ...]) -> str:
    """A near-valid argument line for ``name``, mutated: a token swapped for a hostile or long one, a
    valid option repeated until the line is long."""
    line = draw(st.sampled_from(PLAUSIBLE[name]))
    line = line.replace("{id}", str(draw(st.sampled_from(known_ids or (1,)))))
    words = line.split(" ") if line else []
    for _ in range(draw(st.integers(0, 2))):
        if words:
            words[draw(st.integers(0, len(words) - 1))] = draw(token(known_ids))
        else:
            words.append(draw(token(known_ids)))
    line = " ".join(words)
    if draw(st.integers(0, 3)) == 0:
        line += draw(st.sampled_from(_REPEATS)) * draw(st.sampled_from((10, 100, 170, 300, 600)))
    if draw(st.integers(0, 3)) == 0:
        line += draw(st.sampled_from(HOSTILE))
    return line


@st.composite
def command_text(draw: st.DrawFn, spec: CommandSpec | None = None, known_ids: tuple[int, ...] = (),
                 bot_username: str = "regulars_bot") -> str:
    """``/name[@bot] ARGUMENTS`` for a command of the registry, its name in any case."""
    if spec is None:
        spec = draw(st.sampled_from(COMMANDS))
    name = draw(case_variants(spec.name))
    mention = draw(st.sampled_from(("", "", "", f"@{bot_username}", f"@{bot_username.upper()}")))
    if spec.name in PLAUSIBLE and draw(st.booleans()):
        args = draw(plausible(spec.name, known_ids))
    else:
        args = draw(arguments(known_ids))
    separator = draw(st.sampled_from((" ", " ", "\n", "  ")))
    return fit(f"/{name}{mention}{separator + args if args else ''}", MAX_TEXT)


def chatter() -> st.SearchStrategy[str]:
    """Text that is not a command: check-in words, passwords, noise."""
    return st.one_of(st.sampled_from(WORDS), st.sampled_from(HOSTILE), arguments(),
                     st.text(min_size=1, max_size=40)).filter(lambda t: t.strip() != "" and not t.startswith("/"))


# ---- callback data -----------------------------------------------------------------------------------

def callback_classes() -> list[type[CallbackData]]:
    """Every CallbackData class declared in ``bot/views/``."""
    found: dict[str, type[CallbackData]] = {}
    for info in pkgutil.iter_modules(bot.views.__path__):
        module = importlib.import_module(f"bot.views.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, CallbackData) and value is not CallbackData:
                found[value.__prefix__] = value
    return [found[prefix] for prefix in sorted(found)]


def _field_value(annotation: Any) -> st.SearchStrategy[str]:
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return st.sampled_from([str(m.value) for m in annotation]) | st.sampled_from(NUMBERS)
    if annotation is bool:
        return st.sampled_from(("0", "1", "true", "false", "2", ""))
    return st.one_of(st.sampled_from(NUMBERS), st.integers(-2**70, 2**70).map(str), st.integers(1, 50).map(str),
                     st.text(max_size=10).filter(lambda t: ":" not in t))


@st.composite
def callback_data(draw: st.DrawFn, extra: tuple[str, ...] = ()) -> str:
    """Forged callback data for a prefix the bot uses (well-formed or not), or anything at all."""
    classes = callback_classes()
    kind = draw(st.sampled_from(("fields", "fields", "fields", "parts", "noise")))
    if kind == "noise" or not classes:
        data = draw(st.one_of(st.sampled_from(("", ":", "::", "x", "rp", "ci:", *extra)), st.text(max_size=20)))
    else:
        cls = draw(st.sampled_from(classes))
        if kind == "fields":
            values = [draw(_field_value(field.annotation)) for field in cls.model_fields.values()]
        else:  # the wrong number of parts
            values = draw(st.lists(st.sampled_from(NUMBERS), max_size=4))
        data = ":".join([cls.__prefix__, *values])
    encoded = data.encode()[:MAX_CALLBACK_DATA].decode(errors="ignore")
    return encoded or "x"


# ---- files and other messages ---------------------------------------------------------------------

CSV_DATES = ("2026-03-01", "2026-03-01 14:30", "0001-01-01", "9999-12-31T23:00-05:00", "9999-12-31",
             "0001-01-01T00:00+14:00", "2026-13-01", "2026/03/01", "", "yesterday", "1e9", "2026-03-01T25:00")
CSV_AMOUNTS = ("199", "0.01", "0", "-5", "1e309", "NaN", "99999999999999999999", "1,000", "¥199", "１９９", "")
CSV_IDS = ("T-1", "T-2", "ORDER.1/2#3", "", "x" * 65, "名", "<b>", "T 1", "\x00", "=1+1")


@st.composite
def csv_line(draw: st.DrawFn) -> str:
    """A valid order line (a fresh id), with up to two cells swapped for extreme values."""
    cells = [f"T-{draw(st.integers(1, 10**6))}", "199.00", "CNY", "2026-03-01 14:30", "1234"]
    choices = (CSV_IDS, CSV_AMOUNTS, ("usd", "", "EURO", "元"), CSV_DATES, ("", "x" * 65, "名字", "\x00", "<b>"))
    for _ in range(draw(st.sampled_from((0, 0, 1, 1, 2)))):
        column = draw(st.integers(0, 4))
        cells[column] = draw(st.sampled_from(choices[column]))
    extra = draw(st.sampled_from((0, 0, 0, 0, -1, 1)))
    if extra < 0:
        cells = cells[:extra]
    elif extra > 0:
        cells += ["extra"] * extra
    if draw(st.booleans()):
        cells = [f'"{c}"' for c in cells]
    return ",".join(cells)


@dataclass(frozen=True)
class Document:
    file_name: str
    content: bytes
    mime_type: str


@st.composite
def documents(draw: st.DrawFn) -> Document:
    kind = draw(st.sampled_from(("csv", "csv", "csv", "empty", "binary", "utf16", "oversized", "zip", "quote")))
    if kind == "csv":
        header = draw(st.sampled_from(("", "order_id,amount,currency,paid_at,check\n", "订单号,金额,币种,时间,校验\n")))
        text = header + "\n".join(draw(st.lists(csv_line(), min_size=1, max_size=6)))
        content = text.encode(draw(st.sampled_from(("utf-8", "utf-8-sig", "gb18030"))), errors="replace")
    elif kind == "empty":
        content = b""
    elif kind == "binary":
        content = draw(st.binary(min_size=1, max_size=200))
    elif kind == "utf16":
        content = "\n".join(draw(st.lists(csv_line(), min_size=1, max_size=3))).encode("utf-16")
    elif kind == "oversized":
        content = b"T-1,1,CNY,2026-03-01,1\n" * (5 * 1024 * 1024 // 23 + 2)
    elif kind == "zip":
        content = b"PK\x03\x04" + draw(st.binary(max_size=50))
    else:
        content = b'T-1,"1,CNY,2026-03-01,1\n' * 3
    name = draw(st.one_of(
        st.sampled_from(("orders.csv", "orders.CSV", "orders.xlsx", "orders.txt", "orders", ".csv", "订单.csv",
                         "<b>.csv", "a&b.csv", "\x00.csv", "a\u202e.csv")),
        long_token().map(lambda t: t + ".csv")))
    mime = draw(st.sampled_from(("text/csv", "application/octet-stream", "text/plain",
                                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))
    return Document(name, content, mime)
