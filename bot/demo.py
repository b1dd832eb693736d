"""``regulars demo``: the real bot, offline, against the bundled Bot API emulator.

A scripted shop owner registers a (basic) group and configures check-in; three customers check in
over three simulated days (one breaks her streak), try a staff command, read /me and /top; then
Telegram upgrades the group to a supergroup (a new chat id) and the bot follows it on its own: the
scheduled daily post and check-in keep working there. The supergroup is gated with a password and
a welcome gift, and a newcomer asks to join; red packets are grabbed; a product vote: three
customers vote, one changes their vote, and the deadline closes it and posts the results; last, a
price-guessing round gives hints, a member out of tries brings a friend in through her personal link
for another try, and the round closes at its deadline with the winner; a coupon redeemed and a free draw; and the owner
sets member tiers and points for purchases: Alice links an order and rises to GOLD. Everything
goes over HTTP through aiogram's own session and long polling, exactly as in production; only
Telegram is replaced by the emulator and the calendar by a manual clock.
"""

from __future__ import annotations

import asyncio
import html
import re
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.clock import ManualClock
from bot.config import Settings, load_settings
from bot.db.migrate import upgrade
from bot.emulator import BotAPIEmulator
from bot.factory import create_app, create_bot, create_dispatcher, running
from bot.features import create_states
from bot.services import lottery as lottery_service
from bot.services import rewards as reward_service
from bot.services.guessing import accounting as guess_accounting
from bot.services.ledger import audit
from bot.services.purchases import accounting as purchase_accounting
from bot.services.redpackets import accounting
from bot.services.votes import accounting as vote_accounting
from bot.views.checkin import CheckinCb
from bot.views.votes import VoteCb
from scheduler.jobs.checkin import checkin_post_job_id, post_checkin
from scheduler.jobs.tiers import sweep_tiers
from scheduler.jobs.votes import close_vote
from scheduler.setup import SchedulerRuntime

TOKEN = "777000:DEMO-TOKEN"
START = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai
_TAG = re.compile(r"</?[a-z][^>]*>")


