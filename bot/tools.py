"""Operator tools behind ``regulars export``, ``regulars doctor``, ``regulars import-orders`` and
``regulars catalogue import|export``."""

from __future__ import annotations

import asyncio
import csv
import os
import resource
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.db.engine import Database
from bot.db.models import LedgerEntry, Member, RedPacket, Streak, User, Vote
from bot.services.ledger import audit

MEMBERS = Member.__table__  # type: ignore[attr-defined]
USERS = User.__table__  # type: ignore[attr-defined]
STREAKS = Streak.__table__  # type: ignore[attr-defined]
LEDGER = LedgerEntry.__table__  # type: ignore[attr-defined]


EXPORT_CHUNK = 2000  # rows fetched (and written) at a time: memory stays flat whatever the size


class Progress:
    """Rows done, rows/s and peak RSS on ``err``; a live bar when ``err`` is a terminal."""

    def __init__(self, err: TextIO | None, what: str, total: int) -> None:
        self.err = err
        self.what = what
        self.total = total
        self.done = 0
        self.started = time.perf_counter()
        self.live = bool(err is not None and err.isatty())

    def advance(self, rows: int) -> None:
        self.done += rows
        if self.live and self.err is not None:
            share = self.done / self.total if self.total else 1.0
            bar = "#" * int(share * 30)
            self.err.write(f"\r{self.what}: [{bar:<30}] {self.done}/{self.total} rows")
            self.err.flush()

    def finish(self) -> None:
        if self.err is None:
            return
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        if self.live:
            self.err.write("\n")
        print(f"{self.what}: {self.done} rows in {elapsed:.1f} s ({self.done / elapsed:,.0f} rows/s), "
              f"peak RSS {peak_rss_mib():.0f} MiB", file=self.err)


def peak_rss_mib() -> float:
    """This program's peak resident memory so far. On Linux from /proc (VmHWM): ``ru_maxrss``
    carries the parent's peak across fork and exec, so a child started by a big process would
    report its parent's size."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _iso(value: datetime | date | None) -> str:
    return "" if value is None else value.isoformat()


async def export_csv(url: str, what: str, out: TextIO, err: TextIO | None = None) -> int:
    """Stream members or the ledger as CSV in constant memory: plain rows (no ORM objects), fetched
    ``EXPORT_CHUNK`` at a time from a server-side cursor, inside one read snapshot."""
    db = Database(url)
    writer = csv.writer(out)
    try:
        async with db.reader() as session:
            if what == "members":
                writer.writerow(["user_id", "first_name", "last_name", "username", "language", "balance",
                                 "lifetime_points", "streak", "last_checkin_day", "checkins_total", "member_since"])
                table, stmt = MEMBERS, (
                    select(MEMBERS.c.user_id, USERS.c.first_name, USERS.c.last_name, USERS.c.username,
                           USERS.c.language_code, MEMBERS.c.balance, MEMBERS.c.lifetime_points, STREAKS.c.streak,
                           STREAKS.c.last_checkin_day, STREAKS.c.checkins_total, MEMBERS.c.created_at)
                    .select_from(MEMBERS.join(USERS, USERS.c.id == MEMBERS.c.user_id)
                                 .outerjoin(STREAKS, STREAKS.c.user_id == MEMBERS.c.user_id))
                    .order_by(MEMBERS.c.user_id)
                )

                def row_of(r: Any) -> list[object]:
                    return [r[0], r[1], r[2] or "", r[3] or "", r[4] or "", r[5], r[6], r[7] or 0, _iso(r[8]),
                            r[9] or 0, _iso(r[10])]
            else:
                writer.writerow(["id", "created_at", "user_id", "amount", "balance_after", "reason", "ref",
                                 "idempotency_key", "actor_id"])
                table, stmt = LEDGER, (
                    select(LEDGER.c.id, LEDGER.c.created_at, LEDGER.c.user_id, LEDGER.c.amount,
                           LEDGER.c.balance_after, LEDGER.c.reason, LEDGER.c.ref, LEDGER.c.idempotency_key,
                           LEDGER.c.actor_id).order_by(LEDGER.c.id)
                )

                def row_of(r: Any) -> list[object]:
                    return [r[0], _iso(r[1]), r[2], r[3], r[4], r[5], r[6] or "", r[7],
                            "" if r[8] is None else r[8]]
            total = int((await session.execute(select(func.count()).select_from(table))).scalar_one())
            progress = Progress(err, f"export {what}", total)
            result = await session.stream(stmt.execution_options(yield_per=EXPORT_CHUNK))
            async for chunk in result.partitions():
                writer.writerows(row_of(r) for r in chunk)
                progress.advance(len(chunk))
            progress.finish()
    finally:
        await db.close()
    return 0


def _report(out: TextIO, name: str, ok: str, problems: list[str]) -> None:
    """One part of the doctor's report: ``NAME OK: …`` when nothing is wrong, else each problem."""
    if not problems:
        print(f"{name} OK: {ok}", file=out)
        return
    print(f"{name} FAILED: {len(problems)} problem(s)", file=out)
    for problem in problems:
        print(f"  {problem}", file=out)


