"""The ``regulars`` command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import Settings, SettingsError, load_settings, require_token

log = logging.getLogger("regulars")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="regulars", description="Regulars: a shop's customer-group bot.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("run", help="run the bot (long polling) with BOT_TOKEN")
    demo = sub.add_parser("demo", help="offline demo: the real bot against the local Bot API emulator")
    demo.add_argument("--quiet", action="store_true", help="print only the summary")
    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade"], help="upgrade: apply all migrations")
    export = sub.add_parser("export", help="CSV export to stdout")
    export.add_argument("what", choices=["members", "ledger"])
    sub.add_parser("doctor", help="check the ledger invariants; non-zero exit if any fails")
    orders = sub.add_parser("import-orders", help="import orders from a CSV file (all or nothing)")
    orders.add_argument("file", help="CSV: order id, amount, currency, paid at, check value")
    # ---- catalogue (issue 12) ----
    catalogue = sub.add_parser("catalogue", help="the product catalogue as CSV: import (all or nothing) or export")
    catalogue.add_argument("action", choices=["import", "export"])
    catalogue.add_argument("file", nargs="?",
                           help="import: the CSV to read; export: the file to write (default: stdout)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "catalogue" and args.action == "import" and not args.file:
        parser.error("catalogue import: which FILE?")
    logging.basicConfig(level=logging.INFO if args.command == "run" else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "demo":
            from bot.demo import run_demo

            return asyncio.run(run_demo(quiet=args.quiet))
        settings = load_settings()
        if args.command == "run":
            token = require_token(settings)
            _upgrade(settings)
            return asyncio.run(_run(settings, token))
        if args.command == "db":
            _upgrade(settings)
            print(f"Database is up to date ({_describe(settings.database_url)}).")
            return 0
        if args.command == "export":
            from bot.tools import export_csv

            _require_existing(settings)
            _upgrade(settings)
            return asyncio.run(export_csv(settings.database_url, args.what, sys.stdout, sys.stderr))
        if args.command == "doctor":
            from bot.tools import doctor

            _require_existing(settings)
            _upgrade(settings)
            return asyncio.run(doctor(settings.database_url, sys.stdout))
        if args.command == "import-orders":
            from bot.tools import import_orders

            _upgrade(settings)
            return asyncio.run(import_orders(settings, args.file, sys.stdout, sys.stderr))
        if args.command == "catalogue":
            from bot.tools import export_catalogue, import_catalogue

            if args.action == "import":
                _upgrade(settings)
                return asyncio.run(import_catalogue(settings, args.file, sys.stdout, sys.stderr))
            _require_existing(settings)
            _upgrade(settings)
            return asyncio.run(export_catalogue(settings.database_url, args.file, sys.stdout, sys.stderr))
    except SettingsError as exc:
        print(f"regulars: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`regulars export ledger | head`): stop quietly, as Unix tools do,
        # and keep Python from complaining again when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    return 1


def _describe(url: str) -> str:
    return url.split("@")[-1] if "@" in url else url


def _require_existing(settings: Settings) -> None:
    """Reading tools never create an empty database because of a mistyped path."""
    url = settings.database_url
    if url.startswith("sqlite") and ":///" in url:
        path = Path(url.split(":///", 1)[1]).expanduser()
        if not path.is_file():
            raise SettingsError(f"Setting DATABASE_URL: there is no database at {path.resolve()}")


def _upgrade(settings: Settings) -> None:
    from bot.db.migrate import upgrade

    url = settings.database_url
    if url.startswith("sqlite+aiosqlite:///") and ":memory:" not in url:
        # Checked here: aiosqlite leaves a worker thread behind when it cannot open the file.
        folder = Path(url.removeprefix("sqlite+aiosqlite:///").split("?")[0]).parent
        if not folder.is_dir():
            raise SettingsError(f"Setting DATABASE_URL: cannot open or migrate the database "
                                f"({_describe(url)}): the folder {folder} does not exist")
    try:
        upgrade(url)
    except Exception as exc:
        raise SettingsError(f"Setting DATABASE_URL: cannot open or migrate the database "
                            f"({_describe(settings.database_url)}): {exc}") from None


async def _run(settings: Settings, token: str) -> int:
    from aiogram.exceptions import TelegramAPIError, TelegramNetworkError, TelegramUnauthorizedError

    from bot.factory import create_app, create_bot, create_dispatcher, poll, running
    from bot.features import create_states

    bot = create_bot(settings, token)
    app = create_app(settings, bot)
    states = create_states(app)
    dp = create_dispatcher(app, states)
    try:
        me = await bot.get_me()
    except TelegramUnauthorizedError:
        await bot.session.close()
        await app.db.close()
        raise SettingsError("Setting BOT_TOKEN is invalid: Telegram rejected it (Unauthorized)") from None
    except (TelegramNetworkError, TelegramAPIError) as exc:
        await bot.session.close()
        await app.db.close()
        where = settings.telegram_api_url or "api.telegram.org"
        raise SettingsError(f"Setting TELEGRAM_API_URL: cannot reach the Bot API at {where} ({exc})") from None
    log.info("starting @%s (time zone %s, database %s)", me.username, settings.timezone,
             _describe(settings.database_url))
    async with running(app, bot, states):
        await poll(dp, bot, handle_signals=True)
    await bot.session.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