class Narrator:
    """Prints the conversation as people would see it."""

    def __init__(self, out: TextIO, names: dict[int, str], quiet: bool) -> None:
        self.out = out
        self.names = names
        self.quiet = quiet

    def say(self, line: str) -> None:
        if not self.quiet:
            print(line, file=self.out, flush=True)

    def chat(self, chat_id: int) -> str:
        return self.names.get(chat_id, str(chat_id))

    def event(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "user_message":
            self.say(f"  👤 {event['from_name']} → {self.chat(event['chat_id'])}: {event['text']}")
        elif kind == "button":
            self.say(f"  👤 {event['from_name']} taps [{event.get('button', event['data'])}]")
        elif kind in ("bot_message", "bot_edit"):
            text = html.unescape(_TAG.sub("", event.get("text") or ""))
            buttons = event.get("buttons") or []
            suffix = f"   [{' | '.join(buttons)}]" if buttons else ""
            head = f"  🤖 → {self.chat(event['chat_id'])}:"
            body = text.replace("\n", "\n" + " " * 6)
            self.say(f"{head} {body}{suffix}" if "\n" not in text else f"{head}\n      {body}{suffix}")
        elif kind == "join_request":
            self.say(f"  🚪 {event['from_name']} asks to join {self.chat(event['chat_id'])}")
        elif kind == "join_decision":
            self.say(f"  🚪 request {event['decision']} ({self.chat(event['chat_id'])})")
        elif kind == "bot_delete":
            self.say(f"  🗑 the bot deleted message {event['message_id']} in {self.chat(event['chat_id'])}")
        elif kind == "migration":
            self.names[event["new_chat_id"]] = f"{self.chat(event['chat_id'])} (now a supergroup)"
            self.say(f"  ⬆️ Telegram upgrades {self.chat(event['chat_id'])} to a supergroup: "
                     f"new chat id {event['new_chat_id']} (was {event['chat_id']})")
        elif kind == "callback_answer" and event.get("text"):
            self.say(f"  💬 popup for {event.get('to_name', '?')}: {event['text']}")


async def run_demo(*, quiet: bool = False, out: TextIO = sys.stdout, window: float = 0.3) -> int:
    with tempfile.TemporaryDirectory(prefix="regulars-demo-") as tmp:
        return await _run(Path(tmp) / "demo.db", quiet=quiet, out=out, window=window)


async def _run(db_path: Path, *, quiet: bool, out: TextIO, window: float) -> int:
    url = f"sqlite+aiosqlite:///{db_path}"
    await asyncio.to_thread(upgrade, url)
    async with BotAPIEmulator(token=TOKEN, bot_username="regulars_demo_bot", bot_first_name="Regulars",
                              enforce_limits=True) as emu:
        owner = emu.create_user("Mia", username="mia_shop", language_code="en")
        alice = emu.create_user("Alice", username="alice", language_code="en")
        bob = emu.create_user("Bob <&> Co", language_code="en")
        ming = emu.create_user("小明", language_code="zh-hans")
        group = emu.create_group("Tea Lovers VIP", members=[alice, bob, ming], admins=[owner], bot_is_admin=True,
                                 supergroup=False)
        names = {group.id: "group “Tea Lovers VIP”", owner.id: "Mia (private)", alice.id: "Alice (private)",
                 bob.id: "Bob (private)", ming.id: "小明 (private)"}
        narrator = Narrator(out, names, quiet)
        emu.on_event(narrator.event)

        settings: Settings = load_settings(
            bot_token=TOKEN, database_url=url, telegram_api_url=emu.base_url, owner_ids=str(owner.id),
            timezone="Asia/Shanghai", default_language="en", group_reply_window=window,
        )
        clock = ManualClock(START)
        emu.clock = lambda: clock.now().timestamp()  # join-request dates and windows on the demo's calendar
        bot = create_bot(settings, TOKEN)
        app = create_app(settings, bot, clock=clock)
        states = create_states(app)
        dp = create_dispatcher(app, states)
        async with running(app, bot, states) as runtime:
            assert runtime is not None
            polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=1))
            try:
                await _scene(emu, narrator, clock, app, runtime, group.id, owner, alice, bob, ming, window)
            finally:
                await dp.stop_polling()
                await polling
            async with app.db.reader() as session:
                problems = [*(await audit(session)), *(await accounting(session)), *(await vote_accounting(session)),
                            *(await guess_accounting(session)), *(await reward_service.accounting(session)),
                            *(await lottery_service.accounting(session)),
                            *(await purchase_accounting(session))[1]]
        await bot.session.close()
    violations = len(emu.rate_violations)
    print(f"Demo finished: ledger, red packets, votes, price guessing, rewards, lottery and purchase points "
          f"{'balanced' if not problems else 'BROKEN'}, "
          f"{len(emu.sent())} messages sent, {violations} Telegram rate-limit violations.", file=out)
    return 0 if not problems and violations == 0 else 1