async def doctor(url: str, out: TextIO) -> int:
    """Check the books with SQL aggregates (no row is loaded into Python unless it is wrong)."""
    from bot.services.orders import totals_problems
    from bot.services.redpackets import accounting

    started = time.perf_counter()
    db = Database(url)
    try:
        async with db.reader() as session:
            problems = await audit(session)
            packet_problems = await accounting(session)
            order_problems = await totals_problems(session)
            members = (await session.execute(select(func.count()).select_from(MEMBERS))).scalar_one()
            entries = (await session.execute(select(func.count()).select_from(LEDGER))).scalar_one()
            packets = (await session.execute(select(func.count()).select_from(RedPacket))).scalar_one()
            votes_ok = await _votes_report(session, out)
            spending_problems = await _spending(session, out)
            purchase_problems = await purchase_check(session, out)
            announcement_problems = await _announcements_report(session, out)
    finally:
        await db.close()
    _report(out, "ledger", f"{members} members, {entries} entries, every balance equals the sum of its entries "
            "and none is negative", [f"member {p.user_id}: {p.problem}" for p in problems])
    _report(out, "red packets", f"{packets} packets, each funded = grabbed + refunded + still open, in the packets, "
            "their shares and the ledger", packet_problems)
    _report(out, "order summaries", "each buyer's order count and last payment match their orders", order_problems)
    guess_problems = await _guessing_report(url, out)
    broadcast_problems = await _broadcasts_report(url, out)
    print(f"checked in {time.perf_counter() - started:.1f} s", file=out)
    failed = (problems or packet_problems or order_problems or not votes_ok or guess_problems or spending_problems
              or purchase_problems or announcement_problems or broadcast_problems)
    return 1 if failed else 0


async def _votes_report(session: AsyncSession, out: TextIO) -> bool:
    """Each closed vote paid exactly what its rows say (bot.services.votes.accounting)."""
    from bot.services.votes import accounting as vote_accounting

    problems = await vote_accounting(session)
    votes = (await session.execute(select(func.count()).select_from(Vote))).scalar_one()
    _report(out, "votes", f"{votes} votes, each closed one paid its reward once to each member with a choice "
            "(ledger, ballots and the vote agree), open and cancelled ones nothing", problems)
    return not problems


async def _guessing_report(url: str, out: TextIO) -> list[str]:
    """Each closed price-guessing round paid exactly what its rows say."""
    from bot.db.models import GuessRound
    from bot.services.guessing import accounting

    db = Database(url)
    try:
        async with db.reader() as session:
            problems = await accounting(session)
            rounds = (await session.execute(select(func.count()).select_from(GuessRound))).scalar_one()
    finally:
        await db.close()
    _report(out, "price guessing", f"{rounds} rounds, each closed one paid its prize to the winner its guesses "
            "give (or nothing), open and cancelled ones nothing, every try a guess", problems)
    return problems


