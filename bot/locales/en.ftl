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
help-customer =
    <b>What you can do</b>
    /checkin — check in for today (or tap the check-in button, or say "check in")
    /me — your points, streak and latest entries
    /top — leaderboards
    /help — this list
help-staff =
    <b>Staff tools</b> (in a group where I am admin)
    /setup [label] — register the group (label: e.g. vip, deals)
    /checkin_config base=5 streak7=20 post=09:00 — check-in rewards and the daily post time
    /checkin_post — post the check-in button now
help-owner =
    <b>Owner tools</b>
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
    { $lines }
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
    { $rows }
staff-list-row = • { $name } ({ $id })
staff-list-empty = No staff yet. Owners add them with /staff add.
setup-bad-label = The label "{ $label }" is not valid: use up to 32 letters, digits, - or _ (for example: vip, deals).
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