async def _scene(emu: BotAPIEmulator, n: Narrator, clock: ManualClock, app: Any, runtime: SchedulerRuntime,
                 group_id: int,
                 owner: Any, alice: Any, bob: Any, ming: Any, window: float) -> None:
    settle = window * 2 + 0.3

    async def said(user: Any, text: str, chat: int | None = None, replies: int = 1) -> None:
        target = chat if chat is not None else user.id
        before = len(emu.sent(target))
        emu.user_sends(user, text, chat=emu.chat(target) if chat is not None else None)
        await emu.wait_sent(target, count=before + replies, timeout=10)

    async def tap(user: Any, message_id: int) -> None:
        cq = emu.press_button(user, message_id, emu.chat(group_id), CheckinCb().pack())
        await emu.wait_callback_answer(cq, timeout=10)

    async def day(label: str, advance: timedelta) -> int:
        clock.advance(advance)
        n.say(f"\n── {label}: {clock.now().astimezone(app.settings.tz):%A %d %B, %H:%M} (shop time) ──")
        before = len(emu.sent(group_id))
        await post_checkin(app, group_id)  # the scheduler's 09:00 job
        await post_checkin(app, group_id)  # firing twice posts once
        posts = await emu.wait_sent(group_id, count=before + 1, timeout=10)
        return posts[-1].message_id

    n.say("── Set-up ──")
    await said(owner, "/start")
    await said(owner, "/setup vip", chat=group_id)  # a basic group: how to get a supergroup
    await said(owner, "/checkin_config base=5 streak3=10 post=09:00", chat=group_id)
    await said(bob, "/setup", chat=group_id)

    post = await day("Day 1", timedelta(minutes=30))
    await tap(alice, post)
    await tap(bob, post)
    emu.user_sends(ming, "签到", chat=emu.chat(group_id))
    await asyncio.sleep(settle)
    await tap(alice, post)  # a second tap the same day

    post = await day("Day 2", timedelta(days=1))
    await tap(alice, post)
    await tap(bob, post)
    await tap(ming, post)

    post = await day("Day 3", timedelta(days=1))
    await tap(alice, post)  # third day in a row: streak bonus
    await tap(bob, post)

    post = await day("Day 5 (小明 skipped a day)", timedelta(days=2))
    await tap(ming, post)  # the streak starts again
    await tap(alice, post)

    n.say("\n── Looking at points ──")
    await said(alice, "/me")
    await said(ming, "/me")
    emu.user_sends(bob, "/top", chat=emu.chat(group_id))
    await asyncio.sleep(settle)

    await said(owner, "/welcome gift=20", chat=group_id)  # set in the basic group, used in the supergroup

    n.say("\n── The group becomes a supergroup ──")
    group_id = await _upgrade(emu, app, group_id, owner)
    await runtime.sync()  # the scheduler's sync loop, due within seconds
    job = runtime.scheduler.get_job(checkin_post_job_id(group_id))
    assert job is not None and job.args == (app, group_id), "the daily post was not rescheduled"
    clock.advance(timedelta(days=1))
    n.say(f"\n── Day 6: {clock.now().astimezone(app.settings.tz):%A %d %B, %H:%M} (shop time) ──")
    before = len(emu.sent(group_id))
    await job.func(*job.args)  # the scheduler's 09:00 job, rebuilt for the new chat id
    post = (await emu.wait_sent(group_id, count=before + 1, timeout=10))[-1].message_id
    await tap(alice, post)  # Alice's streak and points carried over
    await said(ming, "签到", chat=group_id)

    n.say("\n── A gated group: password and welcome gift ──")
    await said(owner, "/gate password=longjing attempts=3 timeout=10m", chat=group_id)
    li = emu.create_user("小李", language_code="zh-hans")
    n.names[li.id] = "小李 (private)"
    before = len(emu.sent(li.id))
    emu.push_join_request(li, emu.chat(group_id))
    await emu.wait_sent(li.id, count=before + 1, timeout=10)
    await said(li, "铁观音")
    before_group = len(emu.sent(group_id))
    await said(li, "longjing")
    await emu.wait_sent(group_id, count=before_group + 1, timeout=10)

    n.say("\n── Red packets (抢红包) ──")
    await said(owner, "/budget add 500")
    await said(owner, "/redpacket 60 3", chat=group_id)
    packet = emu.sent(group_id)[-1]
    grab = next(b["callback_data"] for b in packet.buttons())
    for member in (alice, bob, ming, alice):  # Alice taps twice: one share per member
        cq = emu.press_button(member, packet.message_id, emu.chat(group_id), grab)
        await emu.wait_callback_answer(cq, timeout=10)
    await said(alice, "/redpacket 10 2 pw=恭喜发财", chat=group_id)
    for member in (ming, bob, ming):  # a password packet opens by typing the password, once each
        emu.user_sends(member, "恭喜发财", chat=emu.chat(group_id))
    await asyncio.sleep(settle)
    await runtime.states["red_packets"].debouncer.flush()  # the packet messages' last progress edits
    await asyncio.sleep(settle)

    await _vote_scene(emu, n, clock, app, runtime, group_id, owner, (alice, bob, ming), settle)
    await _guessing_scene(emu, n, clock, app, group_id, owner, alice, bob, ming, settle)
    await _rewards_scene(emu, n, owner, alice, said)
    await _tiers_scene(emu, n, app, owner, alice, said)
    # ---- catalogue (issue 12) ----
    await _catalogue_scene(emu, n, owner, said)
    await _announcements_scene(emu, n, clock, app, runtime, group_id, owner, (alice, bob, ming), said)
    await _campaigns_scene(emu, n, clock, app, runtime, owner, alice, said)  # issue 12, campaigns