# ---- broadcast engine
async def _broadcasts_report(url: str, out: TextIO) -> list[str]:
    """Every delivery in a known state; every sent one has its send time and its message id, or is
    flagged unconfirmed (the worker stopped while sending it); nothing pending in a finished broadcast."""
    from bot.services.deliveries import UNCONFIRMED
    from bot.services.deliveries import accounting as delivery_accounting

    db = Database(url)
    try:
        async with db.reader() as session:
            counts, problems = await delivery_accounting(session)
    finally:
        await db.close()
    total = sum(count for state, count in counts.items() if state != UNCONFIRMED)
    states = ", ".join(f"{counts.get(state, 0)} {state}" for state in ("sent", "planned", "skipped", "failed",
                                                                      "cancelled", "sending"))
    _report(out, "broadcasts", f"{total} deliveries ({states}; {counts.get(UNCONFIRMED, 0)} sent unconfirmed), "
            "each sent one with its time and message id or flagged unconfirmed", problems)
    return problems


async def _spending(session: AsyncSession, out: TextIO) -> int:
    """The rewards shop and the lottery: stock = redeemed + left, codes handed out once, prize
    stock consistent, and the ledger holds exactly what redemptions and draws moved."""
    from bot.services import lottery, rewards

    reward_problems = await rewards.accounting(session)
    lottery_problems = await lottery.accounting(session)
    n_rewards, n_redemptions, n_codes = await rewards.summary(session)
    n_prizes, n_draws = await lottery.summary(session)
    _report(out, "rewards", f"{n_rewards} rewards, {n_redemptions} redemptions, {n_codes} codes; for each reward "
            "stock = redeemed + left, every code handed out at most once and to the redemption that shows it, "
            "the ledger took exactly what the redemptions cost", reward_problems)
    _report(out, "lottery", f"{n_prizes} prizes, {n_draws} draws; each prize won = its draws, within its stock, "
            "and the ledger moved exactly what the draws cost and paid", lottery_problems)
    return len(reward_problems) + len(lottery_problems)


async def purchase_check(session: AsyncSession, out: TextIO) -> list[str]:
    """Purchase points = rate × linked orders (× the tier multiplier each used) − reversals."""
    from bot.services.purchases import accounting

    totals, problems = await accounting(session)
    _report(out, "purchase points", f"{totals.orders} orders earned {totals.earned} points = amount × rate × "
            f"multiplier for each; {totals.reversed} reversed on refunds ({totals.shortfall} of them owed), "
            "matching the ledger and what members owe", problems)
    return problems


# ---- announcements (issue 12) --------------------------------------------------------------------------

async def _announcements_report(session: AsyncSession, out: TextIO) -> list[str]:
    """Restock reservations within their units and slots; launch rewards as their votes say."""
    from bot.db.models import Announcement, Reservation
    from bot.services.announcements import accounting

    problems = await accounting(session)
    announcements = (await session.execute(select(func.count()).select_from(Announcement))).scalar_one()
    reservations = (await session.execute(select(func.count()).select_from(Reservation))).scalar_one()
    _report(out, "announcements", f"{announcements} announcements, {reservations} reservations; no unit held or "
            "claimed twice, every launch reward the vote's to a voter of a live item", problems)
    return problems


OPERATOR_ID = 0  # the audit log's actor for command-line actions


async def _read(path: Path, err: TextIO) -> bytes | None:
    """The file's bytes; None (and why, on ``err``) when it cannot be read."""
    try:
        return await asyncio.to_thread(path.read_bytes)
    except OSError as exc:
        print(f"regulars: cannot read {path}: {exc.strerror}", file=err)
        return None


