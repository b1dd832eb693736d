## Regulars — English texts. Every user-visible sentence lives here (and in zh.ftl).
## Variables are HTML-escaped by bot/texts.py; the markup here is Telegram HTML.

## General
throttled = Slow down a little, please — try again in a few seconds.
error-generic = Sorry, something went wrong on our side. Please try again in a moment.
button-expired = This button is no longer active.
unknown-command = I don't know the command { $command }. Send /help to see what I can do.
private-hint = Send /checkin to check in for today, /me for your points, or /help for everything else.
bot-added = Hello! A shop staff member can now run /setup here to turn this group into a shop group.
anonymous-admin = Anonymous admins cannot run my commands: I cannot tell who you are. Turn off "Remain anonymous" in your admin rights, or message me in private.
group-not-registered = This group is not set up yet. Shop staff: make me an admin and send /setup.

## Start and help
start = Hi { $name }! I'm the shop's assistant: check in every day, collect points and see how you rank.
## /help: a heading per section, then the line of each command declared for it (bot/commands.py)
help-heading-customer = <b>What you can do</b>
help-cmd-checkin = /checkin — check in for today (or tap the check-in button, or say "check in")
help-cmd-me = /me — your points, streak and latest entries
help-cmd-top = /top — leaderboards
help-cmd-redpacket = /redpacket TOTAL SHARES — send a red packet in the group from your points
help-cmd-bind = /bind ORDER-ID CHECK — link your order (CHECK: e.g. the last 4 digits of your phone)
help-cmd-help = /help — this list
help-heading-staff = <b>Staff tools</b> (in a group where I am admin)
help-cmd-setup = /setup [label] — register the group (label: e.g. vip, deals)
help-cmd-checkin_config = /checkin_config base=5 streak7=20 post=09:00 — check-in rewards and the daily post time
help-cmd-checkin_post = /checkin_post — post the check-in button now
help-cmd-gate = /gate mode=all password=… channel=on allow=on segment="…" spend=199 timeout=10m — entry thresholds
help-cmd-welcome = /welcome TEXT with {"{"}name{"}"} | gift=50 | reset | off — welcome message and gift
help-cmd-invite = /invite [name] — a join-request invite link; /invite revoke NAME — stop one; /invites [name] — links and who they brought
help-cmd-settings = /settings — this group's settings
help-cmd-redpacket_schedule = /redpacket_schedule daily HH:MM TOTAL SHARES | list | cancel ID — scheduled red packets from the shop budget
help-heading-anywhere = <b>Anywhere</b>
help-cmd-budget = /budget — the shop budget that pays staff red packets; /budget add POINTS (owners) — top it up
help-cmd-ban = /ban, /unban ID or reply — across all shop groups
help-cmd-allow = /allow ID | remove ID | list — the allow-list; /tag ID NAME | remove ID NAME — tags
help-cmd-segment = /segment purchased and not dormant or tag:vip — count and sample
help-cmd-import_orders = /import_orders — send me the orders CSV privately with this caption
help-cmd-audit = /audit — the latest staff actions
help-heading-owner = <b>Owner tools</b>
help-cmd-staff =
    /staff add|remove ID, @username or as a reply — manage staff
    /staff list — who is staff
help-group = Tap the check-in button or send /checkin every day to collect points. /me shows your points, /top the leaderboards. Message me privately for more.

## Command menu descriptions
cmd-start = Start and see what I can do
cmd-checkin = Check in for today
cmd-me = My points and streak
cmd-top = Leaderboards
cmd-help = Help
cmd-staff = Manage staff (owners)
cmd-setup = Register this group (staff)
cmd-checkin_config = Check-in rewards (staff)
cmd-checkin_post = Post the check-in button (staff)
cmd-redpacket = Send a red packet
cmd-budget = Shop budget for red packets (staff)
cmd-redpacket_schedule = Scheduled red packets (staff)
cmd-bind = Link my order
cmd-gate = Entry thresholds (staff)
cmd-welcome = Welcome message and gift (staff)
cmd-invite = Create an invite link (staff)
cmd-invites = Invite links and who they brought (staff)
cmd-settings = Group settings (staff)

## Check-in
checkin-button = ✅ Check in
checkin-post =
    <b>Daily check-in</b> 📅
    Tap the button to check in for today: { $base } points, plus streak bonuses ({ $bonuses }).
checkin-popup = ✅ Checked in! +{ $points } { $points ->
        [one] point
       *[other] points
    }{ $bonus ->
        [0] {""}
       *[other] {" "}(streak bonus +{ $bonus })
    }. Streak: { $streak } { $streak ->
        [one] day
       *[other] days
    }. Balance: { $balance }.
checkin-already-popup = You have already checked in today. Come back tomorrow!
checkin-already-private = You have already checked in today. Come back tomorrow!
checkin-done =
    ✅ Checked in for today: <b>+{ $points }</b> { $points ->
        [one] point
       *[other] points
    }{ $bonus ->
        [0] {""}
       *[other] {" "}(including a streak bonus of +{ $bonus })
    }.
    Streak: { $streak } { $streak ->
        [one] day
       *[other] days
    } · Balance: <b>{ $balance }</b>
checkin-summary =
    <b>Check-ins</b> ({ $count })
checkin-line = ✅ { $name } +{ $points } · streak { $streak }
checkin-line-bonus = 🎉 { $name } +{ $points } (bonus +{ $bonus }) · streak { $streak }
checkin-line-already = ☑️ { $name } already checked in today
checkin-already = You have already checked in today.

## Points
me-line = { $name }: { $balance } { $balance ->
        [one] point
       *[other] points
    } · streak { $streak }
me-card =
    <b>{ $name }</b>
    Balance: <b>{ $balance }</b> points (earned in total: { $lifetime })
    Streak: { $streak } · check-ins: { $total } · today: { $today }

    <b>Check-ins { $month }</b>
    <code>{ $calendar }</code>

    <b>Latest entries</b>
    { $entries }
me-today-yes = checked in ✅
me-today-no = not yet — send /checkin
me-no-entries = No entries yet — check in to earn your first points.
me-entry = { $date } { $amount } { $reason }
reason-checkin = check-in
reason-grant = granted by staff
reason-deduct = deducted by staff
reason-welcome = welcome gift
reason-vote = vote reward
reason-game = game prize
reason-red_packet = red packet
reason-purchase = purchase
reason-referral = referral
reason-redemption = redemption
reason-refund = refund
reason-budget = shop budget top-up
top-board =
    <b>Leaderboards — { $scope }</b>

    <b>Check-in streaks</b>
    { $checkins }

    <b>Points</b>
    { $points }
top-scope-shop = the whole shop
top-empty = Nobody yet — be the first!
top-checkin-row = { $rank }. { $name } — { $value } { $value ->
        [one] day
       *[other] days
    } ({ $extra } check-ins)
top-points-row = { $rank }. { $name } — { $value } { $value ->
        [one] point
       *[other] points
    }