async def _vote_scene(emu: BotAPIEmulator, n: Narrator, clock: ManualClock, app: Any, runtime: SchedulerRuntime,
                      group_id: int, owner: Any, members: tuple[Any, Any, Any], settle: float) -> None:
    """A product vote: three members vote, one changes their vote, the deadline closes it (the job
    firing twice) and the results are posted; each voter is paid once."""
    alice, bob, ming = members
    n.say("\n── A product vote (投票) ──")
    before = len(emu.sent(group_id))
    emu.user_sends(owner, "/vote Which tea should we stock next? | Longjing @LJ-250 | Tieguanyin | Pu-erh "
                          "deadline=1h reward=5 launch=10", chat=emu.chat(group_id))
    post = (await emu.wait_sent(group_id, count=before + 1, timeout=10))[-1]
    data = [b["callback_data"] for b in post.buttons()]
    vote_id = VoteCb.unpack(data[0]).id
    for member, option in ((alice, 0), (bob, 2), (ming, 1), (ming, 0)):  # 小明 changes to Longjing
        cq = emu.press_button(member, post.message_id, emu.chat(group_id), data[option])
        await emu.wait_callback_answer(cq, timeout=10)
    await asyncio.sleep(settle)
    await runtime.states["votes"].debouncer.flush()  # the post's tally edit
    clock.advance(timedelta(hours=1))
    n.say(f"\n── The vote's deadline: {clock.now().astimezone(app.settings.tz):%H:%M} (shop time) ──")
    before = len(emu.sent(group_id))
    await close_vote(app, vote_id, votes=runtime.states["votes"])  # the scheduler's job at the deadline
    await close_vote(app, vote_id, votes=runtime.states["votes"])  # firing twice closes and pays once
    await emu.wait_sent(group_id, count=before + 1, timeout=10)
    await said_in(emu, alice, "/me")


async def said_in(emu: BotAPIEmulator, user: Any, text: str) -> None:
    """``user`` sends ``text`` to the bot in private and gets the answer."""
    before = len(emu.sent(user.id))
    emu.user_sends(user, text)
    await emu.wait_sent(user.id, count=before + 1, timeout=10)


async def _guessing_scene(emu: BotAPIEmulator, n: Narrator, clock: ManualClock, app: Any, group_id: int,
                          owner: Any, alice: Any, bob: Any, ming: Any, settle: float) -> None:
    """A price-guessing round: hints, Alice out of tries inviting a friend for another one, a guess
    typed in the group, and the deadline with the winner."""
    from bot.views.guessing import InviteCb
    from scheduler.jobs.guessing import close_round

    n.say("\n── Price guessing (猜价格) ──")
    group = emu.chat(group_id)

    async def said(user: Any, text: str, chat: int | None = None, replies: int = 1) -> None:
        target = chat if chat is not None else user.id
        before = len(emu.sent(target))
        emu.user_sends(user, text, chat=emu.chat(target) if chat is not None else None)
        await emu.wait_sent(target, count=before + replies, timeout=10)

    before = len(emu.sent(group_id))
    emu.user_sends_photo(owner, "/guess Longjing 2026 spring, 250g | ¥128 tries=2 hints=on prize=30 invites=1 "
                         "deadline=2h", chat=group)
    post = next(m for m in await emu.wait_sent(group_id, count=before + 1, timeout=10) if m.photo is not None)
    round_id = int(post.buttons()[0]["url"].rsplit("_", 1)[1])
    await said(alice, f"/start guess_{round_id}")
    await said(alice, "100")
    await said(alice, "¥150")
    offer = emu.sent(alice.id)[-1]
    cq = emu.press_button(alice, offer.message_id, emu.chats[alice.id], InviteCb(id=round_id).pack())
    await emu.wait_callback_answer(cq, timeout=10)
    await emu.wait_sent(alice.id, count=len(emu.sent(alice.id)) + 1, timeout=10)
    link = next(w for w in (emu.sent(alice.id)[-1].text or "").split() if w.startswith("https://t.me/+"))
    hong = emu.create_user("小红", language_code="zh-hans")
    n.names[hong.id] = "小红 (private)"
    told = len(emu.sent(alice.id))
    emu.push_join_request(hong, group, link)  # through Alice's link; the group asks for its password
    await emu.wait_sent(hong.id, count=1, timeout=10)
    await said(hong, "longjing")
    await emu.wait_sent(alice.id, count=told + 1, timeout=10)  # Alice: one more try
    await said(alice, "128")
    emu.user_sends(bob, "¥130", chat=group, reply_to_message_id=post.message_id)  # typed in the group
    await said(ming, f"/start guess_{round_id}")
    await said(ming, "１２５元")
    await asyncio.sleep(settle)
    clock.advance(timedelta(hours=2, minutes=1))
    n.say(f"\n── The deadline: {clock.now().astimezone(app.settings.tz):%H:%M} (shop time) ──")
    before = len(emu.sent(group_id))
    await close_round(app, round_id)  # the scheduler's job at the deadline
    await close_round(app, round_id)  # firing twice announces once
    await emu.wait_sent(group_id, count=before + 1, timeout=10)
    await asyncio.sleep(settle)