async def import_orders(settings: Settings, file: str, out: TextIO, err: TextIO) -> int:
    """Import an orders CSV in one transaction; on any error, name the line and import nothing."""
    from bot.clock import SystemClock
    from bot.services import orders, people
    from games.errors import OrderFileError, OrderLineError
    from games.orders import MAX_LISTED_ERRORS, decode_csv, parse_orders_csv

    path = Path(file)
    data = await _read(path, err)
    if data is None:
        return 1
    try:
        rows = parse_orders_csv(decode_csv(data), settings.tz)
    except OrderLineError as exc:
        errors = exc.errors if isinstance(exc, OrderFileError) else [exc]
        for error in errors[:MAX_LISTED_ERRORS]:
            p = error.params
            value = f" ({str(p['value'])[:80]})" if p.get("value") else ""
            problem = CLI_PROBLEMS.get(str(p["problem"]), str(p["problem"]))
            print(f"regulars: {file}, line {p['line']}: {problem}{value}", file=err)
        if len(errors) > MAX_LISTED_ERRORS:
            print(f"regulars: {file}: and {len(errors) - MAX_LISTED_ERRORS} more bad lines", file=err)
        print(f"regulars: {file}: nothing was imported", file=err)
        return 1
    now = SystemClock().now()
    db = Database(settings.database_url)
    try:
        async with db.session() as session:
            result = await orders.import_rows(session, rows, now, settings.shop_currency)
            await people.record_audit(session, actor_id=OPERATOR_ID, action="orders.import", now=now,
                                      target=path.name[:128],
                                      details=orders.import_details(result))
    finally:
        await db.close()
    print(f"imported {len(rows)} orders from {file}: {result.new} new, {result.updated} updated", file=out)
    if result.earned or result.refunded:
        print(f"purchase points: {result.earned} linked orders earned points; {result.refunded} refunded "
              f"({result.taken_back} points taken back)", file=out)
    if result.with_skus:
        listed = orders.unknown_list(result.unknown_skus)
        unknown = f"; {len(result.unknown_skus)} SKUs not in the catalogue ({listed})" if result.unknown_skus else ""
        print(f"items: {result.items} SKUs on {result.with_skus} orders{unknown}", file=out)
    return 0


CLI_PROBLEMS = {
    "columns": "expected 5 to 7 columns (order id, amount, currency, paid at, check value[, status][, SKUs])",
    "status": "the status is not paid or refunded",
    "order-id": "the order id is missing or has characters other than letters, digits and _-./#",
    "duplicate": "this order id appears twice in the file",
    "amount": "the amount is not a positive number with at most two decimals",
    "currency": "the currency is not a three-letter code such as CNY",
    "paid-at": "the payment time is not a date (2026-03-01) or date and time (2026-03-01 14:30)",
    "paid-at-range": "the payment time is not between the years 2000 and 2099",
    "check": "the check value is empty or longer than 64 characters",
    "too-many": "too many rows",
    "empty": "the file has no orders",
    "unreadable": "the file is not a CSV text file (save it as CSV, UTF-8 or GB18030)",
    "sku": "the SKU cell has something that is not a SKU (letters, digits, - and _, separated by ;)",
}


# ---- catalogue (issue 12): regulars catalogue import FILE | export [FILE] ----------------------------

CATALOGUE_PROBLEMS = {
    "sku": "the SKU is not 1-32 letters, digits, - or _",
    "name": "the name is empty or longer than 128 characters",
    "price": "the price is not an amount in the shop's currency with at most two decimals",
    "stock": "the stock is not a whole number from 0 to 1,000,000 (empty: not tracked)",
    "link": "the link is not an http(s) address of at most 512 characters",
    "cycle": "the cycle is not like 30d, 4w or 3m (at most 3650 days)",
    "photo": "the photo is not a Telegram file id (letters, digits, - and _) or an http(s) link to an image",
    "archived": "archived is not yes or no (or empty)",
    "duplicate": "this SKU appears twice in the file",
    "columns": "more cells than the header names",
    "unknown-column": "the header names a column the catalogue does not have",
    "repeated-column": "the header names a column twice",
    "missing-column": "the header lacks a required column",
    "too-many": "too many lines",
    "empty": "the file has no header line",
    "unreadable": "the file is not a CSV text file (save it as CSV, UTF-8 or GB18030)",
}
LISTED_RESTOCKS = 10