## Staff
staff-only = Sorry, only shop staff can use that command.
owner-only = Sorry, only the shop owner can use that command.
staff-group-only = Please send this command in the shop group it is about.
staff-usage =
    Usage:
    /staff add 123456789 (or @username, or reply to the person's message)
    /staff remove 123456789
    /staff list
staff-unknown-user = I can't find that person ({ $arg }). Use their numeric Telegram id, an @username I have seen, or reply to one of their messages.
staff-added = { $name } ({ $id }) is now staff.
staff-already = { $name } ({ $id }) is already staff.
staff-removed = { $name } ({ $id }) is no longer staff.
staff-not-staff = { $name } ({ $id }) was not staff.
staff-list = <b>Staff</b> ({ $count })
staff-list-row = • { $name } ({ $id })
staff-list-empty = No staff yet. Owners add them with /staff add.
setup-bad-label = The label "{ $label }" is not valid: use up to 32 letters, digits, - or _ (for example: vip, deals).
setup-channel-not-admin = ⚠️ I am not an administrator of the shop channel { $channel }, so I cannot check who follows it. Make me an admin there before using channel=on in /gate.
setup-basic-group = ℹ️ When Telegram upgrades the group, I move its settings, points and schedules to the supergroup by myself: nothing to set up again.
setup-topic = 📌 My own posts here (daily check-in, red packets, welcomes) go to this topic. Send /setup in another topic to move them.
setup-general-topic = 📌 My own posts here (daily check-in, red packets, welcomes) go to the General topic. If you close General, send /setup in the topic they should go to.
setup-need-admin = I need to be an administrator of this group first. Make me an admin, then send /setup again.
setup-done =
    ✅ <b>{ $title }</b> is now a shop group (label: { $label }).
    { $rules }
    Change the rewards with /checkin_config, post the check-in button with /checkin_post.
setup-updated =
    ✅ <b>{ $title }</b> updated (label: { $label }).
    { $rules }
config-summary = Check-in: { $base } points a day; streak bonuses: { $bonuses }; daily post: { $post }.
config-bonus = every { $period } days +{ $points }
config-no-bonus = none
config-post-off = off
config-usage =
    { $rules }
    Usage: /checkin_config base=5 streak7=20 streak30=100 post=09:00
    base = points per check-in (0–1000); streakN=P = bonus P on every N-th day in a row (N 2–365, P=0 removes it); post=HH:MM or post=off for the daily check-in post (shop time).
config-error =
    I couldn't understand "{ $item }". Nothing was changed.
    { $rules }
    Usage: /checkin_config base=5 streak7=20 streak30=100 post=09:00
config-saved = ✅ Saved. { $rules }

## Domain errors
error-insufficient-points = Not enough points: you have { $balance }.
error-invalid-amount = That amount is not valid.
error-config = That setting is not valid: { $detail }

## Red packets
rp-usage = Usage: <code>/redpacket TOTAL SHARES [lucky|equal] [pw=PASSWORD] [for=all|before|SEGMENT] [expires=30m|12h|2d]</code>
    e.g. <code>/redpacket 500 20</code> (500 points in 20 lucky shares). Staff packets are paid from the shop budget, members' from their own points.
rp-group-only = Send red packets in the shop group, where members can grab them.
rp-error-usage = Please give the total points and the number of shares.
rp-error-numbers = Total and shares must be whole numbers of at least 1.
rp-error-more-shares-than-points = { $shares } shares need at least { $shares } points (1 each), but the total is { $total }.
rp-error-too-big = That is too big: at most { $max_shares } shares and { $max_total } points per packet.
rp-error-option = I do not know the option “{ $option }”.
rp-error-expiry = Expiry “{ $value }” is not valid: use minutes, hours or days, from 1m to 7d (e.g. 30m, 12h, 2d).
rp-error-password = The password must be 1 to { $max } characters and must not start with /.
rp-error-password-collides = The password “{ $password }” is a check-in word: typing it must check people in, so it cannot open a packet. Choose another password.
rp-error-schedule = “{ $value }” is not a valid schedule.
rp-error-options-too-long = These options are too long to keep with a schedule (at most { $max } characters in all): use a shorter password or segment.
rp-budget-short = The shop budget has { $balance } points, not enough for { $total }. An owner can top it up with <code>/budget add POINTS</code>.
rp-balance-short = You have { $balance } points, not enough for a { $total }-point packet.
rp-too-many-open = You already have { $max } red packets open in this group; wait until one is grabbed or expires.
rp-button = 🧧 Grab
rp-from-shop = the shop
rp-split-lucky = lucky split
rp-split-equal = equal split
rp-head = 🧧 <b>Red packet</b> from { $funder }: { $total } points in { $shares } shares ({ $split })
rp-progress = { $grabbed }/{ $shares } grabbed · { $left } points left
rp-password-hint = Type <code>{ $password }</code> in this group to grab a share.
rp-eligibility-before = For members who were here before this packet was sent.
rp-until = Open until { $until }.
rp-all-grabbed = All { $shares } shares grabbed!
rp-expired-note = Expired with { $grabbed }/{ $shares } grabbed; { $refund } points returned to { $funder }.
rp-luckiest = 🏆 Luckiest: { $name } with { $amount } points
rp-grabber-row = { $name }: { $amount }
rp-grabbers-more = … and { $count } more
rp-grabbed = 🧧 You grabbed { $amount } points! Balance: { $balance }.
rp-grabbed-last = 🧧 You grabbed { $amount } points, the last share! Balance: { $balance }.
rp-gone = All gone: every share has been grabbed.
rp-already = You already grabbed { $amount } points from this packet.
rp-not-eligible = This packet is for members who were in the group before it was sent.
rp-expired = This red packet has expired.
rp-no-such-packet = This red packet does not exist here.
rp-line-grabbed = 🧧 { $name } grabbed { $amount } points
rp-line-not-eligible = { $name }: this packet is for members who were here before it was sent.
rp-not-in-segment = This packet is only for members in the segment { $segment }.
rp-error-segment = “{ $segment }” is not a segment: use one name without spaces (purchased, never_purchased, repeat, new, dormant, active) or tag:NAME.
rp-eligibility-segment = Only for members in the segment <code>{ $segment }</code>.
rp-line-not-in-segment = { $name }: this packet is only for the segment { $segment }.
budget-show = The shop budget has { $balance } points (staff red packets are paid from it).
budget-usage = Usage: <code>/budget</code> to see the shop budget, <code>/budget add POINTS</code> (owners) to top it up.
budget-bad-amount = “{ $value }” is not a valid amount: use a whole number from 1 to { $max }.
budget-added = Added { $amount } points to the shop budget. It now has { $balance }.
rps-usage = Usage: <code>/redpacket_schedule daily HH:MM TOTAL SHARES [options]</code>, <code>/redpacket_schedule once YYYY-MM-DD HH:MM TOTAL SHARES [options]</code>, <code>/redpacket_schedule list</code>, <code>/redpacket_schedule cancel ID</code>
rps-daily = daily at { $at }
rps-once = on { $on } at { $at }
rps-row = #{ $id }: { $when }, { $total } points in { $shares } shares ({ $options })
rps-list = Scheduled red packets in this group: { $count }
rps-none = none yet.
rps-added = Scheduled red packet #{ $id }: { $when }, { $total } points in { $shares } shares, paid from the shop budget.
rps-cancelled = Scheduled red packet #{ $id } cancelled.
rps-unknown = There is no scheduled red packet #{ $id } in this group.
rps-skipped = Scheduled red packet #{ $id } was skipped: the shop budget has { $balance } points, the packet needs { $total }.
staff-not-a-bot = Bots cannot be shop staff.
## Join requests (入群门槛)
join-ask-password = Hi! To join <b>{ $title }</b>, send me the group password here. You have { $attempts } { $attempts ->
        [one] attempt
       *[other] attempts
    } and { $minutes } { $minutes ->
        [one] minute
       *[other] minutes
    }.
join-password-wrong = That is not the password. { $left } { $left ->
        [one] attempt
       *[other] attempts
    } left.
join-password-late = Your join request is no longer waiting for a password.
join-approved = ✅ Welcome! Your request to join <b>{ $title }</b> is approved.
join-declined = Sorry, your request to join <b>{ $title }</b> was declined.
join-declined-failed = Sorry, your request to join <b>{ $title }</b> was declined: { $thresholds }.
join-declined-banned = Sorry, you cannot join <b>{ $title }</b>.
join-declined-timeout = Your request to join <b>{ $title }</b> was declined because it was not completed in time. You can ask again with the invite link.
join-gift = 🎁 Welcome gift: +{ $points } { $points ->
        [one] point
       *[other] points
    }, credited as soon as you are in.
join-checking = Thanks! I am still checking your request with Telegram; you will hear from me shortly.
join-declined-unverified = Sorry, your request to join <b>{ $title }</b> could not be checked in time (Telegram did not answer), so it was declined. Please ask again in a little while.
join-declined-late = Your request to join <b>{ $title }</b> reached me too late to be completed. Please send it again with the invite link.
join-gone = Your request to join <b>{ $title }</b> was no longer pending (withdrawn, or handled by an admin), so the approval did not go through and no gift was credited.
join-staff-will-handle = I could not let you into <b>{ $title }</b> myself; the shop's staff will handle your request shortly.
join-too-many-channels = Telegram could not add you to <b>{ $title }</b>: you are in too many groups and channels (Telegram allows 500). Leave some, then send the request again.
join-staff-no-rights = ⚠️ I could not carry out a join request in <b>{ $title }</b>: I need the admin right “Invite users via link” (can_invite_users). Open the group's settings → Administrators → me, and turn it on. Until then, please handle pending join requests yourself.
threshold-password = wrong password
threshold-channel = you do not follow the shop channel
threshold-allow = you are not on the guest list
threshold-segment = this group is for a particular group of customers
threshold-spend = your linked orders do not reach the minimum spend (link them with /bind)
welcome-default = 👋 Welcome, { $names }!
welcome-gift = 🎁 { $names }: +{ $points } { $points ->
        [one] point
       *[other] points
    } welcome gift.

## Gate settings (staff)
gate-mode-all = all of
gate-mode-any = any of
gate-line-password = password ({ $attempts } { $attempts ->
        [one] attempt
       *[other] attempts
    })
gate-line-channel = follows the shop channel
gate-line-allow = on the allow-list
gate-line-segment = in the segment <code>{ $expr }</code>
gate-line-spend = linked orders of at least { $amount } { $currency }
gate-summary =
    Entry: { $mode }
    { $lines }
    Unfinished requests are declined after { $minutes } { $minutes ->
        [one] minute
       *[other] minutes
    }.
gate-summary-open = Entry: open (every join request is approved, except banned users and bots). Timeout: { $minutes } min.
gate-usage =
    { $rules }
    Usage: /gate mode=all|any password=TEXT|off attempts=3 channel=on|off allow=on|off segment="purchased and not dormant"|off spend=199|off timeout=10m
    /gate tier=GOLD|off — a tier group: members of that tier get a personal link; tier_grace=14d|never — how long one who falls below may stay after the notice
    /gate off removes every threshold.
gate-error =
    I couldn't understand "{ $item }". Nothing was changed.
    { $rules }
gate-no-channel = The shop channel is not configured (setting SHOP_CHANNEL), so channel=on cannot be checked. Nothing was changed.
gate-saved = ✅ Saved. { $rules }
welcome-default-name = (the default welcome)
welcome-summary = Welcome: { $text }; welcome gift: { $gift } { $gift ->
        [one] point
       *[other] points
    } (once per customer).
welcome-usage =
    { $summary }
    Usage: /welcome Welcome {"{"}name{"}"}, glad you are here! — the text ({"{"}name{"}"} is the newcomer's name)
    /welcome gift=50 — points for each new member, once per customer (0: none)
    /welcome reset — the default text; /welcome off — default text and no gift
welcome-bad-gift = The gift must be a whole number of points from 0 to { $max }.
welcome-too-long = The welcome text may be at most { $max } characters.
welcome-keyword-alone = /welcome { $word } takes nothing after it. Nothing was changed.
welcome-too-many-names = A welcome text may use {"{"}name{"}"} at most { $max } times. Nothing was changed.
welcome-saved = ✅ Saved. { $summary }
invite-created = 🔗 Invite link ({ $name }): { $link }
    People who use it send a join request; I check the entry thresholds.
invite-unnamed = unnamed
invite-bad-name = The link name may be at most 32 characters.
invite-revoke-usage = Usage: /invite revoke NAME (or the link itself): the link stops working and leaves /invites.
invite-revoke-unknown = This group has no invite link called "{ $name }". /invites lists them.
invite-revoked = 🔗 Revoked: "{ $name }" ({ $count } { $count ->
        [one] link
       *[other] links
    }) no longer lets anyone ask to join, and is off /invites.
invite-revoke-failed = I couldn't revoke the link. I need the admin right "Invite users via link". Nothing was changed.
invite-failed = I couldn't create an invite link. I need the admin right "Invite users via link".
invites-list = <b>Invite links</b>
invites-row = • { $name }: { $link } — { $requests } { $requests ->
        [one] request
       *[other] requests
    }, { $joined } joined
invites-joined = <b>Joined through "{ $link }"</b> (latest { $count })
invites-person = • { $name } ({ $id })
invites-empty = No invite links yet. Create one with /invite [name].
settings-summary =
    <b>{ $title }</b> (label: { $label })
    { $checkin }
    { $gate }
    { $welcome }

## Bans, allow-list, tags, segments, audit (staff)
ban-usage = Usage: /ban 123456789 [reason], or reply to the person's message with /ban [reason].
ban-staff = { $name } is staff; remove them from staff first.
ban-already = { $name } ({ $id }) is already banned.
unban-usage = Usage: /unban 123456789, or reply to the person's message with /unban.
unban-not-banned = { $name } ({ $id }) is not banned.
unban-done = ✅ { $name } ({ $id }) is no longer banned and may ask to join again.
allow-usage = Usage: /allow 123456789 (or @username, or as a reply), /allow remove 123456789, /allow list
allow-not-a-bot = Bots cannot join shop groups, so they cannot be on the allow-list.
allow-added = { $name } ({ $id }) is on the allow-list.
allow-already = { $name } ({ $id }) was already on the allow-list.
allow-removed = { $name } ({ $id }) is off the allow-list.
allow-not-listed = { $name } ({ $id }) was not on the allow-list.
allow-list = <b>Allow-list</b> ({ $count }): { $ids }
allow-list-empty = nobody yet
tag-usage = Usage: /tag 123456789 vip (or @username, or reply with /tag vip), /tag remove 123456789 vip, /tag 123456789 to see the tags
tag-show = { $name } ({ $id }): { $tags }
tag-none = no tags
tag-bad = "{ $tag }" is not a valid tag: use up to 32 letters, digits, - or _.
tag-added = 🏷 { $name } ({ $id }) is tagged { $tag }.
tag-already = { $name } ({ $id }) already has the tag { $tag }.
tag-removed = { $name } ({ $id }) no longer has the tag { $tag }.
tag-not-there = { $name } ({ $id }) did not have the tag { $tag }.
segment-usage = Usage: /segment purchased and not dormant or tag:vip — built-in: purchased, never_purchased, repeat, new (first seen &lt; 30 days), dormant (last purchase ≥ 180 days ago), active (checked in within 7 days); tag:NAME; and, or, not, parentheses.
segment-syntax-error = The segment has an error at character { $position }{ $token }: { $problem }.
segment-token = {" "}("{ $token }")
segment-problem-empty = the expression is empty
segment-problem-too-long = the expression is too long
segment-problem-too-deep = too many nested parentheses or "not"s
segment-problem-unexpected = something follows a complete expression (a missing "and"/"or", or an extra ")")
segment-problem-missing-operand = a segment name, tag:NAME, "not" or "(" is missing here
segment-problem-missing-close = a ")" is missing
segment-problem-bad-tag = a tag is letters, digits, - or _ (up to 32)
segment-problem-unknown-name = unknown segment (use purchased, never_purchased, repeat, new, dormant, active or tag:NAME)
segment-result =
    <b>Segment</b> <code>{ $expr }</code>: { $count } { $count ->
        [one] customer
       *[other] customers
    }
segment-sample-row = • { $name } ({ $id })
segment-nobody = nobody
audit-list = <b>Latest staff actions</b> ({ $count })
audit-row = { $when } { $actor }: { $action } { $target } { $details }
audit-empty = No staff actions recorded yet.

## Orders
orders-usage = Send me the orders CSV here with the caption /import_orders (or reply to the file with /import_orders). Columns: order id, amount, currency, paid at, check value, and optionally the status (paid or refunded) and the SKUs of the order's items (TEA-01;TEA-02).
orders-private-only = Please send /import_orders with the file to me in private chat.
orders-too-big = The file is too big (at most { $mb } MB).
orders-download-failed = I couldn't download the file. Please send it again.
orders-import-failed = ❌ Nothing was imported: { $count ->
        [one] one line has a problem
       *[other] { $count } lines have problems
    }.
orders-import-fix = Fix the file and send it again.
orders-line-error = Line { $line }: { $problem }
orders-problem-columns = expected 5 to 7 columns (order id, amount, currency, paid at, check value, optional status, optional SKUs), found { $value }
orders-problem-unreadable = the file is not a CSV text file (save it as CSV, UTF-8 or GB18030)
orders-problem-order-id = the order id "{ $value }" is missing or has characters other than letters, digits and _-./#
orders-problem-duplicate = the order id "{ $value }" appears twice in the file
orders-problem-amount = the amount "{ $value }" is not a positive number with at most two decimals
orders-problem-currency = the currency "{ $value }" is not a three-letter code such as CNY
orders-problem-paid-at = the payment time "{ $value }" is not a date (2026-03-01) or a date and time (2026-03-01 14:30)
orders-problem-paid-at-range = the payment time "{ $value }" is not between the years 2000 and 2099
orders-problem-check = the check value is empty or longer than 64 characters
orders-problem-too-many = more than { $value } orders in one file
orders-problem-empty = the file has no orders
orders-imported = ✅ Imported: { $new } new { $new ->
        [one] order
       *[other] orders
    }, { $updated } updated.
bind-usage = Usage: /bind ORDER-ID CHECK — CHECK is the value from your order the shop told you about (for example the last 4 digits of your phone number).
bind-not-found = I couldn't find an order with that id and check value. { $left } { $left ->
        [one] try
       *[other] tries
    } left this hour.
bind-taken = Order { $order_id } is already linked to another account. If it is yours, please contact the shop.
bind-rate-limited = Too many wrong tries. Please try again in { $minutes } minutes.
bind-done = ✅ Order { $order } is linked to you. Your linked orders total { $total } { $currency }.
bind-already-yours = Order { $order } is already linked to you. Your linked orders total { $total } { $currency }.
bind-private = Please send /bind to me in private chat — the check value should stay private. I removed the message.
welcome-more = and { $count } more
list-more = … and { $count } more

## The bot's admin rights (per right, not just "is admin"), bans per group, the shop channel
rights-feature-gate = join requests (entry thresholds, welcomes) and /invite links
rights-feature-cleanup = deleting passwords and order checks posted in the group
rights-feature-ban = removing banned customers (/ban)
rights-right-can_invite_users = Invite users via link
rights-right-can_delete_messages = Delete messages
rights-right-can_restrict_members = Ban users
rights-quoted = "{ $right }"
rights-how = To fix it: Group → Administrators → { $bot } → enable { $rights }.
rights-report =
    <b>My admin rights here</b>
    { $lines }
rights-line-ok = ✅ { $feature }
rights-line-missing = ⚠️ { $feature }: not working, I need the right "{ $right }"
rights-line-supergroup = ⚠️ { $feature }: not available in a basic group
rights-needs-supergroup = Entry thresholds need a supergroup: Telegram sends join requests only there, and this is a basic group. Telegram upgrades a group to a supergroup (members and messages stay) when you make it public, or when you set "Chat history for new members" to Visible (Group → Edit).
rights-unknown = I couldn't check my admin rights here just now (Telegram did not answer). Nothing was changed; please try again in a moment.
rights-change-promoted = ✅ I am now an administrator of { $title }.
rights-change-demoted = ⚠️ I am no longer an administrator of { $title }.
rights-change-rights = ℹ️ My admin rights in { $title } changed.
rights-change-added = ℹ️ I am in { $title } again, as a member (not an administrator).
rights-line-again = ✅ Works again: { $feature }
rights-line-stopped = ⚠️ Stopped: { $feature } (needs "{ $right }")
rights-removed = ⚠️ I was removed from { $title }: its check-ins, entry thresholds, welcomes and scheduled posts have stopped. To resume, add me back as an administrator and send /setup there.
gate-needs-supergroup = ⚠️ Nothing was changed. { rights-needs-supergroup }
gate-needs-invite-right = ⚠️ Nothing was changed: without the admin right "Invite users via link" Telegram does not send me join requests, so no entry threshold could be checked. { $how }
gate-password-exposed = ⚠️ I couldn't delete your message, so the password is readable by everyone in this group. Set a new one now (/gate password=…) and delete the old message yourself. So that I can remove it next time: { $how }
channel-admin-hint = ✅ I am now an administrator of the shop channel { $title }, so the "follows the shop" threshold (/gate channel=on) can be checked. To set up a shop group: add me to the group as an administrator (rights "Invite users via link", "Delete messages", "Ban users") and send /setup there. I never post in the channel.
channel-admin-lost = ⚠️ I am no longer an administrator of the shop channel { $title }, so I can't check who follows it and channel=on thresholds can't pass. Make me an administrator there again.
ban-report =
    ⛔ { $name } ({ $id }) is banned; their join requests will be declined.
    { $summary }
    { $rows }
ban-summary = Removed from { $removed } of { $total } shop { $total ->
        [one] group
       *[other] groups
    }:
ban-no-groups = There are no shop groups to remove them from.
ban-group-removed = • { $title }: removed
ban-group-kept-out = • { $title }: was not in the group; banned there, so they can't join
ban-group-missing-right = • { $title }: NOT removed, I lack the admin right "Ban users". { $how }
ban-group-admin = • { $title }: NOT removed, they are an administrator there
ban-group-gone = • { $title }: NOT removed, I am no longer in that group
ban-group-failed = • { $title }: NOT removed, Telegram said: { $error }
bind-private-exposed = Please send /bind to me in private chat — the check value should stay private. I could not delete the message (I need the admin right "Delete messages"): please delete it yourself.
rights-not-checked = (I couldn't check my admin rights just now: Telegram did not answer.)
rights-separator = {", "}

## ---- member tiers (会员等级) and points for purchases (交易积分) ----
cmd-tier = Member tiers
cmd-points_rate = Points for purchases
help-cmd-tier = /tier add NAME | points=N (or spend=N) | multiplier=1.2, /tier remove NAME, /tier — member tiers
help-cmd-points_rate = /points_rate N|off — points per unit of the shop currency for linked orders
reason-purchase_reversal = refunded order
reason-recovery = owed from a refund
orders-problem-status = the status "{ $value }" is neither paid nor refunded
tiers-usage =
    Usage: /tier add NAME | points=1000 | multiplier=1.2 — a tier reached at 1,000 lifetime points earned, with points ×1.2
    /tier add NAME | spend=5000 — reached at 5,000 spent (linked orders, last 12 months)
    /tier remove NAME · /tier — the list. All tiers use the same measure (points or spend); multiplier 1 to 5.
tiers-list-empty = No member tiers yet.
tiers-list =
    <b>Member tiers</b>
    { $rows }
tiers-row-points = • <b>{ $name }</b>: from { $threshold } lifetime points · points ×{ $multiplier }
tiers-row-spend = • <b>{ $name }</b>: from { $amount } { $currency } spent in 12 months · points ×{ $multiplier }
tiers-measure-points = lifetime points
tiers-measure-spend = spend
tiers-error = ⚠️ Nothing was changed: I couldn't understand "{ $item }".
tiers-error-measure = ⚠️ Nothing was changed: your tiers go by { $measure }, and all tiers must use the same measure (remove the others first).
tiers-error-threshold = ⚠️ Nothing was changed: { $tier } already starts there; each tier needs a threshold of its own.
tiers-error-count = ⚠️ Nothing was changed: at most { $most } tiers.
tiers-error-in-use = ⚠️ Nothing was changed: the group { $group } requires this tier (send /gate tier=off there first).
tiers-added = ✅ Tier { $name } added. Members are moved within a minute and told privately.
tiers-updated = ✅ Tier { $name } updated. Members are moved within a minute and told privately.
tiers-removed-tier = ✅ Tier { $name } removed. Its members are moved within a minute and told privately.
tiers-not-found = There is no tier { $name }. Send /tier for the list.
tiers-perk-multiplier = From now on you earn ×{ $multiplier } points on check-ins and purchases.
tiers-up = 🎉 You reached <b>{ $tier }</b>! { $perk }
tiers-down = Your member tier is now <b>{ $tier }</b>.
tiers-down-none = You are no longer in the { $tier } tier.
tiers-invite = 🔑 As a { $tier } member you may join <b>{ $title }</b>: { $link }
    This link is yours alone and works once.
tiers-fell = You are no longer { $tier }, which { $title } is for. Unless you reach { $tier } again, you will be removed from the group on { $date }.
tiers-fell-stay = You are no longer { $tier }, which { $title } is for. You may stay in the group.
tiers-restored = ✅ You are { $tier } again: your place in { $title } is kept.
tiers-removed = You were removed from { $title } because you are no longer { $tier }. When you reach { $tier } again, I'll send you a new link.
tiers-gate-line = members of tier { $tier } or above (personal links)
tiers-gate-grace = · below it: removed { $grace } after the notice
tiers-gate-grace-never = · below it: told, never removed
tiers-gate-unknown = ⚠️ Nothing was changed: there is no tier { $name } (send /tier for the list).
tiers-checkin-extra = (tier bonus +{ $extra } included)
tiers-me-tier = Tier: <b>{ $tier }</b> (points ×{ $multiplier })
tiers-me-none = Tier: none yet
tiers-me-next-points = { $missing } more lifetime points to { $next }
tiers-me-next-spend = { $missing } { $currency } more spend (12 months) to { $next }
tiers-me-top = You are in the top tier.
tiers-me-link = 🔑 Your personal link to { $title }: { $link }
tiers-me-owed = ⚠️ You owe { $owed } points from a refunded order; they are taken from the next points you earn.
points-rate-usage = Usage: /points_rate 1 — linked orders earn 1 point per { $currency } (decimals allowed, e.g. 0.5), times the member's tier multiplier; /points_rate off — none.
points-rate-is = Purchase points: { $rate } per { $currency }.
points-rate-is-off = Purchase points are off.
points-rate-error = ⚠️ Nothing was changed: "{ $item }" is not a rate (a number from 0.01 to 1000, or off).
points-rate-set = ✅ Linked orders now earn points: { $rate } per { $currency } spent (times the member's tier multiplier), once per order: when a customer links it with /bind, or when an already linked order is imported.
points-rate-turned-off = ✅ Purchase points are off. Points already earned stay.
purchases-bind-points = 🎁 +{ $points } points for this order.
purchases-imported = Purchase points: { $earned } linked { $earned ->
        [one] order
       *[other] orders
    } earned points; { $refunded } refunded ({ $taken } points taken back).
purchases-refund-notice = Order { $order } was refunded, so the { $points } points it earned were taken back{ $owed ->
        [0] .
       *[other] : { $owed } of them had already been spent and will be taken from the next points you earn.
    }
## Votes (投票)
cmd-vote = Start a product vote (staff)
cmd-votes = This group's votes (staff)
help-cmd-vote = /vote QUESTION | OPTION 1 | OPTION 2 … [deadline=2h] [reward=N] [multi] [buyers] [show=live|end] — start a vote with buttons
help-cmd-votes = /votes — this group's votes; /vote_close ID closes one early (rewards paid), /vote_cancel ID cancels it (no rewards)
help-cmd-vote_results = /vote_results ID — a vote's results, at any time
vote-usage = Usage: <code>/vote QUESTION | OPTION 1 | OPTION 2 [| OPTION …] [deadline=30m|2h|HH:MM|YYYY-MM-DD HH:MM] [reward=N] [launch=N] [multi] [buyers] [show=live|end]</code>
    An option may name a catalogue item: <code>| Longjing @LJ-250</code>. Default deadline: 24 hours.
vote-error-usage = Please give a question and at least two options, separated by |.
vote-error-options = A vote needs { $min } to { $max } options separated by | (I found { $count }).
vote-error-empty = The question and every option need some text (two | in a row leave one empty).
vote-error-too-long = “{ $value }…” is too long: at most { $max } characters.
vote-error-duplicate = The option “{ $value }” is there twice.
vote-error-sku = “{ $value }” is not a catalogue reference: use @ followed by letters, digits, - _ or . (at most { $max }).
vote-error-deadline = The deadline “{ $value }” is not valid: use 30m, 2h, 3d, HH:MM or YYYY-MM-DD HH:MM (shop time), from 1 minute to 30 days ahead.
vote-error-reward = The reward “{ $value }” is not valid: a whole number of points from 0 to { $max }.
vote-error-setting = I do not know the setting “{ $value }” (deadline=, reward=, multi, buyers, show=live or show=end).
vote-error-repeated = The setting “{ $value }” is given twice.
vote-head = 🗳 <b>Vote #{ $id }</b>: { $question }
vote-results-head = 📊 <b>Results of vote #{ $id }</b>: { $question }
vote-option = { $no }. { $label }
vote-option-count = { $no }. { $label } — { $count } ({ $percent }%)
vote-option-bar = { $no }. { $label } — { $count } ({ $percent }%)
    <code>{ $bar }</code>
vote-voters = { $count ->
        [one] 1 member has voted.
       *[other] { $count } members have voted.
    }
vote-rule-multi = You may choose several options.
vote-rule-buyers = Only customers with a linked order (/bind in private chat) can vote.
vote-rule-reward = 🎁 { $reward } points for each member who votes, paid when the vote closes.
vote-rule-hidden = The counts are shown when the vote closes.
vote-until = Tap to vote; you can change your vote until { $until } (shop time).
vote-result-winner = 🏆 Winner: { $label } with { $count ->
        [one] 1 vote
       *[other] { $count } votes
    } ({ $percent }%).
vote-result-tie = 🤝 A tie: { $labels }, { $count ->
        [one] 1 vote
       *[other] { $count } votes
    } each ({ $percent }%).
vote-result-none = Nobody voted.
vote-paid-note = 🎁 { $voters ->
        [one] 1 voter received
       *[other] { $voters } voters received
    } { $reward } points each.
vote-closed-at = Closed at { $when } (shop time).
vote-cancelled-note = ❌ This vote was cancelled by the shop: no results and no rewards.
vote-results-running = ⏳ Still open: these are the counts so far.
vote-list-separator = {", "}
vote-tap-chosen = ✅ Your vote: { $choices }. You can change it until the vote closes.
vote-tap-changed = 🔄 Vote changed to: { $choices }.
vote-tap-multi = ✅ Your choices: { $choices }. Tap an option again to remove it.
vote-tap-same = You voted for { $choices }. Tap another option to change your vote.
vote-tap-none = You removed your last choice, so you have no vote now.
vote-tap-reward = 🎁 { $reward } points at the close.
vote-no-such = This vote does not exist here.
vote-closed = This vote is closed.
vote-cancelled-tap = This vote was cancelled.
vote-buyers-only = This vote is for customers with an order. Link yours in private chat with me: /bind ORDER-ID CHECK (the check value is on your order), then vote again.
vote-close-usage = Usage: <code>/vote_close ID</code> (the vote's number, see /votes) — closes it now, pays the rewards and posts the results.
vote-cancel-usage = Usage: <code>/vote_cancel ID</code> (the vote's number, see /votes) — cancels it: no results, no rewards.
vote-results-usage = Usage: <code>/vote_results ID</code> (the vote's number, see /votes).
vote-list-usage = Usage: <code>/votes</code> (no arguments) — this group's votes, newest first.
vote-unknown = There is no vote #{ $id } in this group.
vote-not-open = Vote #{ $id } is { $state }: nothing was changed.
vote-cancelled-done = ❌ Vote #{ $id } cancelled: no results, no rewards.
vote-state-open = open
vote-state-closed = closed
vote-state-cancelled = cancelled
vote-list-head = 🗳 Votes in this group: { $count }
vote-list-none = No votes yet. Start one with /vote.
vote-list-row = #{ $id } { $question } — { $state }, { $voters } voted, until { $until }
## ---- price guessing (猜价格) ----
cmd-guess = Start a price-guessing round (staff)
cmd-guess_close = Close a guessing round now (staff)
cmd-guess_cancel = Cancel a guessing round (staff)
cmd-guesses = List the guessing rounds (staff)
help-cmd-guess = /guess PRODUCT | PRICE [deadline=…] [tries=3] [rule=closest|under|within:5%] [prize=N] [hints=on] [invites=2] — a price-guessing round (a photo may carry it as its caption); /guess_close ID, /guess_cancel ID
help-cmd-guesses = /guesses — this group's guessing rounds with their ids and state
guess-usage = Usage: <code>/guess PRODUCT | PRICE [deadline=30m|2h|HH:MM|YYYY-MM-DD HH:MM] [tries=3] [rule=closest|under|within:5%] [prize=POINTS] [hints=on] [invites=2]</code> — send it as a photo's caption to show the product.
guess-error-usage = Please give the product and its price, separated by “|”.
guess-error-price = “{ $value }” is not a price. Send a number such as 99, 99.90, ¥99.90, 99元 or 1,299.
guess-error-product = The product name must be 1 to { $max } characters.
guess-error-option = I do not know the option “{ $option }” (or it is given twice).
guess-error-deadline = The deadline “{ $value }” is not valid: use 30m, 2h, 3d, HH:MM or YYYY-MM-DD HH:MM, from 1 minute to 30 days ahead.
guess-error-number = { $name } must be a whole number from { $low } to { $high }.
guess-error-rule = The rule “{ $value }” is not valid: use closest, under or within:X% (X from 0.01 to 50).
guess-created = ✅ Round #{ $id } “{ $product }” is open until { $until }. Hidden price: { $price }. Close it early with /guess_close { $id }, cancel it with /guess_cancel { $id }.
guess-price-exposed = ⚠️ I couldn't delete your /guess message, so the price is readable by everyone in this group. Cancel the round (/guess_cancel { $id }) and start it again once I can delete messages: { $how }
guess-rule-closest = The closest guess wins.
guess-rule-under = The closest guess without going over wins.
guess-rule-within = The first guess within { $percent } of the price wins at once.
guess-post-head = 🎯 <b>Guess the price!</b> Round #{ $id }: { $product }
guess-line-tries = 🎟 { $tries ->
        [one] 1 try
       *[other] { $tries } tries
    } each
guess-line-hints = 💡 After each guess I say higher or lower.
guess-line-invites = 👥 Used your tries? Each friend who joins through your personal link gives you one more (up to { $invites }).
guess-line-prize = 🏆 Prize: { $prize } points
guess-line-until = ⏰ Until { $until }
guess-post-how = Tap the button to guess in private chat with me.
guess-button = 🎯 Guess the price
guess-private-head = 🎯 Round #{ $id }: <b>{ $product }</b>
guess-private-left = You have { $left ->
        [one] 1 try
       *[other] { $left } tries
    } left.
guess-private-how = Send me your guess as a number, e.g. 99 or 99.90.
guess-not-member = This round is for the members of { $title }. Join the group, then tap the button again.
guess-no-such-round = There is no price-guessing round #{ $id }.
guess-round-over = Round #{ $id } is over.
guess-no-tries = You have used all your tries in round #{ $id }.
guess-costs-nothing = (That cost you no try.)
guess-accepted = ✅ Round #{ $id }, guess { $n }: { $price }. { $left ->
        [one] 1 try
       *[other] { $left } tries
    } left.
guess-hint-higher = 💡 Higher! The real price is above { $price }.
guess-hint-lower = 💡 Lower! The real price is below { $price }.
guess-hint-exact = 🎯 Spot on!
guess-won = 🎉 { $price } is within { $percent } of the real price: you win round #{ $id }!
guess-won-prize = 🏆 { $prize } points are yours.
guess-out-of-tries = That was your last try.
guess-invite-offer = 👥 Want another try? Invite a friend: each friend who joins the group through your personal link gives you one more (up to { $invites }).
guess-invite-button = 👥 Get my invite link
guess-invite-popup = Here is your personal link.
guess-invite-link = 👥 Your personal link for round #{ $id }: { $link }
    Share it: each friend who joins the group through it (and passes its entry rules) gives you one more try, up to { $max }. Earned so far: { $bonus }.
guess-invite-not-yet = Use your tries first; then you can invite friends for more.
guess-invite-maxed = You already earned every extra try this round allows.
guess-invite-off = This round has no invites.
guess-invite-failed = I couldn't make an invite link: I need the admin right "Invite users via link" in the group. Please tell the shop staff.
guess-friend-joined = 👥 { $name } joined through your link: one more try in round #{ $id } “{ $product }”! You have { $left } now.
guess-friend-joined-maxed = 👥 { $name } joined through your link, thank you! You already have every extra try round #{ $id } allows.
guess-group-cannot-delete = ⚠️ Please guess in private chat (the button under the round), not here: I can't delete guesses in this group, so everyone can read them. Staff: { $how }
guess-group-start-bot = { $names }: to read my answer to your guess (and your tries and hints), <a href="{ $link }">open the round with me</a> and tap Start.
guess-results-head = ⏰ Round #{ $id } “{ $product }” is over! The real price: <b>{ $price }</b>
guess-results-winner = 🏆 Winner: { $name } with { $guess }
guess-results-prize = { $prize } points paid to the winner.
guess-results-nobody = Nobody made a winning guess.
guess-results-no-guesses = There was no valid guess.
guess-results-best = Best guesses:
guess-results-row = { $rank }. { $name }: { $guess } ({ $at })
guess-results-stats = { $guesses } guesses from { $players } members.
guess-results-cancelled = ✖️ Round #{ $id } “{ $product }” was cancelled; no prize.
guess-close-usage = Usage: <code>/guess_close ID</code> (the ids are in /guesses)
guess-cancel-usage = Usage: <code>/guess_cancel ID</code> (the ids are in /guesses)
guess-unknown = There is no open round #{ $id } in this group (see /guesses).
guesses-usage = Usage: <code>/guesses</code>
guesses-none = No price-guessing rounds here yet. Start one with /guess.
guesses-list = Price-guessing rounds in this group ({ $count }):
guesses-row = #{ $id } { $product } · { $state } { $when } · { $guesses } guesses by { $players } members
guess-state-open = open until
guess-state-closed = closed
guess-state-cancelled = cancelled
guess-created-group = ✅ Round #{ $id } is open. Start me in private chat to receive the details of your next rounds (with their hidden price) there.
## Rewards shop (积分兑换), lottery (抽奖) and staff corrections
reason-lottery = lottery
cmd-rewards = Rewards shop: spend my points
cmd-draw = Lottery draw
cmd-reward = Manage rewards (staff)
cmd-redemptions = Redemptions to fulfil (staff)
cmd-redemption = Mark a redemption fulfilled (staff)
cmd-lottery = Lottery prize table (staff)
cmd-points = Grant or deduct points (staff)
help-cmd-rewards = /rewards — the rewards shop: spend your points (also a button on /me)
help-cmd-draw = /draw — the lottery: a free draw every day, then paid draws
help-cmd-reward = /reward add NAME | COST [| stock=N] [| limit=1/month] [| tier=NAME] [| cash=TEXT]; /reward edit ID | cost=N …; /reward pause|resume ID; /reward codes ID as the caption of a text/CSV file of codes; /rewards — stock and redemptions
help-cmd-redemptions = /redemptions — redemptions to hand over; /redemption done ID — mark one fulfilled
help-cmd-lottery = /lottery — prize table and odds; /lottery add PRIZE | WEIGHT [| stock=N] [| points=N or reward=ID] (PRIZE "none": no prize); /lottery remove ID; /lottery cost N; /lottery free N; /lottery draws
help-cmd-points = /points USER +N|-N REASON — grant or deduct (or reply to the member: /points +N REASON); /points USER — balance and entries; /points limit N (owners) — the most staff may move at once
rw-private-only = Please send this command to me in private chat: it lists members and codes.
rw-group-pointer = Please open a private chat with me and send { $command } there.
rw-error-usage = Usage: /reward add NAME | COST [| stock=N] [| limit=1/month] [| tier=NAME] [| cash=TEXT] — for example: /reward add Coupon ¥10 | 100 | stock=50 | limit=1/month
rw-error-name = The name must be 1 to { $max } characters.
rw-error-cost = The cost must be a whole number of points from { $min } to { $max } (not “{ $value }”).
rw-error-stock = The stock must be a whole number from { $min } to { $max }, or "none" for unlimited (not “{ $value }”).
rw-error-limit = I don't understand the limit “{ $value }”: write it as 1/month, 2/week, 1/day, 1/year or 1/ever (or "none").
rw-error-tier = The tier must be a name of 1 to { $max } letters or digits (not “{ $value }”), or "none".
rw-error-cash = The cash note must be at most { $max } characters.
rw-error-option = I don't understand “{ $option }”. Options: stock=N, limit=1/month, tier=NAME, cash=TEXT (and name=, cost= in /reward edit).
rw-error-stock-below = The stock can't be { $stock }: { $redeemed } are already redeemed.
rw-usage =
    Usage:
    /reward add NAME | COST [| stock=N] [| limit=1/month] [| tier=NAME] [| cash=TEXT]
    /reward edit ID | cost=N | stock=N | name=… | limit=… | tier=… | cash=…
    /reward pause ID, /reward resume ID
    /reward codes ID — as the caption of a text or CSV file, one code per line
    /rewards — all rewards with their stock
rw-bad-id = “{ $value }” is not a reward number: use the number shown by /rewards.
rw-added = ✅ Reward #{ $id } added: { $line }
rw-edited = ✅ Reward #{ $id } changed: { $line }
rw-paused-done = ⏸ Reward #{ $id } is paused: members can't redeem it until /reward resume { $id }.
rw-resumed-done = ▶️ Reward #{ $id } can be redeemed again.
rw-status-same = Reward #{ $id } already was { $status }.
rw-status-paused = paused
rw-status-active = active
rw-codes-need-file = Send the codes as a text or CSV file (one code per line) with the caption /reward codes { $id }.
rw-codes-too-big = That file is too big (at most { $kb } KB).
rw-codes-download-failed = I couldn't download the file from Telegram; please send it again.
rw-codes-empty = I found no codes in that file: one code per line, no spaces inside a code.
rw-codes-too-many = That file has { $count } codes; at most { $max } per file, please split it.
rw-codes-added = ✅ { $added } { $added ->
        [one] code
       *[other] codes
    } added to reward #{ $id } ({ $free } not handed out yet).{ $repeated ->
        [0] {""}
       *[other] {" "}Skipped { $repeated } already in a pool (a code is never stored twice).
    }{ $bad ->
        [0] {""}
       *[other] {" "}Skipped { $bad } unreadable or repeated lines.
    }
rw-no-such-reward = There is no reward #{ $id }.
rw-staff-list-head = <b>Rewards</b> ({ $count })
rw-staff-line = #{ $id } { $name } — { $cost } points · { $stock } · redeemed { $redeemed }{ $extra }
rw-staff-stock-unlimited = stock unlimited
rw-staff-stock = { $left } left of { $stock }
rw-staff-codes = · { $codes } codes left
rw-staff-paused = · ⏸ paused
rw-staff-limit = · limit { $limit }
rw-staff-tier = · tier { $tier }
rw-staff-cash = · { $cash }
rw-staff-none = No rewards yet. Add one: /reward add Coupon ¥10 | 100 | stock=50
rw-line = { $name } — { $cost } points{ $cash }
rw-member-head = <b>Rewards shop</b> · you have <b>{ $balance }</b> points
rw-member-line-ok = ✅ { $name } — { $cost } points{ $cash } · { $left }
rw-member-line-short = ▫️ { $name } — { $cost } points{ $cash } · { $left } · { $missing } more points needed
rw-member-line-out = ✖️ { $name } — sold out
rw-member-left = { $left } left
rw-member-unlimited = available
rw-member-none = The shop has no rewards yet — check back soon!
rw-member-hint = Tap a reward to redeem it.
rw-cash-note = {" "}({ $cash })
rw-button = 🎁 { $name } · { $cost }
rw-button-shop = 🎁 Rewards
rw-button-draw = 🎲 Draw
rw-confirm = Redeem <b>{ $name }</b> for <b>{ $cost }</b> points{ $cash }? You have { $balance } points.
rw-confirm-yes = ✅ Confirm
rw-confirm-no = ✖️ Cancel
rw-cancelled = Nothing was redeemed.
rw-popup-done = ✅ Redeemed! Details in the chat.
rw-popup-again = You already redeemed this (#{ $id }).
rw-refused = Sorry, that can't be redeemed now.
rw-paused = Sorry, { $name } is paused for now.
rw-sold-out = Sorry, { $name } is sold out.
rw-limit-reached = You have already redeemed { $name } { $count } { $count ->
        [one] time
       *[other] times
    } this { $period } — the limit.
rw-not-enough = { $name } costs { $cost } points; you have { $balance }.
rw-period-day = day
rw-period-week = week
rw-period-month = month
rw-period-year = year
rw-period-ever = time (for good)
rw-done-code =
    🎁 <b>{ $name }</b> is yours (−{ $cost } points, balance { $balance }).
    Your code: <code>{ $code }</code>
    Redemption #{ $id } — it is also listed on /me.
rw-done-number =
    🎁 <b>{ $name }</b> is yours (−{ $cost } points, balance { $balance }).
    Your redemption number is <b>#{ $id }</b>: the shop will hand it over (show this number to staff).
rw-mine-head = <b>My rewards</b>
rw-mine-code = • #{ $id } { $name }: <code>{ $code }</code>
rw-mine-pending = • #{ $id } { $name }: waiting for the shop
rw-mine-done = • #{ $id } { $name }: handed over ✅
rw-pending-head = <b>Redemptions to hand over</b> ({ $count })
rw-pending-line = #{ $id } { $reward } — { $name } ({ $user }) · { $date }
rw-pending-none = Nothing to hand over: every redemption is fulfilled.
rw-redemption-usage = Usage: /redemption done ID — the number from /redemptions.
rw-redemption-unknown = There is no redemption #{ $id }.
rw-redemption-done = ✅ Redemption #{ $id } ({ $reward }) is marked as handed over; the member was told.
rw-redemption-already = Redemption #{ $id } was already handed over.
rw-redemption-member = ✅ The shop handed over your reward { $reward } (redemption #{ $id }).
lt-error-usage = Usage: /lottery add PRIZE | WEIGHT [| stock=N] [| points=N or reward=ID] — for example: /lottery add 10 points | 30 | points=10, or /lottery add none | 50 for the "no prize" row.
lt-error-name = The prize name must be 1 to { $max } characters.
lt-error-weight = The weight must be a whole number from { $min } to { $max } (not “{ $value }”).
lt-error-stock = The stock must be a whole number from { $min } to { $max } (not “{ $value }”).
lt-error-points = The points must be a whole number from { $min } to { $max } (not “{ $value }”).
lt-error-reward = “{ $value }” is not a reward number (see /rewards).
lt-error-option = I don't understand “{ $option }”. Options: stock=N, and one of points=N or reward=ID (the "none" row takes no options).
lt-error-too-many = The table already has { $max } prizes; remove one first (/lottery remove ID).
lt-usage =
    Usage:
    /lottery — the prize table with odds
    /lottery add PRIZE | WEIGHT [| stock=N] [| points=N or reward=ID] (PRIZE "none": the no-prize row)
    /lottery remove ID
    /lottery cost N — points per paid draw (0: paid draws off)
    /lottery free N — free draws per member per day (0 to { $max })
    /lottery draws — the latest draws, with their odds
lt-bad-number = “{ $value }” must be a whole number from { $min } to { $max }.
lt-added = ✅ Prize #{ $id } added.
lt-removed = ✅ Prize #{ $id } is out of the table (its past draws stay on record).
lt-unknown-prize = There is no prize #{ $id } in the table.
lt-cost-set = ✅ A paid draw now costs { $cost } points.
lt-cost-off = ✅ Paid draws are off; members have their free draws only.
lt-free-set = ✅ Members now get { $free } free { $free ->
        [one] draw
       *[other] draws
    } a day.
lt-table-head = <b>Lottery</b> · paid draw: { $cost } · free draws a day: { $free }
lt-table-cost-off = off
lt-table-line = #{ $id } { $name } — { $odds }% (weight { $weight }){ $prize }{ $stock }
lt-table-out = #{ $id } { $name } — out of stock, not in the draw (weight { $weight })
lt-table-points = {" "}· +{ $points } points
lt-table-reward = {" "}· reward #{ $reward }
lt-table-stock = {" "}· { $left } left
lt-table-none = The prize table is empty. Add prizes: /lottery add 10 points | 30 | points=10, and the "no prize" row: /lottery add none | 60
lt-table-note = Odds count only prizes in stock: when one runs out, the others' odds grow.
lt-odds-head = <b>Prizes and odds now</b>
lt-odds-line = { $name } — { $odds }%
lt-draws-head = <b>Latest draws</b>
lt-draws-line = #{ $id } { $date } { $name }: { $prize } ({ $odds }{ $paid })
lt-draws-guaranteed = first draw, guaranteed
lt-draws-paid = , paid { $cost }
lt-draws-none = No draws yet.
lt-refused = Sorry, no draw right now.
lt-no-table = The lottery has no prizes in stock right now — check back later.
lt-no-free-left = You have used today's free { $free ->
        [one] draw
       *[other] draws
    }. Come back tomorrow!
lt-not-enough = A draw costs { $cost } points; you have { $balance }.
lt-pay-confirm = Today's free draw is used. Another draw costs <b>{ $cost }</b> points (you have { $balance }).
lt-button-pay = 🎲 Draw · { $cost } points
lt-button-again = 🎲 Draw again · { $cost } points
lt-won-guaranteed = 🎉 Your first draw always wins: <b>{ $prize }</b>!
lt-won = 🎉 You won <b>{ $prize }</b>! (odds { $odds }%)
lt-won-nothing = 🎲 No prize this time (odds { $odds }%). Better luck next draw!
lt-won-points = +{ $points } points — balance { $balance }.
lt-won-code = Your code: <code>{ $code }</code> (redemption #{ $id }, also on /me)
lt-won-number = Your redemption number: <b>#{ $id }</b> — show it to the shop to collect your prize.
lt-won-gift = Draw #{ $id }: show this number to the shop to collect your prize.
lt-paid = (−{ $cost } points, balance { $balance })
lt-free-left = Free draws left today: { $left }.
lt-popup-again = You already made this draw.
lt-popup-done = 🎲 Done — see the chat.
pt-usage =
    Usage:
    /points USER +N REASON — grant (USER: @username or id; or reply to the member with /points +N REASON)
    /points USER -N REASON — deduct
    /points USER — balance and latest entries
    /points limit N — the most points staff may grant or deduct at once (owners; 0: owners only)
pt-bad-amount = “{ $value }” is not an amount: write +N or -N, up to { $max }.
pt-need-reason = Please give a reason after the amount: it is shown to the member and kept in the audit log.
pt-reason-too-long = The reason can be at most { $max } characters.
pt-unknown-user = I don't know “{ $arg }”: use their @username or numeric id, or reply to one of their messages.
pt-not-a-member = { $name } is not a member whose points I can change.
pt-over-limit = Staff may move at most { $limit } points at once; ask an owner for more.
pt-limit-off = Only owners may grant or deduct points until an owner sets a staff limit (/points limit N).
pt-limit-set = ✅ Staff may now grant or deduct up to { $limit } points at once.
pt-limit-owners = ✅ Only owners may now grant or deduct points.
pt-granted = ✅ { $name } got +{ $amount } points ({ $reason }). Balance: { $balance }.
pt-deducted = ✅ { $amount } points taken from { $name } ({ $reason }). Balance: { $balance }.
pt-short = Nothing was taken: { $name } has only { $balance } points, so at most { $balance } could be deducted.
pt-member-granted = 🎁 The shop gave you +{ $amount } points: { $reason }. Balance: { $balance }.
pt-member-deducted = ℹ️ The shop took { $amount } points: { $reason }. Balance: { $balance }.
pt-statement = <b>{ $name }</b> ({ $id }) — balance <b>{ $balance }</b> points, earned in total { $lifetime }
pt-entry = { $date } { $amount } { $reason }{ $note }
pt-entry-note = {" "}— { $note }
pt-no-entries = No entries yet.
rw-sold-out-short = Sorry, this reward is sold out.
tiers-reward-refused = { $name } is for { $tier } members (and above). Send /me to see your tier.

# ---- when to post (games/windows.py) ----
at-bad = I couldn't read that time. Use <code>at=now</code>, <code>at=HH:MM</code>, <code>at=YYYY-MM-DD HH:MM</code> or <code>at=best</code> (the next engagement window: 8–10, 13–14, 18:30–19:30, 22–23).
at-past = That time has already passed.
at-too-far = That is more than a year ahead.
quiet-hours-bad = Quiet hours look like <code>23:00-08:00</code> (or <code>off</code>).

# ---- recurring posts and campaigns (issue 12: campaigns; cp- keys) ----
cp-help-schedule = /schedule add daily|weekly [DAY] HH:MM|best TEXT [to=…], /schedule pause|resume|cancel ID; /schedule — what is planned
cp-help-campaign = /campaign SEGMENT | TEXT [at=…] — a private campaign (capped, never in quiet hours); /campaign wakeup SEGMENT | FIRST | SECOND
cp-help-promos = /stop_promos — no more promotional messages from the shop; /start_promos — get them again
cp-private-only = Please send this command to me in private chat.
cp-schedule-usage = Usage: <code>/schedule add daily 10:00 TEXT</code>, <code>/schedule add weekly fri best TEXT to=vip,deals</code> (time HH:MM or best: the next engagement window; DAY mon…sun or 周一…周日; to=all by default), <code>/schedule</code> to list, <code>/schedule pause|resume|cancel ID</code>.
cp-bad-day = “{ $value }” is not a day: use mon, tue, wed, thu, fri, sat, sun (or 周一…周日).
cp-bad-time = “{ $value }” is not a time: use HH:MM (e.g. 10:00) or best.
cp-empty-text = Please write the text to send.
cp-text-too-long = The text can be at most { $max } characters.
cp-bad-to = “{ $value }” is not a list of group labels: use to=all or to=LABEL,LABEL (the labels given with /setup).
cp-unknown-labels = No active group has the label { $labels }: nothing was scheduled. The labels are the ones given with /setup (or use to=all).
cp-bad-id = “{ $value }” is not a number from the list: send /schedule to see them.
cp-no-such-post = There is no recurring post #{ $id } (send /schedule to see them).
cp-pause-done = ⏸ Recurring post #{ $id } is paused. /schedule resume { $id } starts it again.
cp-pause-same = Recurring post #{ $id } was already paused.
cp-resume-done = ▶️ Recurring post #{ $id } runs again.
cp-resume-same = Recurring post #{ $id } is already running.
cp-cancel-done = 🗑 Recurring post #{ $id } is cancelled.
cp-cancel-same = Recurring post #{ $id } was already cancelled.
cp-added = ✅ Recurring post scheduled:
    { $line }
cp-posts-head = <b>Recurring posts</b>
cp-no-posts = None yet: /schedule add daily 10:00 TEXT
cp-broadcasts-head = <b>Planned broadcasts</b> (announcements, campaigns, reminders)
cp-no-broadcasts = Nothing planned.
cp-post-line = #{ $id } { $when } → { $to } · { $state } · { $text }
cp-broadcast-line = #{ $id } { $kind } — next at { $at }, { $count } to send
cp-when-daily = daily at { $at }{ $best }
cp-when-weekly = every { $day } at { $at }{ $best }
cp-best-mark = {" "}(best time)
cp-to-all = all groups
cp-next = next { $at }
cp-paused = paused
cp-day-mon = Monday
cp-day-tue = Tuesday
cp-day-wed = Wednesday
cp-day-thu = Thursday
cp-day-fri = Friday
cp-day-sat = Saturday
cp-day-sun = Sunday
cp-campaign-usage = Usage: <code>/campaign SEGMENT | TEXT [at=now|HH:MM|YYYY-MM-DD HH:MM|best]</code>, or a two-step wake-up: <code>/campaign wakeup dormant | We miss you! | 20% off this week [after=2d]</code>. SEGMENT as in /segment (e.g. dormant, tag:vip, purchased and not repeat).
cp-bad-after = “{ $value }” is not a delay: use e.g. after=2d, after=36h (between 1 hour and 30 days).
cp-bad-option = I couldn't read “{ $value }”: options are at=… (and after=… for a wake-up), each once, at the end.
cp-campaign-planned = 📣 Campaign planned: broadcast { $ids }, { $count ->
        [one] one member
       *[other] { $count } members
    }, from { $at }.
cp-campaign-again = This campaign was already planned: broadcast { $ids }, { $count } members, from { $at }.
cp-campaign-second = The second message goes from { $at }.
cp-campaign-skipped = Not planned: { $opted_out } opted out of promotions, { $unreachable } never started the bot (or blocked it). Messages are held back by the frequency cap and quiet hours, never dropped.
cp-campaign-report = Delivery report: /broadcast { $id }
cp-button-promos-off = 🔕 No more promotions
cp-button-promos-on = 🔔 Promotions back on
cp-promos-off = 🔕 Done: you won't get promotional messages from the shop any more. Changed your mind? Send /start_promos or tap below.
cp-promos-off-already = You had already turned promotions off. Send /start_promos to get them again.
cp-promos-on = 🔔 Promotions are back on: you'll hear about offers again. /stop_promos turns them off.
cp-promos-on-already = Promotions are already on. /stop_promos turns them off.
cp-promos-private = Send /stop_promos or /start_promos to me in private chat.
cp-popup-off = 🔕 No more promotions.
cp-popup-on = 🔔 Promotions are back on.
cp-popup-private = Please use this button in private chat.
cp-repurchase = 🔁 It's been a while since you bought <b>{ $name }</b> — running low? It's a good time to stock up again.
cp-repurchase-link = 🛒 { $link }
# ---- catalogue (issue 12: games/catalogue.py, handlers/catalogue.py) ----
help-cmd-product = /product add SKU | NAME | PRICE [| stock=N] …, /product edit|archive SKU, /product SKU; /products [words] — the catalogue
cat-private-only = Please manage the catalogue with me in private chat.
cat-usage =
    Usage:
    /product add SKU | NAME | PRICE [| stock=N] [| link=URL] [| cycle=30d]
    /product edit SKU field=value … (name, price, stock, link, cycle; photo=none removes the photo)
    /product SKU — the product's card
    /product archive SKU — hide it from announcements (/product unarchive SKU brings it back)
    /products [words] — the catalogue, paged
cat-add-usage = Usage: /product add SKU | NAME | PRICE [| stock=N] [| link=URL] [| cycle=30d] — for example: /product add TEA-01 | Longjing 250g | 99.90 | stock=20 | cycle=30d
cat-edit-usage = Usage: /product edit SKU field=value … — fields: name, price, stock (none: not tracked), link, cycle (none: no link or cycle), photo=none; for example: /product edit TEA-01 price=89 stock=0. To change the photo, send the new photo with the caption /product edit SKU.
cat-error-usage = { cat-usage }
cat-error-sku = “{ $value }” is not a SKU: use 1 to { $max } letters, digits, - or _ (for example TEA-01).
cat-error-name = The name must be 1 to { $max } characters.
cat-error-price = “{ $value }” is not a price in { $currency }: write it like 99 or 99.90 (at most two decimals).
cat-error-stock = The stock must be a whole number from 0 to { $max }, or "none" if you don't track it (not “{ $value }”).
cat-error-link = “{ $value }” is not a link I can use: it must start with http:// or https:// (or be a t.me/… link) and be at most { $max } characters.
cat-error-cycle = I don't understand the cycle “{ $value }”: write it like 30d, 4w or 3m (at most { $max } days), or "none".
cat-error-photo = To remove the photo write photo=none; to change it, send the new photo with the caption /product edit SKU.
cat-error-option = I don't understand “{ $option }”.
cat-error-repeated = “{ $option }” is given twice.
cat-error-nothing = Nothing to change for { $sku }: name a field, for example price=89.
cat-duplicate = There already is a product { $sku } (see /product { $sku }). Change it with /product edit { $sku } …
cat-no-such-product = There is no product “{ $sku }”. /products lists the catalogue.
cat-restock-through-stock = Nothing changed: { $sku } is sold out, so its restock goes through <code>/stock { $sku } { $stock }</code> — that also tells the members waiting for it.
cat-import-failed = The catalogue file has { $count ->
        [one] a bad line
       *[other] { $count } bad lines
    }; nothing was imported.
cat-added = ✅ Product { $sku } added:
cat-edited = ✅ Product { $sku } changed:
cat-archived-done = 🗄 { $sku } is archived: it is no longer announced. /product unarchive { $sku } brings it back.
cat-unarchived-done = ✅ { $sku } is back in the catalogue.
cat-archived-already = { $sku } already is archived.
cat-unarchived-already = { $sku } is not archived.
cat-photo-refused = ⚠️ Telegram refuses this product's photo, so the card came without it: the stored file id is not one this bot was given (file ids belong to one bot; a catalogue imported from another bot carries that bot's ids). Posts of this product go out as text until you send the photo again with the caption /product edit { $sku }
cat-photo-hint = To make this photo the product's photo, send it with the caption /product edit { $sku }
cat-price = { $amount } { $currency }
cat-stock = { $stock } in stock
cat-sold-out = sold out
cat-stock-untracked = stock not tracked
cat-card-head = <b>{ $name }</b> · <code>{ $sku }</code>
cat-card-price = 💰 { $price } · { $stock }
cat-card-link = 🔗 { $link }
cat-item-head = <b>{ $name }</b> ({ $sku })
cat-item-price = 💰 { $price }
cat-card-cycle = 🔁 Buy again every { $days ->
        [one] day
       *[other] { $days } days
    }
cat-card-archived = 🗄 Archived
cat-list-head = <b>Catalogue</b>: { $total ->
        [one] 1 product
       *[other] { $total } products
    } (page { $page }/{ $pages })
cat-list-head-query = <b>Products matching “{ $query }”</b>: { $total } (page { $page }/{ $pages })
cat-list-line = <code>{ $sku }</code> { $name } — { $price } · { $stock }{ $archived }
cat-list-archived = {" "}· 🗄 archived
cat-list-hint = /product SKU shows a product's card.
cat-list-none = The catalogue is empty. Add a product: /product add SKU | NAME | PRICE
cat-list-none-query = No product matches “{ $query }”.
cat-button-prev = ◀️ Previous
cat-button-next = Next ▶️
cat-orders-items = Items: { $items } SKUs stored on the orders{ $unknown ->
        [0] {""}
       *[other] ; { $unknown } not in the catalogue ({ $skus })
    }.
orders-problem-sku = the SKU cell “{ $value }” has something that is not a SKU (letters, digits, - and _, several separated by ;)
# ---- announcements (issue 12: new arrivals, pre-announcements, launch rewards, restocks) ----
cmd-announce = Announce a new arrival, pre-announcement or restock (staff)
cmd-stock = Set an item's stock (staff)
cmd-claim = Claim a member's reservation code (staff)
help-cmd-announce = /announce new|soon|restock SKU [at=…] [to=…] [reserve=2h] — new arrivals, teasers with 🔔 Remind me, restocks for the waitlist; /announce list|cancel ID
help-cmd-stock = /stock SKU N [reserve=2h] [to=…] — set an item's stock; raising it from 0 announces the restock
help-cmd-claim = /claim CODE — a member ordered with their reservation code: it takes one unit
reason-launch = launch reward
an-usage = Usage: <code>/announce new SKU [at=now|HH:MM|YYYY-MM-DD HH:MM|best] [to=all|LABEL,LABEL]</code>, <code>/announce soon SKU at=… [to=…]</code>, <code>/announce restock SKU [reserve=2h] [to=…]</code>; <code>/announce list</code>, <code>/announce cancel ID</code>
an-stock-usage = Usage: <code>/stock SKU N [reserve=2h] [to=all|LABEL,LABEL]</code> — raising the stock from 0 announces the restock.
an-claim-usage = Usage: <code>/claim CODE</code> — the reservation code the member quoted (e.g. ABCD-EFGH).
an-error-usage = I couldn't read that announcement.
an-error-sku = “{ $value }” is not a SKU: 1 to { $max } letters, digits, - or _.
an-error-setting = I don't know the setting “{ $value }”: use at=, to= or reserve=.
an-error-repeated = The setting { $value }= is given twice.
an-error-to = “{ $value }” is not a list of group labels: <code>to=all</code> or <code>to=vip,deals</code>.
an-error-reserve = “{ $value }” is not a reservation time: 5m to 7d, e.g. <code>reserve=2h</code>.
an-error-soon-at = A pre-announcement needs its go-live time: <code>at=HH:MM</code>, <code>at=YYYY-MM-DD HH:MM</code> or <code>at=best</code>.
an-error-not-here = { $value }= does not apply here (at= is for new and soon; reserve= for restock and /stock).
an-error-stock = “{ $value }” is not a stock: a whole number from 0 to { $max }.
an-refused = That cannot be done now.
an-no-such-product = There is no item { $sku } in the catalogue.
an-archived = { $sku } is archived: it cannot be announced.
an-no-groups = No active group has the label { $labels }: nothing was planned.
an-restock-sold-out = { $sku } has no stock: set it first with <code>/stock { $sku } N</code> (raising it from 0 announces the restock).
an-reserve-untracked = { $sku } has no stock count, so units cannot be reserved: set it with <code>/stock { $sku } N</code>.
an-stock-changed = The stock of { $sku } changed while you typed: send the command again.
an-stock-options-unused = Nothing changed: <code>reserve=</code> and <code>to=</code> only apply when a sold-out item comes back (its stock is { $stock } now, not 0). Send <code>/stock { $sku } N</code> without them.
an-no-such = This announcement is no longer there.
an-remind-live = { $name } is already live: no reminder needed!
an-notify-in-stock = { $name } is in stock right now: no need to wait.
an-claim-no-such = No such reservation.
an-claim-done = Reservation { $code } is already claimed.
an-claim-expired = Reservation { $code } has expired: it passed to the next in line.
an-claim-no-stock = No unit is left for reservation { $code }: please contact the shop.
an-claim-bad-code = “{ $value }” is not a reservation code.
an-private-only = Please send this command to me in private chat: announcements, stock and reservations are managed there.
an-start-first = Please open a chat with me and press Start: your request is kept, and I'll message you there.
an-days = { $n ->
    [one] 1 day
   *[other] { $n } days
}
an-hours = { $n ->
    [one] 1 hour
   *[other] { $n } hours
}
an-minutes = { $n ->
    [one] 1 minute
   *[other] { $n } minutes
}
an-button-notify = 🔔 Notify me
an-button-remind = 🔔 Remind me
an-button-buy = 🛒 Buy
an-button-claim = ✅ Claim
an-post-head = 🆕 New arrival!
an-post-sold-out = Sold out for now: tap 🔔 Notify me to hear when it is back.
an-teaser-head = 🔜 Coming soon
an-teaser-when = Goes live { $when }.
an-teaser-how = Tap 🔔 Remind me and I'll message you the moment it is out.
an-restock-head = 🔔 Back in stock!
an-restock-units = { $units ->
    [one] 1 unit available.
   *[other] { $units } units available.
}
an-restock-reserved = The members on the waitlist have a reservation for the first units ({ $duration } to claim).
an-live-head = 🔔 { $name } is out now — you asked me to remind you.
an-launch-head = 🎉 { $name } is out now — you voted for it!
an-launch-points = 🎁 +{ $points } points: thank you for voting for it.
an-notice-head = 🔔 { $name } is back in stock.
an-notice-in-line = Its units are reserved for the members ahead of you for now. You are #{ $place } in line: if a reservation expires unclaimed, it passes to you and I'll send you a code.
an-notice-go = You asked to be told: first come, first served.
an-reserve-passed = A reservation passed to you!
an-reserve-head = 🎟 One { $name } is reserved for you.
an-reserve-code = Your code: <code>{ $code }</code>
an-reserve-until = Valid until { $until }.
an-reserve-how = Tap ✅ Claim to take it, then order quoting the code (or quote it to the shop, who claims it for you). Unclaimed, it passes to the next in line.
an-where = { $count ->
    [one] To 1 group ({ $labels }).
   *[other] To { $count } groups ({ $labels }).
}
an-where-none = No group post (no active group matches).
an-what = { $name } ({ $sku })
an-created-new = 📣 Announcement #{ $id } planned: new arrival.
an-created-soon = 📣 Announcement #{ $id } planned: pre-announcement (the teaser goes out now).
an-created-restock = 📣 Announcement #{ $id }: restock.
an-when-now = Now.
an-when = At { $when }.
an-when-best = At { $when } (the next engagement window).
an-broadcast = Broadcast #{ $id }.
an-soon-note = At that time the item is posted and every member who tapped 🔔 Remind me gets a private message.
an-live-rewarded = 🎁 { $count } voters got their launch reward ({ $points } points in all).
an-restock-nobody = Nobody was on the waitlist.
an-restock-told = { $waiting } members on the waitlist are told, in the order they joined.
an-restock-allocated = { $waiting } on the waitlist: { $reserved } got a reservation ({ $duration }), { $told ->
    [one] 1 was told their place in line.
   *[other] { $told } were told their place in line.
}
an-stock-untracked = not tracked
an-stock-set = ✅ Stock of { $name } ({ $sku }): { $before } → { $after }.
an-remind-on = 🔔 I'll message you when { $name } goes live ({ $when }). Tap again to cancel.
an-remind-off = 🔕 Reminder for { $name } cancelled. Tap again to turn it back on.
an-notify-joined = 🔔 You're on the waitlist for { $name } (#{ $place }). I'll message you when it is back.
an-notify-already = You're already on the waitlist for { $name } (#{ $place }).
an-remind-start = 🔔 Done: I'll message you here when { $name } goes live ({ $when }).
an-notify-start = 🔔 Done: you're on the waitlist for { $name } (#{ $place }). I'll message you here when it is back.
an-claimed = ✅ One { $name } is yours: order quoting code <code>{ $code }</code>.
an-claimed-popup = ✅ Claimed!
an-claimed-staff = ✅ Reservation { $code } claimed: { $name } ({ $sku }) for member { $user }. Stock left: { $left }.
an-list-empty = No announcements yet.
an-list-head = <b>Announcements</b> ({ $count }), newest first:
an-list-row = #{ $id } { $kind } { $name } ({ $sku }) — { $status }, { $when }, to { $to }, { $reminders } reminders
an-list-more = … and { $count } older.
an-kind-new = new arrival
an-kind-soon = pre-announcement
an-kind-restock = restock
an-status-scheduled = scheduled
an-status-live = live
an-status-cancelled = cancelled
an-cancel-usage = Usage: <code>/announce cancel ID</code> (the number in /announce list).
an-cancel-not-scheduled = Announcement #{ $id } is not waiting to go live (unknown, live already or cancelled): nothing to cancel.
an-cancelled = ✅ Announcement #{ $id } cancelled: { $count } planned messages will not be sent.
an-vote-rule-launch = 🚀 Voters of an option with a SKU get { $launch } points when that item launches.
an-vote-error-launch = The launch reward “{ $value }” is not valid: a whole number of points from 0 to { $max }, and at least one option must name a SKU (<code>| OPTION @SKU</code>).
# ---- broadcast engine (delivery reports) ----
help-cmd-broadcasts = /broadcasts, /broadcast ID [cancel] — delivery reports of announcements and campaigns
bc-usage =
    Usage:
    /broadcasts — recent broadcasts
    /broadcast ID — the delivery report of one
    /broadcast cancel ID — cancel what is still planned
bc-bad-id = “{ $value }” is not a broadcast number: use the number shown by /broadcasts.
bc-unknown = There is no broadcast #{ $id }.
bc-none = Nothing has been broadcast yet.
bc-cancelled = Broadcast #{ $id } cancelled: { $count } planned messages will not be sent (those already sent stay).
bc-cap-bad = A frequency cap looks like <code>1/24h</code> or <code>2/7d</code> (or <code>off</code>).
bc-not-marked = This delivery is no longer planned.
bc-status = { $status ->
    [active] sending
    [done] done
   *[cancelled] cancelled
}
bc-recent-title = <b>Recent broadcasts</b>
bc-recent-line = #{ $id } { $kind } · { $status } · { $created } — sent { $sent }/{ $total }, planned { $planned }, skipped { $skipped }, failed { $failed }
bc-recent-hint = Details: /broadcast ID
bc-reason = { $reason ->
    [removed] removed from the group
    [blocked] blocked the bot
    [not_started] never started the bot
    [opted_out] opted out
    [empty] nothing to send
    [unknown_kind] unknown kind
    [render_error] could not be rendered
    [server_error] Telegram server error
    [network] network error
    [flood] flood limit
    [archived] the item was archived
    [no_product] the item is not in the catalogue
   *[other] { $reason }
} { $count }
bc-report-title = <b>Broadcast #{ $id }</b> ({ $kind }) · { $status } · planned { $created }
bc-report-counts = { $total ->
        [one] 1 message
       *[other] { $total } messages
    }: sent { $sent }, planned { $planned }, skipped { $skipped }, failed { $failed }, cancelled { $cancelled }
bc-report-unconfirmed = Sent but unconfirmed (the bot stopped while sending them; never sent twice): { $count }
bc-report-rechecked = Checked in their group after a restart (exactly one copy there): { $count }
bc-report-sending = Being sent now: { $count }
bc-report-without-photo = Sent as text without the photo (Telegram refused its file id: not one this bot was given): { $count }
bc-report-skipped = Skipped: { $reasons }
bc-report-failed = Failed: { $reasons }
bc-report-delayed-start = Waiting for the member to start the bot: { $count } (given up after 7 days, from { $next })
bc-report-delayed-cap = Delayed by the frequency cap: { $count } (next at { $next })
bc-report-delayed-quiet = Delayed by quiet hours: { $count } (next at { $next })
bc-report-times = First sent { $first }, last sent { $last }
bc-report-cancel-hint = Stop what is still planned: /broadcast cancel { $id }