async def _rewards_scene(emu: BotAPIEmulator, n: Narrator, owner: Any, alice: Any,
                         said: Callable[..., Awaitable[None]]) -> None:
    """A rewards shop with a pool of coupon codes and a lottery; Alice redeems a code, then draws."""
    n.say("\n── Rewards shop (积分兑换) and lottery (抽奖) ──")
    await said(owner, "/reward add Coupon ¥5 | 20 | limit=1/month | cash=on orders over ¥50")
    before = len(emu.sent(owner.id))
    emu.user_sends_document(owner, "coupons.txt", b"code\nTEA5-8K2Q\nTEA5-P7ZD\nTEA5-M3WX\n",
                            caption="/reward codes 1")
    await emu.wait_sent(owner.id, count=before + 1, timeout=10)
    await said(owner, "/lottery add none | 60")
    await said(owner, "/lottery add 5 points | 30 | points=5")
    await said(owner, "/lottery add Tea sample | 10 | stock=5")
    await said(alice, "/rewards")
    shop = emu.sent(alice.id)[-1]
    ask = next(b["callback_data"] for b in shop.buttons() if b["callback_data"].startswith("rw:ask:"))
    before = len(emu.sent(alice.id))
    await emu.wait_callback_answer(emu.press_button(alice, shop.message_id, emu.chat(alice.id), ask), timeout=10)
    prompt = (await emu.wait_sent(alice.id, count=before + 1, timeout=10))[-1]
    confirm = next(b["callback_data"] for b in prompt.buttons() if b["callback_data"].startswith("rw:ok:"))
    before = len(emu.sent(alice.id))
    await emu.wait_callback_answer(emu.press_button(alice, prompt.message_id, emu.chat(alice.id), confirm), timeout=10)
    await emu.wait_sent(alice.id, count=before + 1, timeout=10)
    await said(alice, "/draw")  # her first draw ever: a guaranteed prize
    await said(alice, "/draw")  # the day's free draw is used


async def _tiers_scene(emu: BotAPIEmulator, n: Narrator, app: Any, owner: Any, alice: Any, said: Any) -> None:
    """Member tiers and points for purchases: Alice links an order, earns its points and rises to GOLD."""
    n.say("\n── Member tiers (会员等级) and points for purchases (交易积分) ──")
    await said(owner, "/tier add GOLD | points=150 | multiplier=1.2")
    await said(owner, "/points_rate 1")
    before = len(emu.sent(owner.id))
    orders = b"order_id,amount,currency,paid_at,check\nTB-8801,199.00,CNY,2026-03-05 20:15,6688\n"
    emu.user_sends_document(owner, "orders.csv", orders, caption="/import_orders")
    await emu.wait_sent(owner.id, count=before + 1, timeout=10)
    await said(alice, "/bind TB-8801 6688")
    before = len(emu.sent(alice.id))
    await sweep_tiers(app)  # the scheduler's minute sweep: Alice reached GOLD and is told, once
    await emu.wait_sent(alice.id, count=before + 1, timeout=10)
    await said(alice, "/me")