async def import_catalogue(settings: Settings, file: str, out: TextIO, err: TextIO, clock: Clock | None = None) -> int:
    """Import a catalogue CSV in one transaction (upsert by SKU); on any bad line, name every one
    of them and import nothing. A product it brings back from sold out (stock 0 → more) is announced
    as ``/stock`` announces a restock, in the same transaction: a post in the groups and its waitlist
    told. This process sends nothing: the running bot's broadcast engine, which looks for due
    deliveries every half second whichever process planned them, sends them. ``clock``: the system's."""
    from bot.clock import SystemClock
    from bot.services import announcements, catalogue, people
    from games.catalogue import MAX_LISTED_ERRORS, CatalogueFileError, parse_csv
    from games.orders import decode_csv

    path = Path(file)
    data = await _read(path, err)
    if data is None:
        return 1
    try:
        rows = parse_csv(decode_csv(data), settings.shop_currency)
    except CatalogueFileError as exc:
        for problem in exc.problems[:MAX_LISTED_ERRORS]:
            value = f" ({problem.value[:80]})" if problem.value else ""
            print(f"regulars: {file}, line {problem.line}: {CATALOGUE_PROBLEMS.get(problem.problem, problem.problem)}"
                  f"{value}", file=err)
        if len(exc.problems) > MAX_LISTED_ERRORS:
            print(f"regulars: {file}: and {len(exc.problems) - MAX_LISTED_ERRORS} more bad lines", file=err)
        print(f"regulars: {file}: nothing was imported", file=err)
        return 1
    now = (clock or SystemClock()).now()
    db = Database(settings.database_url)
    try:
        async with db.session() as session:
            result = await catalogue.import_rows(session, rows, actor_id=OPERATOR_ID, now=now)
            restocks = await announcements.announce_imported(
                session, result.restocked, actor_id=OPERATOR_ID, source_key=f"an:import:{now.isoformat()}", now=now)
            await people.record_audit(session, actor_id=OPERATOR_ID, action="catalogue.import", now=now,
                                      target=path.name[:128], details=result.details)
    finally:
        await db.close()
    print(f"imported {len(rows)} products from {file}: {result.new} new, {result.updated} updated", file=out)
    if restocks:
        print(restocks_line(restocks), file=out)
    photos = sum(1 for row in rows if row.photo)
    if photos:
        # File ids are per bot: one from another bot's export looks right but Telegram refuses it.
        print(f"note: photos imported: {photos}. A photo is a Telegram file id, valid only for the bot that was "
              "given it: a product whose photo this bot was not given is posted as text without it (/product SKU "
              "says so, /broadcast reports count it); send the photo with the caption /product edit SKU to "
              "replace it", file=out)
    return 0


def restocks_line(restocks: list[Any]) -> str:
    """What ``catalogue import`` says of the restocks it announced (``announcements.Created``s)."""
    ids = ", ".join(f"#{c.announcement_id}" for c in restocks[:LISTED_RESTOCKS])
    more = f" and {len(restocks) - LISTED_RESTOCKS} more" if len(restocks) > LISTED_RESTOCKS else ""
    waiting = sum(c.restocked.waiting for c in restocks if c.restocked is not None)
    groups = len(restocks[0].groups)
    return (f"{len(restocks)} back in stock from 0 (restock announcements {ids}{more}): {waiting} members on "
            f"their waitlists are told, in the order they joined, and {groups} "
            f"{'group gets' if groups == 1 else 'groups get'} each restock post; the running bot sends them "
            f"(/announce list, /broadcasts)")


async def export_catalogue(url: str, file: str | None, out: TextIO, err: TextIO | None = None) -> int:
    """Stream the catalogue as CSV (the format import reads) to ``file``, or to ``out`` without one.
    A file is written beside its final name and renamed at the end: never half a catalogue."""
    if file is None:
        await _write_catalogue(url, out, err)
        return 0
    target = Path(file)
    partial = target.with_name(target.name + ".part")
    try:
        stream: TextIO = await asyncio.to_thread(open, partial, "w", newline="", encoding="utf-8")
    except OSError as exc:
        print(f"regulars: cannot write {file}: {exc.strerror}", file=err or out)
        return 1
    try:
        with stream:
            await _write_catalogue(url, stream, err)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return 0


async def _write_catalogue(url: str, out: TextIO, err: TextIO | None) -> None:
    from bot.services import catalogue
    from games.catalogue import HEADER

    db = Database(url)
    try:
        writer = csv.writer(out)
        async with db.reader() as session:
            progress = Progress(err, "export catalogue", await catalogue.count(session))
            writer.writerow(HEADER)
            async for chunk in catalogue.export_lines(session):
                writer.writerows(chunk)
                progress.advance(len(chunk))
            progress.finish()
    finally:
        await db.close()