async def _upgrade(emu: BotAPIEmulator, app: Any, group_id: int, owner: Any) -> int:
    """Telegram upgrades the basic group (here: the owner turns chat history on for new members);
    the bot follows it to the new id by itself. Returns the supergroup's id."""
    new = emu.upgrade_to_supergroup(emu.chat(group_id), by=owner)
    await emu.wait_until(lambda: app.directory.group(new.id) is not None
                         and app.directory.group(new.id).chat_id == new.id, timeout=10)
    return new.id


# ---- catalogue (issue 12): staff keep a small catalogue ------------------------------------------------

async def _catalogue_scene(emu: BotAPIEmulator, n: Narrator, owner: Any, said: Any) -> None:
    """The owner adds two products in private chat (one with its photo, one sold out) and looks at the
    catalogue."""
    n.say("\n── The catalogue (商品) ──")
    before = len(emu.sent(owner.id))
    emu.user_sends_photo(owner, "/product add LJ-250 | Longjing 2026 spring, 250g | 128 | stock=40 | cycle=30d")
    await emu.wait_sent(owner.id, count=before + 1, timeout=10)
    await said(owner, "/product add PU-357 | Pu-erh cake 357g | 199 | stock=0 | link=t.me/teashop")
    await said(owner, "/products")
# ---- Announcements (issue 12, helper "announce") ---------------------------------------------------
# A pre-announcement with "🔔 Remind me" taps (its go-live pays the voters of Longjing @LJ-250 their
# launch reward), then a sold-out item with "🔔 Notify me" taps and a restock of 2 units reserved for
# an hour for a waitlist of 3: one claims with the button, one lets it expire and it passes on, and
# the shop claims the passed code with /claim. The announcements are planned as broadcast rows, and the
# broadcast engine's worker sends them (``_send_planned`` waits until it has).

async def _send_planned(runtime: SchedulerRuntime) -> None:
    """Let the broadcast engine's worker send everything due now (it runs in this process, holding the
    lease), and wait until it has."""
    await runtime.states["broadcasts"].settle()


async def _announcements_scene(emu: BotAPIEmulator, n: Narrator, clock: ManualClock, app: Any,
                               runtime: SchedulerRuntime, group_id: int,
                               owner: Any, members: tuple[Any, Any, Any], said: Any) -> None:
    from bot.views.announcements import ClaimCb, NotifyCb, RemindCb
    from scheduler.jobs.announcements import expire_reservation, go_live

    alice, bob, ming = members
    n.say("\n── New arrivals and restocks (上新推送, 预约上新, 补货通知) ──")
    now = clock.now()
    await said(owner, "/product add TGY-100 | Tieguanyin, 100g | 68 | stock=0 | link=https://shop.example/TGY-100")
    go_live_at = (now + timedelta(hours=2)).astimezone(app.settings.tz)
    await said(owner, f"/announce soon LJ-250 at={go_live_at:%H:%M}")
    await _send_planned(runtime)
    teaser = emu.sent(group_id)[-1]
    announcement_id = RemindCb.unpack(teaser.buttons()[0]["callback_data"]).id
    group = emu.chat(group_id)

    async def tap(user: Any, message_id: int, data: str, chat: Any = group) -> None:
        await emu.wait_callback_answer(emu.press_button(user, message_id, chat, data), timeout=10)

    remind = RemindCb(id=announcement_id).pack()
    await tap(bob, teaser.message_id, remind)  # never started the bot here: sent to it with a deep link
    await said(bob, f"/start remind_{announcement_id}")
    await tap(alice, teaser.message_id, remind)
    await said(alice, f"/start remind_{announcement_id}")
    await tap(alice, teaser.message_id, remind)  # now a toggle: off…
    await tap(alice, teaser.message_id, remind)  # …and on again
    clock.advance(timedelta(hours=2))
    n.say(f"\n── Go-live: {clock.now().astimezone(app.settings.tz):%H:%M} (shop time) ──")
    await go_live(app, announcement_id)  # the scheduler's job at its time
    await go_live(app, announcement_id)  # firing twice posts, reminds and pays once
    await _send_planned(runtime)  # the post; Alice's and Bob's reminders; 小明's launch reward notice

    n.say("\n── A sold-out item, its waitlist and a restock with reservations ──")
    await said(owner, "/announce new TGY-100")
    await _send_planned(runtime)
    post = emu.sent(group_id)[-1]
    notify = next(b["callback_data"] for b in post.buttons()
                  if str(b.get("callback_data", "")).startswith(f"{NotifyCb.__prefix__}:"))
    await tap(ming, post.message_id, notify)
    await said(ming, f"/start notify_{NotifyCb.unpack(notify).id}")
    await tap(alice, post.message_id, notify)
    await tap(bob, post.message_id, notify)
    await said(owner, "/stock TGY-100 2 reserve=1h")
    await _send_planned(runtime)  # the group post; codes for 小明 and Alice; Bob's place in line
    reservation = emu.sent(alice.id)[-1]
    claim = next(b["callback_data"] for b in reservation.buttons() if b.get("callback_data"))
    before = len(emu.sent(alice.id))
    await tap(alice, reservation.message_id, claim, emu.chat(alice.id))
    await emu.wait_sent(alice.id, count=before + 1, timeout=10)
    clock.advance(timedelta(hours=1))
    n.say(f"\n── An hour later: {clock.now().astimezone(app.settings.tz):%H:%M}, 小明's reservation expires ──")
    await expire_reservation(app, ClaimCb.unpack(next(
        b["callback_data"] for b in emu.sent(ming.id)[-1].buttons() if b.get("callback_data"))).id)
    await _send_planned(runtime)  # the unit passes to Bob with a new code
    code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}", emu.sent(bob.id)[-1].text or "")
    assert code is not None, "no reservation code for Bob"
    await said(owner, f"/claim {code.group(0)}")  # Bob quoted it at checkout

# ---- Recurring posts and campaigns (issue 12: campaigns) -------------------------------------------------
# Staff schedule a daily post for the VIP group and send a campaign at 23:30, inside quiet hours
# (23:00–08:00 by default). Both are only planned here, as broadcasts with their deliveries: the
# broadcast engine posts the daily post each morning at 10:00, and holds the campaign back until quiet
# hours end (and within the frequency cap) before it sends it. /schedule lists both.

async def _campaigns_scene(emu: BotAPIEmulator, n: Narrator, clock: ManualClock, app: Any,
                           runtime: SchedulerRuntime, owner: Any, alice: Any, said: Any) -> None:
    """Alice (a buyer since the tiers scene) tries the opt-out and comes back; staff schedule a daily
    post and plan a campaign to buyers at 23:30; /schedule shows what is planned."""
    n.say("\n── Recurring posts and campaigns (定时推送、一键群发) ──")
    await said(alice, "/stop_promos")
    await said(alice, "/start_promos")
    await said(owner, "/schedule add daily 10:00 ☀️ Today's deal: Longjing 250g at ¥99.\nReply here to reserve yours! "
                      "to=vip")
    await said(owner, "/campaign purchased | 🍵 Spring teas are in!\nMembers get 10% off this week. at=23:30")
    await said(owner, "/schedule")
    campaign = max(int(x) for x in re.findall(r"/broadcast (\d+)", "\n".join(
        m.text or "" for m in emu.sent(owner.id)[-3:])))
    local = clock.now().astimezone(app.settings.tz)
    clock.set((local.replace(hour=23, minute=30, second=0, microsecond=0)).astimezone(clock.now().tzinfo))
    n.say(f"\n── {clock.now().astimezone(app.settings.tz):%H:%M}: the campaign is due, inside quiet hours ──")
    await _send_planned(runtime)  # held back until quiet hours end, never dropped
    await said(owner, f"/broadcast {campaign}")
    clock.advance(timedelta(hours=8, minutes=31))
    n.say(f"\n── {clock.now().astimezone(app.settings.tz):%H:%M} the next morning: quiet hours are over ──")
    await _send_planned(runtime)
    await said(owner, f"/broadcast {campaign}")
