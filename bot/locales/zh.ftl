## Regulars — 简体中文文本。所有用户可见的句子都在这里（以及 en.ftl）。
## 变量由 bot/texts.py 做 HTML 转义；这里的标记是 Telegram HTML。

## 通用
throttled = 操作太频繁啦，请过几秒再试。
error-generic = 抱歉，我们这边出了点问题，请稍后再试。
button-expired = 这个按钮已失效。
unknown-command = 我不认识命令 { $command }。发送 /help 查看我能做什么。
private-hint = 发送 /checkin 完成今日签到，/me 查看积分，/help 查看全部功能。
bot-added = 大家好！请店铺工作人员在这里发送 /setup，把本群设为店铺群。
anonymous-admin = 匿名管理员无法使用我的命令：我无法确认你的身份。请在管理员权限中关闭“保持匿名”，或私聊我。
group-not-registered = 本群还没有设置。店铺工作人员：请把我设为管理员并发送 /setup。

## 开始与帮助
start = 你好 { $name }！我是店铺小助手：每天签到、攒积分、看排行榜。
## /help：每节一个标题，然后是该节每个命令的一行（bot/commands.py）
help-heading-customer = <b>你可以</b>
help-cmd-checkin = /checkin — 今日签到（也可以点签到按钮，或直接说“签到”）
help-cmd-me = /me — 我的积分、连续签到和最近明细
help-cmd-top = /top — 排行榜
help-cmd-redpacket = /redpacket 总积分 份数 — 在群里用自己的积分发红包
help-cmd-bind = /bind 订单号 校验值 — 绑定你的订单（校验值如手机号后 4 位）
help-cmd-help = /help — 本帮助
help-heading-staff = <b>工作人员工具</b>（在我担任管理员的群里）
help-cmd-setup = /setup [标签] — 登记本群（标签如 vip、deals）
help-cmd-checkin_config = /checkin_config base=5 streak7=20 post=09:00 — 签到奖励和每日签到帖时间
help-cmd-checkin_post = /checkin_post — 立即发布签到按钮
help-cmd-gate = /gate mode=all password=… channel=on allow=on segment="…" spend=199 timeout=10m — 入群门槛
help-cmd-welcome = /welcome 欢迎语（{"{"}name{"}"} 为新成员名字）| gift=50 | reset | off — 进群欢迎和进群福利
help-cmd-invite = /invite [名称] — 创建需审核的邀请链接；/invite revoke 名称 — 撤销链接；/invites [名称] — 各链接带来了谁
help-cmd-settings = /settings — 本群设置
help-cmd-redpacket_schedule = /redpacket_schedule daily HH:MM 总积分 份数 | list | cancel 编号 — 用店铺预算定时发红包
help-heading-anywhere = <b>任何地方</b>
help-cmd-budget = /budget — 店铺红包预算（工作人员发的红包从这里出）；/budget add 积分（店主）— 充值
help-cmd-ban = /ban、/unban ID 或回复 — 在所有店铺群拉黑/解除
help-cmd-allow = /allow ID | remove ID | list — 白名单；/tag ID 标签 | remove ID 标签 — 客户标签
help-cmd-segment = /segment purchased and not dormant or tag:vip — 分群人数和示例
help-cmd-import_orders = /import_orders — 私聊发送订单 CSV 文件并附上此命令
help-cmd-audit = /audit — 最近的工作人员操作
help-heading-owner = <b>店主工具</b>
help-cmd-staff =
    /staff add|remove ID、@用户名 或回复某人的消息 — 管理工作人员
    /staff list — 工作人员名单
help-group = 每天点签到按钮或发送 /checkin 即可领积分。/me 查看积分，/top 查看排行榜。私聊我了解更多。

## 命令菜单说明
cmd-start = 开始使用
cmd-checkin = 今日签到
cmd-me = 我的积分
cmd-top = 排行榜
cmd-help = 帮助
cmd-staff = 管理工作人员（店主）
cmd-setup = 登记本群（工作人员）
cmd-checkin_config = 签到奖励设置（工作人员）
cmd-bind = 绑定我的订单
cmd-gate = 入群门槛（工作人员）
cmd-welcome = 进群欢迎和福利（工作人员）
cmd-invite = 创建邀请链接（工作人员）
cmd-invites = 邀请链接及带来的成员（工作人员）
cmd-settings = 本群设置（工作人员）
cmd-checkin_post = 发布签到按钮（工作人员）
cmd-redpacket = 发红包
cmd-budget = 店铺红包预算（工作人员）
cmd-redpacket_schedule = 定时红包（工作人员）

## 签到
checkin-button = ✅ 签到
checkin-post =
    <b>每日签到</b> 📅
    点下面的按钮完成今日签到：{ $base } 积分，连续签到另有奖励（{ $bonuses }）。
checkin-popup = ✅ 签到成功！+{ $points } 积分{ $bonus ->
        [0] {""}
       *[other] （连签奖励 +{ $bonus }）
    }。已连续签到 { $streak } 天，余额 { $balance }。
checkin-already-popup = 今天已经签到过啦，明天再来！
checkin-already-private = 今天已经签到过啦，明天再来！
checkin-done =
    ✅ 今日签到成功：<b>+{ $points }</b> 积分{ $bonus ->
        [0] {""}
       *[other] （含连签奖励 +{ $bonus }）
    }。
    已连续签到 { $streak } 天 · 余额 <b>{ $balance }</b>
checkin-summary =
    <b>签到播报</b>（{ $count } 人）
checkin-line = ✅ { $name } +{ $points} · 连签 { $streak } 天
checkin-line-bonus = 🎉 { $name } +{ $points }（奖励 +{ $bonus }）· 连签 { $streak } 天
checkin-line-already = ☑️ { $name } 今天已签到
checkin-already = 今天已经签到过了。

## 积分
me-line = { $name }：{ $balance } 积分 · 连签 { $streak } 天
me-card =
    <b>{ $name }</b>
    余额：<b>{ $balance }</b> 积分（累计获得 { $lifetime }）
    连续签到：{ $streak } 天 · 签到次数：{ $total } · 今天：{ $today }

    <b>{ $month } 签到日历</b>
    <code>{ $calendar }</code>

    <b>最近明细</b>
    { $entries }
me-today-yes = 已签到 ✅
me-today-no = 还没签到 — 发送 /checkin
me-no-entries = 还没有明细 — 签到即可获得第一笔积分。
me-entry = { $date } { $amount } { $reason }
reason-checkin = 签到
reason-grant = 工作人员发放
reason-deduct = 工作人员扣除
reason-welcome = 进群福利
reason-vote = 投票奖励
reason-game = 游戏奖品
reason-red_packet = 红包
reason-purchase = 交易积分
reason-referral = 邀请奖励
reason-redemption = 积分兑换
reason-refund = 退回
reason-budget = 店铺预算充值
top-board =
    <b>排行榜 — { $scope }</b>

    <b>连续签到</b>
    { $checkins }

    <b>积分</b>
    { $points }
top-scope-shop = 全店
top-empty = 还没有人上榜 — 快来争第一！
top-checkin-row = { $rank }. { $name } — { $value } 天（共签到 { $extra } 次）
top-points-row = { $rank }. { $name } — { $value } 积分

## 工作人员
staff-only = 抱歉，只有店铺工作人员可以使用这个命令。
owner-only = 抱歉，只有店主可以使用这个命令。
staff-group-only = 请在对应的店铺群里发送这个命令。
staff-usage =
    用法：
    /staff add 123456789（或 @用户名，或回复对方的消息）
    /staff remove 123456789
    /staff list
staff-unknown-user = 找不到这个人（{ $arg }）。请使用对方的数字 Telegram ID、我见过的 @用户名，或回复对方的消息。
staff-added = { $name }（{ $id }）已成为工作人员。
staff-already = { $name }（{ $id }）已经是工作人员了。
staff-removed = { $name }（{ $id }）已不再是工作人员。
staff-not-staff = { $name }（{ $id }）本来就不是工作人员。
staff-list = <b>工作人员</b>（{ $count }）
staff-list-row = • { $name }（{ $id }）
staff-list-empty = 还没有工作人员。店主可以用 /staff add 添加。
setup-bad-label = 标签“{ $label }”无效：最多 32 个字母、数字、- 或 _（例如 vip、deals）。
setup-channel-not-admin = ⚠️ 我还不是店铺频道 { $channel } 的管理员，无法检查谁关注了频道。在 /gate 中使用 channel=on 之前，请先把我设为频道管理员。
setup-basic-group = ℹ️ Telegram 升级本群后，我会自动把设置、积分和定时任务迁移到新的超级群，无需重新设置。
setup-topic = 📌 我在本群自己发的消息（每日签到、红包、欢迎）会发在这个话题里。想换到别的话题，请在那个话题里发送 /setup。
setup-general-topic = 📌 我在本群自己发的消息（每日签到、红包、欢迎）会发在 General 话题里。如果关闭 General，请在要发的话题里发送 /setup。
setup-need-admin = 请先把我设为本群管理员，然后再发送 /setup。
setup-done =
    ✅ <b>{ $title }</b> 已设为店铺群（标签：{ $label }）。
    { $rules }
    用 /checkin_config 修改签到奖励，用 /checkin_post 发布签到按钮。
setup-updated =
    ✅ <b>{ $title }</b> 已更新（标签：{ $label }）。
    { $rules }
config-summary = 签到：每天 { $base } 积分；连签奖励：{ $bonuses }；每日签到帖：{ $post }。
config-bonus = 每连续 { $period } 天 +{ $points }
config-no-bonus = 无
config-post-off = 关闭
config-usage =
    { $rules }
    用法：/checkin_config base=5 streak7=20 streak30=100 post=09:00
    base = 每次签到积分（0–1000）；streakN=P = 每连续第 N 天奖励 P（N 为 2–365，P=0 表示删除）；post=HH:MM 或 post=off 设置每日签到帖（店铺时间）。
config-error =
    无法理解“{ $item }”，设置未更改。
    { $rules }
    用法：/checkin_config base=5 streak7=20 streak30=100 post=09:00
config-saved = ✅ 已保存。{ $rules }

## 领域错误
error-insufficient-points = 积分不足：你现在有 { $balance } 积分。
error-invalid-amount = 这个数额无效。
error-config = 设置无效：{ $detail }

## 红包
rp-usage = 用法：<code>/redpacket 总积分 份数 [lucky|equal] [pw=口令] [for=all|before|SEGMENT] [expires=30m|12h|2d]</code>
    例如 <code>/redpacket 500 20</code>（500 积分，20 份拼手气）。工作人员发的红包由店铺预算支付，会员发的红包从自己的积分中扣除。
rp-group-only = 请在店铺群里发红包，群成员才能抢。
rp-error-usage = 请写明总积分和份数。
rp-error-numbers = 总积分和份数必须是不小于 1 的整数。
rp-error-more-shares-than-points = { $shares } 份至少需要 { $shares } 积分（每份 1 分），但总积分只有 { $total }。
rp-error-too-big = 太大了：每个红包最多 { $max_shares } 份、{ $max_total } 积分。
rp-error-option = 不认识的选项“{ $option }”。
rp-error-expiry = 有效期“{ $value }”无效：请用分钟、小时或天，1m 到 7d（例如 30m、12h、2d）。
rp-error-password = 口令长度为 1 到 { $max } 个字符，且不能以 / 开头。
rp-error-password-collides = 口令“{ $password }”是签到用语：发送它应当签到，不能用来领红包。请换一个口令。
rp-error-schedule = “{ $value }”不是有效的定时设置。
rp-error-options-too-long = 这些选项太长，无法保存到定时红包（总共最多 { $max } 个字符）：请使用更短的口令或人群。
rp-budget-short = 店铺预算只有 { $balance } 积分，不够 { $total }。店主可以用 <code>/budget add 积分</code> 充值。
rp-balance-short = 你有 { $balance } 积分，不够发 { $total } 积分的红包。
rp-too-many-open = 你在本群已有 { $max } 个未领完的红包，请等其中一个被抢完或过期后再发。
rp-button = 🧧 抢红包
rp-from-shop = 店铺
rp-split-lucky = 拼手气
rp-split-equal = 平均分
rp-head = 🧧 <b>红包</b>来自{ $funder }：{ $total } 积分，共 { $shares } 份（{ $split }）
rp-progress = 已抢 { $grabbed }/{ $shares } · 剩余 { $left } 积分
rp-password-hint = 在本群发送 <code>{ $password }</code> 即可抢红包。
rp-eligibility-before = 仅限红包发出前已在群里的成员。
rp-until = 有效期至 { $until }。
rp-all-grabbed = { $shares } 份已全部被抢完！
rp-expired-note = 已过期，已抢 { $grabbed }/{ $shares }；{ $refund } 积分已退回{ $funder }。
rp-luckiest = 🏆 手气最佳：{ $name }，{ $amount } 积分
rp-grabber-row = { $name }：{ $amount }
rp-grabbers-more = …… 还有 { $count } 人
rp-grabbed = 🧧 你抢到了 { $amount } 积分！余额：{ $balance }。
rp-grabbed-last = 🧧 你抢到了最后一份，{ $amount } 积分！余额：{ $balance }。
rp-gone = 手慢了，红包已被抢完。
rp-already = 你已经抢过这个红包了（{ $amount } 积分）。
rp-not-eligible = 这个红包仅限发出前已在群里的成员。
rp-expired = 这个红包已过期。
rp-no-such-packet = 这里没有这个红包。
rp-line-grabbed = 🧧 { $name } 抢到了 { $amount } 积分
rp-line-not-eligible = { $name }：这个红包仅限发出前已在群里的成员。
rp-not-in-segment = 这个红包仅限 { $segment } 分群的成员。
rp-error-segment = “{ $segment }”不是有效的分群：请用一个不含空格的名称（purchased、never_purchased、repeat、new、dormant、active）或 tag:标签。
rp-eligibility-segment = 仅限 <code>{ $segment }</code> 分群的成员。
rp-line-not-in-segment = { $name }：这个红包仅限 { $segment } 分群。
budget-show = 店铺预算有 { $balance } 积分（工作人员发的红包从中支付）。
budget-usage = 用法：<code>/budget</code> 查看店铺预算，<code>/budget add 积分</code>（店主）充值。
budget-bad-amount = “{ $value }”不是有效的数额：请用 1 到 { $max } 的整数。
budget-added = 已向店铺预算充值 { $amount } 积分，现有 { $balance }。
rps-usage = 用法：<code>/redpacket_schedule daily HH:MM 总积分 份数 [选项]</code>、<code>/redpacket_schedule once YYYY-MM-DD HH:MM 总积分 份数 [选项]</code>、<code>/redpacket_schedule list</code>、<code>/redpacket_schedule cancel 编号</code>
rps-daily = 每天 { $at }
rps-once = { $on } { $at }
rps-row = #{ $id }：{ $when }，{ $total } 积分，{ $shares } 份（{ $options }）
rps-list = 本群的定时红包：{ $count } 个
rps-none = 暂无。
rps-added = 已设置定时红包 #{ $id }：{ $when }，{ $total } 积分，{ $shares } 份，由店铺预算支付。
rps-cancelled = 定时红包 #{ $id } 已取消。
rps-unknown = 本群没有定时红包 #{ $id }。
rps-skipped = 定时红包 #{ $id } 未发出：店铺预算只有 { $balance } 积分，红包需要 { $total }。
staff-not-a-bot = 机器人不能成为店铺工作人员。
## 入群申请（入群门槛）
join-ask-password = 你好！要加入 <b>{ $title }</b>，请在这里把入群口令发给我。你有 { $attempts } 次机会，{ $minutes } 分钟内有效。
join-password-wrong = 口令不对。还剩 { $left } 次机会。
join-password-late = 你的入群申请已不再等待口令。
join-approved = ✅ 欢迎！你加入 <b>{ $title }</b> 的申请已通过。
join-declined = 抱歉，你加入 <b>{ $title }</b> 的申请未通过。
join-declined-failed = 抱歉，你加入 <b>{ $title }</b> 的申请未通过：{ $thresholds }。
join-declined-banned = 抱歉，你无法加入 <b>{ $title }</b>。
join-declined-timeout = 你加入 <b>{ $title }</b> 的申请因未在规定时间内完成而被拒绝。可以通过邀请链接重新申请。
join-gift = 🎁 进群福利：+{ $points } 积分，入群后立即到账。
join-checking = 收到！我还在向 Telegram 核实你的申请，稍后通知你结果。
join-declined-unverified = 抱歉，你加入 <b>{ $title }</b> 的申请未能及时核实（Telegram 没有响应），已被拒绝。请稍后重新申请。
join-declined-late = 你加入 <b>{ $title }</b> 的申请送达我这里时已经太晚，无法完成。请通过邀请链接重新申请。
join-gone = 你加入 <b>{ $title }</b> 的申请已不在等待中（已撤回或已由管理员处理），因此这次通过没有生效，福利积分也未发放。
join-staff-will-handle = 我暂时无法直接让你加入 <b>{ $title }</b>，店铺工作人员会尽快处理你的申请。
join-too-many-channels = Telegram 无法把你加入 <b>{ $title }</b>：你加入的群组和频道太多了（上限 500 个）。退出一些后再重新申请。
join-staff-no-rights = ⚠️ 我无法处理 <b>{ $title }</b> 的入群申请：我需要管理员权限“通过链接邀请用户”（can_invite_users）。请打开群设置 → 管理员 → 我，开启这项权限。在此之前，请手动处理待审核的入群申请。
threshold-password = 口令错误
threshold-channel = 你还没有关注店铺频道
threshold-allow = 你不在邀请名单上
threshold-segment = 本群只面向特定客户
threshold-spend = 你绑定的订单未达到最低消费（用 /bind 绑定订单）
welcome-default = 👋 欢迎 { $names }！
welcome-gift = 🎁 { $names }：进群福利 +{ $points } 积分。

## 入群门槛设置（工作人员）
gate-mode-all = 全部满足
gate-mode-any = 满足其一
gate-line-password = 口令（{ $attempts } 次机会）
gate-line-channel = 关注店铺频道
gate-line-allow = 在白名单上
gate-line-segment = 属于分群 <code>{ $expr }</code>
gate-line-spend = 绑定订单累计至少 { $amount } { $currency }
gate-summary =
    入群条件：{ $mode }
    { $lines }
    未完成的申请 { $minutes } 分钟后自动拒绝。
gate-summary-open = 入群条件：开放（除被拉黑用户和机器人外，申请一律通过）。超时：{ $minutes } 分钟。
gate-usage =
    { $rules }
    用法：/gate mode=all|any password=口令|off attempts=3 channel=on|off allow=on|off segment="purchased and not dormant"|off spend=199|off timeout=10m
    /gate tier=GOLD|off — 等级群：达到该等级的会员收到专属入群链接；tier_grace=14d|never — 降级后通知多久移出
    /gate off 清除全部门槛。
gate-error =
    我没看懂“{ $item }”。没有做任何修改。
    { $rules }
gate-no-channel = 尚未配置店铺频道（设置项 SHOP_CHANNEL），无法检查 channel=on。没有做任何修改。
gate-saved = ✅ 已保存。{ $rules }
welcome-default-name = （默认欢迎语）
welcome-summary = 欢迎语：{ $text }；进群福利：{ $gift } 积分（每位客户一次）。
welcome-usage =
    { $summary }
    用法：/welcome 欢迎 {"{"}name{"}"} 加入！— 设置欢迎语（{"{"}name{"}"} 为新成员名字）
    /welcome gift=50 — 每位新成员的积分，每位客户仅一次（0 为不送）
    /welcome reset — 恢复默认欢迎语；/welcome off — 默认欢迎语且不送积分
welcome-bad-gift = 进群福利须为 0 到 { $max } 的整数积分。
welcome-too-long = 欢迎语最多 { $max } 个字符。
welcome-keyword-alone = /welcome { $word } 后面不能再跟内容。未做任何更改。
welcome-too-many-names = 欢迎语中 {"{"}name{"}"} 最多出现 { $max } 次。未做任何更改。
welcome-saved = ✅ 已保存。{ $summary }
invite-created = 🔗 邀请链接（{ $name }）：{ $link }
    通过该链接申请入群的人，会由我检查入群门槛。
invite-unnamed = 未命名
invite-bad-name = 链接名称最多 32 个字符。
invite-revoke-usage = 用法：/invite revoke 名称（或链接本身）：该链接失效，并从 /invites 中移除。
invite-revoke-unknown = 本群没有名为“{ $name }”的邀请链接。/invites 可查看全部链接。
invite-revoked = 🔗 已撤销：“{ $name }”（{ $count } 个链接）不能再用来申请入群，并已从 /invites 中移除。
invite-revoke-failed = 无法撤销该链接：我需要管理员权限“通过链接邀请用户”。未做任何更改。
invite-failed = 无法创建邀请链接。我需要“通过链接邀请用户”的管理员权限。
invites-list = <b>邀请链接</b>
invites-row = • { $name }：{ $link } — { $requests } 个申请，{ $joined } 人入群
invites-joined = <b>通过“{ $link }”入群的人</b>（最近 { $count } 位）
invites-person = • { $name }（{ $id }）
invites-empty = 还没有邀请链接。用 /invite [名称] 创建。
settings-summary =
    <b>{ $title }</b>（标签：{ $label }）
    { $checkin }
    { $gate }
    { $welcome }

## 拉黑、白名单、标签、分群、审计（工作人员）
ban-usage = 用法：/ban 123456789 [原因]，或回复某人的消息发送 /ban [原因]。
ban-staff = { $name } 是工作人员，请先将其移出工作人员。
ban-already = { $name }（{ $id }）已经被拉黑。
unban-usage = 用法：/unban 123456789，或回复某人的消息发送 /unban。
unban-not-banned = { $name }（{ $id }）没有被拉黑。
unban-done = ✅ 已解除 { $name }（{ $id }）的拉黑，可以重新申请入群。
allow-usage = 用法：/allow 123456789（或 @用户名，或回复消息），/allow remove 123456789，/allow list
allow-not-a-bot = 机器人不能加入店铺群，因此不能加入白名单。
allow-added = 已将 { $name }（{ $id }）加入白名单。
allow-already = { $name }（{ $id }）已在白名单上。
allow-removed = 已将 { $name }（{ $id }）移出白名单。
allow-not-listed = { $name }（{ $id }）不在白名单上。
allow-list = <b>白名单</b>（{ $count }）：{ $ids }
allow-list-empty = 暂无
tag-usage = 用法：/tag 123456789 vip（或 @用户名，或回复消息发送 /tag vip），/tag remove 123456789 vip，/tag 123456789 查看标签
tag-show = { $name }（{ $id }）：{ $tags }
tag-none = 无标签
tag-bad = “{ $tag }”不是有效的标签：最多 32 个字母、数字、- 或 _。
tag-added = 🏷 已为 { $name }（{ $id }）打上标签 { $tag }。
tag-already = { $name }（{ $id }）已有标签 { $tag }。
tag-removed = 已移除 { $name }（{ $id }）的标签 { $tag }。
tag-not-there = { $name }（{ $id }）没有标签 { $tag }。
segment-usage = 用法：/segment purchased and not dormant or tag:vip — 内置分群：purchased（已购）、never_purchased（未购）、repeat（复购）、new（首次出现不到 30 天）、dormant（最近一次购买在 180 天前）、active（7 天内签到过）；tag:标签；and、or、not 和括号。
segment-syntax-error = 分群表达式第 { $position } 个字符处有错误{ $token }：{ $problem }。
segment-token = （“{ $token }”）
segment-problem-empty = 表达式为空
segment-problem-too-long = 表达式太长
segment-problem-too-deep = 括号或 not 嵌套太深
segment-problem-unexpected = 完整表达式后面还有多余内容（缺少 "and"/"or"，或多了 ")"）
segment-problem-missing-operand = 这里缺少分群名、tag:标签、"not" 或 "("
segment-problem-missing-close = 缺少 ")"
segment-problem-bad-tag = 标签只能包含字母、数字、- 或 _（最多 32 个）
segment-problem-unknown-name = 未知分群（可用 purchased、never_purchased、repeat、new、dormant、active 或 tag:标签）
segment-result =
    <b>分群</b> <code>{ $expr }</code>：{ $count } 位客户
segment-sample-row = • { $name }（{ $id }）
segment-nobody = 无
audit-list = <b>最近的工作人员操作</b>（{ $count }）
audit-row = { $when } { $actor }：{ $action } { $target } { $details }
audit-empty = 暂无工作人员操作记录。

## 订单
orders-usage = 请在这里发送订单 CSV 文件并附上说明 /import_orders（或回复该文件发送 /import_orders）。列：订单号、金额、币种、付款时间、校验值，可选第六列状态（paid 已付款 / refunded 已退款）和第七列商品编码（TEA-01;TEA-02）。
orders-private-only = 请私聊我发送 /import_orders 和文件。
orders-too-big = 文件太大（最多 { $mb } MB）。
orders-download-failed = 文件下载失败，请重新发送。
orders-import-failed = ❌ 没有导入任何订单：有 { $count } 行有问题。
orders-import-fix = 请修正文件后重新发送。
orders-line-error = 第 { $line } 行：{ $problem }
orders-problem-columns = 应有 5 到 7 列（订单号、金额、币种、付款时间、校验值、可选的状态、可选的商品编码），实际为 { $value } 列
orders-problem-unreadable = 文件不是 CSV 文本（请另存为 CSV，UTF-8 或 GB18030 编码）
orders-problem-order-id = 订单号“{ $value }”为空或包含字母、数字和 _-./# 以外的字符
orders-problem-duplicate = 订单号“{ $value }”在文件中出现了两次
orders-problem-amount = 金额“{ $value }”不是最多两位小数的正数
orders-problem-currency = 币种“{ $value }”不是 CNY 这样的三位字母代码
orders-problem-paid-at = 付款时间“{ $value }”不是日期（2026-03-01）或日期时间（2026-03-01 14:30）
orders-problem-paid-at-range = 付款时间“{ $value }”不在 2000 年到 2099 年之间
orders-problem-check = 校验值为空或超过 64 个字符
orders-problem-too-many = 单个文件超过 { $value } 条订单
orders-problem-empty = 文件中没有订单
orders-imported = ✅ 已导入：新增 { $new } 条订单，更新 { $updated } 条。
bind-usage = 用法：/bind 订单号 校验值 — 校验值是店铺告诉你的订单信息（例如手机号后 4 位）。
bind-not-found = 找不到该订单号和校验值对应的订单。本小时还可尝试 { $left } 次。
bind-taken = 订单 { $order_id } 已绑定到其他账号。如果是你的订单，请联系店铺。
bind-rate-limited = 错误次数太多，请 { $minutes } 分钟后再试。
bind-done = ✅ 订单 { $order } 已绑定到你的账号。你绑定的订单累计 { $total } { $currency }。
bind-already-yours = 订单 { $order } 已经绑定在你的账号上。你绑定的订单累计 { $total } { $currency }。
bind-private = 请私聊我发送 /bind —— 校验值应当保密。我已删除那条消息。
welcome-more = 等 { $count } 人
list-more = …… 还有 { $count } 条

## 机器人的管理员权限（逐项检查，而不只是“是不是管理员”）、逐群的拉黑结果、店铺频道
rights-feature-gate = 入群申请（入群门槛、进群欢迎）和 /invite 邀请链接
rights-feature-cleanup = 删除发在群里的口令和订单校验值
rights-feature-ban = 移出被拉黑的顾客（/ban）
rights-right-can_invite_users = 通过链接邀请用户
rights-right-can_delete_messages = 删除消息
rights-right-can_restrict_members = 封禁用户
rights-quoted = “{ $right }”
rights-how = 解决方法：群组 → 管理员 → { $bot } → 开启 { $rights }。
rights-report =
    <b>我在本群的管理员权限</b>
    { $lines }
rights-line-ok = ✅ { $feature }
rights-line-missing = ⚠️ { $feature }：无法使用，我需要“{ $right }”权限
rights-line-supergroup = ⚠️ { $feature }：普通群不支持
rights-needs-supergroup = 入群门槛需要超级群：Telegram 只在超级群里发送入群申请，而本群是普通群。把群设为公开群，或把“新成员可见的聊天记录”设为“可见”（群组 → 编辑），Telegram 就会把它升级为超级群（成员和消息都会保留）。
rights-unknown = 暂时无法查询我在本群的管理员权限（Telegram 没有响应）。没有做任何修改，请稍后再试。
rights-change-promoted = ✅ 我现在是 { $title } 的管理员了。
rights-change-demoted = ⚠️ 我已不再是 { $title } 的管理员。
rights-change-rights = ℹ️ 我在 { $title } 的管理员权限有变化。
rights-change-added = ℹ️ 我又回到了 { $title }，但只是普通成员（不是管理员）。
rights-line-again = ✅ 恢复可用：{ $feature }
rights-line-stopped = ⚠️ 已停止：{ $feature }（需要“{ $right }”权限）
rights-removed = ⚠️ 我被移出了 { $title }：该群的签到、入群门槛、进群欢迎和定时发布都已停止。如需恢复，请重新把我加为管理员，并在群里发送 /setup。
gate-needs-supergroup = ⚠️ 没有做任何修改。{ rights-needs-supergroup }
gate-needs-invite-right = ⚠️ 没有做任何修改：没有“通过链接邀请用户”管理员权限，Telegram 不会把入群申请发给我，入群门槛也就无从检查。{ $how }
gate-password-exposed = ⚠️ 我没能删除你的消息，群里所有人都能看到这个口令。请立即设置新口令（/gate password=…），并自己删除那条旧消息。为了下次我能自动删除：{ $how }
channel-admin-hint = ✅ 我现在是店铺频道 { $title } 的管理员了，可以检查“关注店铺频道”门槛（/gate channel=on）。设置店铺群的方法：把我加入群并设为管理员（权限：“通过链接邀请用户”“删除消息”“封禁用户”），然后在群里发送 /setup。我不会在频道里发任何消息。
channel-admin-lost = ⚠️ 我已不再是店铺频道 { $title } 的管理员，无法检查谁关注了频道，channel=on 门槛将无法通过。请重新把我设为频道管理员。
ban-report =
    ⛔ 已拉黑 { $name }（{ $id }），其入群申请将被拒绝。
    { $summary }
    { $rows }
ban-summary = 已从 { $total } 个店铺群中的 { $removed } 个移出：
ban-no-groups = 目前没有店铺群，无需移出。
ban-group-removed = • { $title }：已移出
ban-group-kept-out = • { $title }：不在群里；已在该群封禁，无法加入
ban-group-missing-right = • { $title }：未移出，我没有“封禁用户”管理员权限。{ $how }
ban-group-admin = • { $title }：未移出，对方是该群管理员
ban-group-gone = • { $title }：未移出，我已不在该群
ban-group-failed = • { $title }：未移出，Telegram 返回：{ $error }
bind-private-exposed = 请私聊我发送 /bind —— 校验值应当保密。我没能删除那条消息（我需要“删除消息”管理员权限），请自己删除它。
rights-not-checked = （暂时无法查询我的管理员权限：Telegram 没有响应。）
rights-separator = 、

## ---- member tiers (会员等级) and points for purchases (交易积分) ----
cmd-tier = 会员等级
cmd-points_rate = 交易积分
help-cmd-tier = /tier add 名称 | points=N（或 spend=N）| multiplier=1.2、/tier remove 名称、/tier — 会员等级
help-cmd-points_rate = /points_rate N|off — 绑定订单每单位店铺币种获得的积分
reason-purchase_reversal = 订单退款扣回
reason-recovery = 抵扣退款欠分
orders-problem-status = 状态“{ $value }”既不是已付款（paid）也不是已退款（refunded）
tiers-usage =
    用法：/tier add 名称 | points=1000 | multiplier=1.2 — 累计获得 1,000 积分达到该等级，积分 ×1.2
    /tier add 名称 | spend=5000 — 近 12 个月绑定订单消费满 5,000 达到
    /tier remove 名称 · /tier — 查看列表。所有等级须用同一种标准（积分或消费）；倍数 1 到 5。
tiers-list-empty = 还没有会员等级。
tiers-list =
    <b>会员等级</b>
    { $rows }
tiers-row-points = • <b>{ $name }</b>：累计积分 { $threshold } 起 · 积分 ×{ $multiplier }
tiers-row-spend = • <b>{ $name }</b>：近 12 个月消费 { $amount } { $currency } 起 · 积分 ×{ $multiplier }
tiers-measure-points = 累计积分
tiers-measure-spend = 消费金额
tiers-error = ⚠️ 没有做任何修改：我没看懂“{ $item }”。
tiers-error-measure = ⚠️ 没有做任何修改：你的等级按{ $measure }划分，所有等级须用同一种标准（请先删除其他等级）。
tiers-error-threshold = ⚠️ 没有做任何修改：{ $tier } 已经使用这个门槛；每个等级的门槛须不同。
tiers-error-count = ⚠️ 没有做任何修改：最多 { $most } 个等级。
tiers-error-in-use = ⚠️ 没有做任何修改：群 { $group } 要求这个等级（请先在该群发送 /gate tier=off）。
tiers-added = ✅ 已添加等级 { $name }。会员将在一分钟内调整等级并收到私信通知。
tiers-updated = ✅ 已更新等级 { $name }。会员将在一分钟内调整等级并收到私信通知。
tiers-removed-tier = ✅ 已删除等级 { $name }。其会员将在一分钟内调整等级并收到私信通知。
tiers-not-found = 没有名为 { $name } 的等级。发送 /tier 查看列表。
tiers-perk-multiplier = 从现在起，签到和购物获得的积分 ×{ $multiplier }。
tiers-up = 🎉 恭喜升级为 <b>{ $tier }</b>！{ $perk }
tiers-down = 你的会员等级现在是 <b>{ $tier }</b>。
tiers-down-none = 你已不再是 { $tier } 会员。
tiers-invite = 🔑 作为 { $tier } 会员，你可以加入 <b>{ $title }</b>：{ $link }
    此链接仅限你本人使用，只能使用一次。
tiers-fell = 你已不再是 { $tier } 会员，而 { $title } 是该等级的专属群。如果在 { $date } 前没有重新达到 { $tier }，你将被移出该群。
tiers-fell-stay = 你已不再是 { $tier } 会员，而 { $title } 是该等级的专属群。你可以继续留在群里。
tiers-restored = ✅ 你重新达到了 { $tier }：保留你在 { $title } 的位置。
tiers-removed = 由于你已不再是 { $tier } 会员，你已被移出 { $title }。重新达到 { $tier } 后，我会再发给你新的入群链接。
tiers-gate-line = { $tier } 及以上等级的会员（专属链接）
tiers-gate-grace = · 降级后：通知 { $grace } 后移出
tiers-gate-grace-never = · 降级后：仅通知，不移出
tiers-gate-unknown = ⚠️ 没有做任何修改：没有名为 { $name } 的等级（发送 /tier 查看列表）。
tiers-checkin-extra = （含等级加成 +{ $extra }）
tiers-me-tier = 等级：<b>{ $tier }</b>（积分 ×{ $multiplier }）
tiers-me-none = 等级：暂无
tiers-me-next-points = 再获得 { $missing } 积分即可升级为 { $next }
tiers-me-next-spend = 近 12 个月再消费 { $missing } { $currency } 即可升级为 { $next }
tiers-me-top = 你已是最高等级。
tiers-me-link = 🔑 你加入 { $title } 的专属链接：{ $link }
tiers-me-owed = ⚠️ 因订单退款，你欠 { $owed } 积分，将从你下次获得的积分中扣除。
points-rate-usage = 用法：/points_rate 1 — 绑定的订单每 1 { $currency } 获得 1 积分（可用小数，如 0.5），再乘以会员等级倍数；/points_rate off — 关闭。
points-rate-is = 交易积分：每 { $currency } { $rate } 积分。
points-rate-is-off = 交易积分已关闭。
points-rate-error = ⚠️ 没有做任何修改：“{ $item }”不是有效的比例（0.01 到 1000 之间的数，或 off）。
points-rate-set = ✅ 绑定的订单现在每 { $currency } 获得 { $rate } 积分（再乘以会员等级倍数），每个订单仅一次：客户用 /bind 绑定时，或导入已绑定的订单时。
points-rate-turned-off = ✅ 交易积分已关闭。已获得的积分保留。
purchases-bind-points = 🎁 这笔订单获得 +{ $points } 积分。
purchases-imported = 交易积分：{ $earned } 个已绑定订单获得积分；{ $refunded } 个订单退款（扣回 { $taken } 积分）。
purchases-refund-notice = 订单 { $order } 已退款，扣回该订单获得的 { $points } 积分{ $owed ->
        [0] 。
       *[other] ；其中 { $owed } 积分已被使用，将从你下次获得的积分中扣除。
    }
## 投票
cmd-vote = 发起商品投票（工作人员）
cmd-votes = 本群的投票（工作人员）
help-cmd-vote = /vote 问题 | 选项1 | 选项2 … [deadline=2h] [reward=积分] [multi] [buyers] [show=live|end] — 发起带按钮的投票
help-cmd-votes = /votes — 本群的投票；/vote_close 编号 提前结束（发放奖励），/vote_cancel 编号 取消（不发奖励）
help-cmd-vote_results = /vote_results 编号 — 随时查看投票结果
vote-usage = 用法：<code>/vote 问题 | 选项1 | 选项2 [| 选项…] [deadline=30m|2h|HH:MM|YYYY-MM-DD HH:MM] [reward=积分] [launch=积分] [multi] [buyers] [show=live|end]</code>
    选项可以关联商品：<code>| 龙井 @LJ-250</code>。默认截止时间：24 小时。
vote-error-usage = 请给出一个问题和至少两个选项，用 | 分隔。
vote-error-options = 投票需要 { $min } 到 { $max } 个选项，用 | 分隔（现在是 { $count } 个）。
vote-error-empty = 问题和每个选项都需要文字（两个 | 连在一起会留下空选项）。
vote-error-too-long = “{ $value }…”太长了：最多 { $max } 个字符。
vote-error-duplicate = 选项“{ $value }”重复了。
vote-error-sku = “{ $value }”不是商品编号：请用 @ 加字母、数字、- _ 或 .（最多 { $max } 个）。
vote-error-deadline = 截止时间“{ $value }”无效：请用 30m、2h、3d、HH:MM 或 YYYY-MM-DD HH:MM（店铺时间），1 分钟到 30 天之内。
vote-error-reward = 奖励“{ $value }”无效：0 到 { $max } 之间的整数积分。
vote-error-setting = 不认识设置“{ $value }”（可用：deadline=、reward=、multi、buyers、show=live 或 show=end）。
vote-error-repeated = 设置“{ $value }”写了两次。
vote-head = 🗳 <b>投票 #{ $id }</b>：{ $question }
vote-results-head = 📊 <b>投票 #{ $id } 结果</b>：{ $question }
vote-option = { $no }. { $label }
vote-option-count = { $no }. { $label } — { $count } 票（{ $percent }%）
vote-option-bar = { $no }. { $label } — { $count } 票（{ $percent }%）
    <code>{ $bar }</code>
vote-voters = 已有 { $count } 人投票。
vote-rule-multi = 可以多选。
vote-rule-buyers = 仅限已绑定订单的顾客投票（私聊我发送 /bind）。
vote-rule-reward = 🎁 每位投票的成员可得 { $reward } 积分，投票结束时发放。
vote-rule-hidden = 票数将在投票结束时公布。
vote-until = 点按钮投票；{ $until }（店铺时间）之前可以改票。
vote-result-winner = 🏆 胜出：{ $label }，{ $count } 票（{ $percent }%）。
vote-result-tie = 🤝 平票：{ $labels }，各 { $count } 票（{ $percent }%）。
vote-result-none = 没有人投票。
vote-paid-note = 🎁 { $voters } 位投票者各获得 { $reward } 积分。
vote-closed-at = 已于 { $when }（店铺时间）结束。
vote-cancelled-note = ❌ 店铺已取消本次投票：没有结果，也没有奖励。
vote-results-running = ⏳ 投票仍在进行：以上是目前的票数。
vote-list-separator = {"、"}
vote-tap-chosen = ✅ 你投给了：{ $choices }。投票结束前可以改票。
vote-tap-changed = 🔄 已改投：{ $choices }。
vote-tap-multi = ✅ 你的选择：{ $choices }。再点一次可取消该选项。
vote-tap-same = 你已投给 { $choices }。点其他选项可以改票。
vote-tap-none = 你取消了最后一个选项，现在没有投票。
vote-tap-reward = 🎁 结束时得 { $reward } 积分。
vote-no-such = 这里没有这个投票。
vote-closed = 这个投票已经结束。
vote-cancelled-tap = 这个投票已被取消。
vote-buyers-only = 本投票仅限有订单的顾客。请私聊我绑定订单：/bind 订单号 校验值（校验值见订单），然后再投票。
vote-close-usage = 用法：<code>/vote_close 编号</code>（投票编号见 /votes）— 立即结束、发放奖励并公布结果。
vote-cancel-usage = 用法：<code>/vote_cancel 编号</code>（投票编号见 /votes）— 取消投票：没有结果，也没有奖励。
vote-results-usage = 用法：<code>/vote_results 编号</code>（投票编号见 /votes）。
vote-list-usage = 用法：<code>/votes</code>（不带参数）— 本群的投票，最新的在前。
vote-unknown = 本群没有投票 #{ $id }。
vote-not-open = 投票 #{ $id } { $state }：没有做任何更改。
vote-cancelled-done = ❌ 投票 #{ $id } 已取消：没有结果，也没有奖励。
vote-state-open = 进行中
vote-state-closed = 已结束
vote-state-cancelled = 已取消
vote-list-head = 🗳 本群的投票：{ $count } 个
vote-list-none = 还没有投票。用 /vote 发起一个。
vote-list-row = #{ $id } { $question } — { $state }，{ $voters } 人投票，截止 { $until }
## ---- 猜价格 ----
cmd-guess = 开始一轮猜价格（工作人员）
cmd-guess_close = 立即结束一轮猜价格（工作人员）
cmd-guess_cancel = 取消一轮猜价格（工作人员）
cmd-guesses = 查看猜价格活动（工作人员）
help-cmd-guess = /guess 商品 | 价格 [deadline=…] [tries=3] [rule=closest|under|within:5%] [prize=积分] [hints=on] [invites=2] — 开始一轮猜价格（可作为图片说明发送）；/guess_close 编号，/guess_cancel 编号
help-cmd-guesses = /guesses — 本群的猜价格活动（编号和状态）
guess-usage = 用法：<code>/guess 商品 | 价格 [deadline=30m|2h|HH:MM|YYYY-MM-DD HH:MM] [tries=3] [rule=closest|under|within:5%] [prize=积分] [hints=on] [invites=2]</code> — 作为图片说明发送即可展示商品图片。
guess-error-usage = 请写上商品和价格，用“|”分开。
guess-error-price = “{ $value }”不是价格。请发送数字，例如 99、99.90、¥99.90、99元 或 1,299。
guess-error-product = 商品名称需为 1 到 { $max } 个字符。
guess-error-option = 我不认识选项“{ $option }”（或重复填写了）。
guess-error-deadline = 截止时间“{ $value }”无效：请用 30m、2h、3d、HH:MM 或 YYYY-MM-DD HH:MM，需在 1 分钟到 30 天之后。
guess-error-number = { $name } 必须是 { $low } 到 { $high } 之间的整数。
guess-error-rule = 规则“{ $value }”无效：请用 closest、under 或 within:X%（X 为 0.01 到 50）。
guess-created = ✅ 第 { $id } 轮“{ $product }”已开始，截止 { $until }。隐藏价格：{ $price }。提前结束：/guess_close { $id }，取消：/guess_cancel { $id }。
guess-price-exposed = ⚠️ 我无法删除你的 /guess 消息，群里所有人都能看到价格。请取消本轮（/guess_cancel { $id }），等我能删除消息后再重新开始：{ $how }
guess-rule-closest = 最接近价格的猜测获胜。
guess-rule-under = 不超过价格且最接近的猜测获胜。
guess-rule-within = 第一个与价格相差不超过 { $percent } 的猜测立即获胜。
guess-post-head = 🎯 <b>猜价格！</b>第 { $id } 轮：{ $product }
guess-line-tries = 🎟 每人 { $tries } 次机会
guess-line-hints = 💡 每次猜完我会提示高了还是低了。
guess-line-invites = 👥 机会用完了？每位通过你的专属链接入群的好友再给你一次机会（最多 { $invites } 次）。
guess-line-prize = 🏆 奖励：{ $prize } 积分
guess-line-until = ⏰ 截止 { $until }
guess-post-how = 点按钮，在私聊里和我猜价格。
guess-button = 🎯 猜价格
guess-private-head = 🎯 第 { $id } 轮：<b>{ $product }</b>
guess-private-left = 你还有 { $left } 次机会。
guess-private-how = 直接把你猜的价格发给我，例如 99 或 99.90。
guess-not-member = 本轮只限 { $title } 的群成员参加。请先入群，再点一次按钮。
guess-no-such-round = 没有第 { $id } 轮猜价格。
guess-round-over = 第 { $id } 轮已经结束。
guess-no-tries = 你在第 { $id } 轮的机会已经用完了。
guess-costs-nothing = （这次不算机会。）
guess-accepted = ✅ 第 { $id } 轮，第 { $n } 次猜：{ $price }。还剩 { $left } 次机会。
guess-hint-higher = 💡 高一点！实际价格高于 { $price }。
guess-hint-lower = 💡 低一点！实际价格低于 { $price }。
guess-hint-exact = 🎯 完全正确！
guess-won = 🎉 { $price } 与实际价格相差不超过 { $percent }：你赢得了第 { $id } 轮！
guess-won-prize = 🏆 { $prize } 积分归你了。
guess-out-of-tries = 这是你最后一次机会。
guess-invite-offer = 👥 还想再猜？分享给好友帮你猜：每位通过你的专属链接入群的好友再给你一次机会（最多 { $invites } 次）。
guess-invite-button = 👥 获取我的邀请链接
guess-invite-popup = 这是你的专属链接。
guess-invite-link = 👥 你在第 { $id } 轮的专属链接：{ $link }
    分享给好友：每位通过它入群（并通过入群门槛）的好友再给你一次机会，最多 { $max } 次。目前已获得：{ $bonus } 次。
guess-invite-not-yet = 先用完你的机会，再邀请好友获得更多机会。
guess-invite-maxed = 你已经获得了本轮允许的全部额外机会。
guess-invite-off = 本轮没有邀请奖励。
guess-invite-failed = 我无法创建邀请链接：我需要群里的管理员权限“通过链接邀请用户”。请告诉店铺工作人员。
guess-friend-joined = 👥 { $name } 通过你的链接入群了：第 { $id } 轮“{ $product }”多一次机会！你现在有 { $left } 次。
guess-friend-joined-maxed = 👥 { $name } 通过你的链接入群了，谢谢！你已经获得了第 { $id } 轮允许的全部额外机会。
guess-group-cannot-delete = ⚠️ 请在私聊里猜（点本轮下面的按钮），不要在群里猜：我无法删除本群的消息，大家都能看到猜测。工作人员：{ $how }
guess-group-start-bot = { $names }：要查看我对你的猜测的回复（以及剩余机会和提示），请<a href="{ $link }">和我私聊打开本轮</a>并点“开始”。
guess-results-head = ⏰ 第 { $id } 轮“{ $product }”结束了！实际价格：<b>{ $price }</b>
guess-results-winner = 🏆 获胜者：{ $name }，猜的是 { $guess }
guess-results-prize = 已向获胜者发放 { $prize } 积分。
guess-results-nobody = 没有人猜中获胜条件。
guess-results-no-guesses = 没有有效的猜测。
guess-results-best = 最佳猜测：
guess-results-row = { $rank }. { $name }：{ $guess }（{ $at }）
guess-results-stats = { $players } 位成员共猜了 { $guesses } 次。
guess-results-cancelled = ✖️ 第 { $id } 轮“{ $product }”已取消，没有奖励。
guess-close-usage = 用法：<code>/guess_close 编号</code>（编号见 /guesses）
guess-cancel-usage = 用法：<code>/guess_cancel 编号</code>（编号见 /guesses）
guess-unknown = 本群没有进行中的第 { $id } 轮（见 /guesses）。
guesses-usage = 用法：<code>/guesses</code>
guesses-none = 本群还没有猜价格活动。用 /guess 开始一轮。
guesses-list = 本群的猜价格活动（{ $count }）：
guesses-row = #{ $id } { $product } · { $state } { $when } · { $players } 人猜了 { $guesses } 次
guess-state-open = 进行中，截止
guess-state-closed = 已结束
guess-state-cancelled = 已取消
guess-created-group = ✅ 第 { $id } 轮已开始。请在私聊中启动我，以后每轮的详情（含隐藏价格）会私聊发给你。
## 积分兑换、抽奖与积分调整
reason-lottery = 抽奖
cmd-rewards = 积分兑换：用积分换好礼
cmd-draw = 抽奖
cmd-reward = 管理兑换礼品（店员）
cmd-redemptions = 待发放的兑换（店员）
cmd-redemption = 标记兑换已发放（店员）
cmd-lottery = 抽奖奖品表（店员）
cmd-points = 调整积分（店员）
help-cmd-rewards = /rewards — 积分兑换：用积分换礼品（/me 里也有按钮）
help-cmd-draw = /draw — 抽奖：每天免费抽一次，之后可用积分抽
help-cmd-reward = /reward add 名称 | 积分 [| stock=数量] [| limit=1/month] [| tier=等级] [| cash=说明]；/reward edit 编号 | cost=N …；/reward pause|resume 编号；把文本/CSV 券码文件配上说明 /reward codes 编号 发给我；/rewards — 库存与兑换情况
help-cmd-redemptions = /redemptions — 待发放的兑换；/redemption done 编号 — 标记已发放
help-cmd-lottery = /lottery — 奖品表和概率；/lottery add 奖品 | 权重 [| stock=数量] [| points=N 或 reward=编号]（奖品写 none 表示“未中奖”）；/lottery remove 编号；/lottery cost N；/lottery free N；/lottery draws
help-cmd-points = /points 用户 +N|-N 原因 — 增加或扣除积分（或回复该成员：/points +N 原因）；/points 用户 — 余额和明细；/points limit N（店主）— 店员单次可调整的上限
rw-private-only = 请私聊我发送这个命令：它会列出成员和券码。
rw-group-pointer = 请私聊我，在私聊里发送 { $command }。
rw-error-usage = 用法：/reward add 名称 | 积分 [| stock=数量] [| limit=1/month] [| tier=等级] [| cash=说明] — 例如：/reward add 10元券 | 100 | stock=50 | limit=1/month
rw-error-name = 名称需为 1 到 { $max } 个字符。
rw-error-cost = 所需积分须为 { $min } 到 { $max } 之间的整数（而不是“{ $value }”）。
rw-error-stock = 库存须为 { $min } 到 { $max } 之间的整数，或 none 表示不限（而不是“{ $value }”）。
rw-error-limit = 看不懂限购“{ $value }”：请写成 1/month、2/week、1/day、1/year 或 1/ever（或 none）。
rw-error-tier = 等级须为 1 到 { $max } 个字母或数字（而不是“{ $value }”），或 none。
rw-error-cash = 现金说明最多 { $max } 个字符。
rw-error-option = 看不懂“{ $option }”。可用选项：stock=N、limit=1/month、tier=等级、cash=说明（/reward edit 还可用 name=、cost=）。
rw-error-stock-below = 库存不能设为 { $stock }：已经兑换了 { $redeemed } 份。
rw-usage =
    用法：
    /reward add 名称 | 积分 [| stock=数量] [| limit=1/month] [| tier=等级] [| cash=说明]
    /reward edit 编号 | cost=N | stock=N | name=… | limit=… | tier=… | cash=…
    /reward pause 编号、/reward resume 编号
    /reward codes 编号 — 作为文本或 CSV 文件的说明发送，每行一个券码
    /rewards — 所有礼品及库存
rw-bad-id = “{ $value }”不是礼品编号：请用 /rewards 显示的编号。
rw-added = ✅ 已添加礼品 #{ $id }：{ $line }
rw-edited = ✅ 礼品 #{ $id } 已修改：{ $line }
rw-paused-done = ⏸ 礼品 #{ $id } 已暂停：成员暂时无法兑换，恢复请用 /reward resume { $id }。
rw-resumed-done = ▶️ 礼品 #{ $id } 已恢复兑换。
rw-status-same = 礼品 #{ $id } 本来就是{ $status }状态。
rw-status-paused = 暂停
rw-status-active = 可兑换
rw-codes-need-file = 请把券码做成文本或 CSV 文件（每行一个），并以 /reward codes { $id } 作为说明发送。
rw-codes-too-big = 文件太大（最多 { $kb } KB）。
rw-codes-download-failed = 无法从 Telegram 下载该文件，请重新发送。
rw-codes-empty = 文件里没有找到券码：每行一个券码，券码中间不能有空格。
rw-codes-too-many = 文件里有 { $count } 个券码；每个文件最多 { $max } 个，请拆分。
rw-codes-added = ✅ 已为礼品 #{ $id } 添加 { $added } 个券码（尚未发放 { $free } 个）。{ $repeated ->
        [0] {""}
       *[other] 跳过 { $repeated } 个已在券码池中的券码（同一券码不会存两次）。
    }{ $bad ->
        [0] {""}
       *[other] 跳过 { $bad } 行无法识别或重复的内容。
    }
rw-no-such-reward = 没有礼品 #{ $id }。
rw-staff-list-head = <b>兑换礼品</b>（{ $count }）
rw-staff-line = #{ $id } { $name } — { $cost } 积分 · { $stock } · 已兑换 { $redeemed }{ $extra }
rw-staff-stock-unlimited = 库存不限
rw-staff-stock = 剩余 { $left } / 共 { $stock }
rw-staff-codes = · 券码剩余 { $codes }
rw-staff-paused = · ⏸ 已暂停
rw-staff-limit = · 限购 { $limit }
rw-staff-tier = · 等级 { $tier }
rw-staff-cash = · { $cash }
rw-staff-none = 还没有礼品。添加：/reward add 10元券 | 100 | stock=50
rw-line = { $name } — { $cost } 积分{ $cash }
rw-member-head = <b>积分兑换</b> · 你有 <b>{ $balance }</b> 积分
rw-member-line-ok = ✅ { $name } — { $cost } 积分{ $cash } · { $left }
rw-member-line-short = ▫️ { $name } — { $cost } 积分{ $cash } · { $left } · 还差 { $missing } 积分
rw-member-line-out = ✖️ { $name } — 已兑完
rw-member-left = 剩 { $left } 份
rw-member-unlimited = 可兑换
rw-member-none = 店铺还没有上架礼品，敬请期待！
rw-member-hint = 点击礼品即可兑换。
rw-cash-note = （{ $cash }）
rw-button = 🎁 { $name } · { $cost }
rw-button-shop = 🎁 积分兑换
rw-button-draw = 🎲 抽奖
rw-confirm = 用 <b>{ $cost }</b> 积分兑换 <b>{ $name }</b>{ $cash }？你现有 { $balance } 积分。
rw-confirm-yes = ✅ 确认兑换
rw-confirm-no = ✖️ 取消
rw-cancelled = 未兑换任何礼品。
rw-popup-done = ✅ 兑换成功！详情见聊天。
rw-popup-again = 你已经兑换过了（#{ $id }）。
rw-refused = 抱歉，现在无法兑换。
rw-paused = 抱歉，{ $name } 暂停兑换。
rw-sold-out = 抱歉，{ $name } 已兑完。
rw-limit-reached = 你本{ $period }已兑换 { $name } { $count } 次，已达上限。
rw-not-enough = { $name } 需要 { $cost } 积分，你有 { $balance } 积分。
rw-period-day = 日
rw-period-week = 周
rw-period-month = 月
rw-period-year = 年
rw-period-ever = 账号（永久）
rw-done-code =
    🎁 <b>{ $name }</b> 兑换成功（−{ $cost } 积分，余额 { $balance }）。
    你的券码：<code>{ $code }</code>
    兑换单号 #{ $id } — 也可在 /me 查看。
rw-done-number =
    🎁 <b>{ $name }</b> 兑换成功（−{ $cost } 积分，余额 { $balance }）。
    你的兑换单号是 <b>#{ $id }</b>：店铺会为你发放（向店员出示此单号）。
rw-mine-head = <b>我的兑换</b>
rw-mine-code = • #{ $id } { $name }：<code>{ $code }</code>
rw-mine-pending = • #{ $id } { $name }：等待店铺发放
rw-mine-done = • #{ $id } { $name }：已发放 ✅
rw-pending-head = <b>待发放的兑换</b>（{ $count }）
rw-pending-line = #{ $id } { $reward } — { $name }（{ $user }）· { $date }
rw-pending-none = 没有待发放的兑换：全部已完成。
rw-redemption-usage = 用法：/redemption done 编号 — 编号见 /redemptions。
rw-redemption-unknown = 没有兑换单 #{ $id }。
rw-redemption-done = ✅ 兑换单 #{ $id }（{ $reward }）已标记为已发放，并已通知成员。
rw-redemption-already = 兑换单 #{ $id } 早已发放。
rw-redemption-member = ✅ 店铺已为你发放礼品 { $reward }（兑换单 #{ $id }）。
lt-error-usage = 用法：/lottery add 奖品 | 权重 [| stock=数量] [| points=N 或 reward=编号] — 例如：/lottery add 10积分 | 30 | points=10；“未中奖”行：/lottery add none | 50。
lt-error-name = 奖品名称需为 1 到 { $max } 个字符。
lt-error-weight = 权重须为 { $min } 到 { $max } 之间的整数（而不是“{ $value }”）。
lt-error-stock = 库存须为 { $min } 到 { $max } 之间的整数（而不是“{ $value }”）。
lt-error-points = 积分须为 { $min } 到 { $max } 之间的整数（而不是“{ $value }”）。
lt-error-reward = “{ $value }”不是礼品编号（见 /rewards）。
lt-error-option = 看不懂“{ $option }”。可用选项：stock=N，以及 points=N 或 reward=编号 之一（none 行不带选项）。
lt-error-too-many = 奖品表已有 { $max } 个奖品；请先移除一个（/lottery remove 编号）。
lt-usage =
    用法：
    /lottery — 奖品表和概率
    /lottery add 奖品 | 权重 [| stock=数量] [| points=N 或 reward=编号]（奖品写 none：未中奖行）
    /lottery remove 编号
    /lottery cost N — 每次付费抽奖的积分（0：关闭付费抽奖）
    /lottery free N — 每人每天免费抽奖次数（0 到 { $max }）
    /lottery draws — 最近的抽奖记录及当时概率
lt-bad-number = “{ $value }”须为 { $min } 到 { $max } 之间的整数。
lt-added = ✅ 已添加奖品 #{ $id }。
lt-removed = ✅ 奖品 #{ $id } 已移出奖品表（历史抽奖记录保留）。
lt-unknown-prize = 奖品表中没有奖品 #{ $id }。
lt-cost-set = ✅ 每次付费抽奖现在需要 { $cost } 积分。
lt-cost-off = ✅ 已关闭付费抽奖；成员只有免费次数。
lt-free-set = ✅ 成员现在每天有 { $free } 次免费抽奖。
lt-table-head = <b>抽奖</b> · 付费抽奖：{ $cost } · 每日免费次数：{ $free }
lt-table-cost-off = 关闭
lt-table-line = #{ $id } { $name } — { $odds }%（权重 { $weight }）{ $prize }{ $stock }
lt-table-out = #{ $id } { $name } — 已抽完，不参与抽奖（权重 { $weight }）
lt-table-points = {" "}· +{ $points } 积分
lt-table-reward = {" "}· 礼品 #{ $reward }
lt-table-stock = {" "}· 剩 { $left } 份
lt-table-none = 奖品表是空的。添加奖品：/lottery add 10积分 | 30 | points=10，以及“未中奖”行：/lottery add none | 60
lt-table-note = 概率只计算有库存的奖品：某个奖品抽完后，其他奖品的概率会相应提高。
lt-odds-head = <b>当前奖品与概率</b>
lt-odds-line = { $name } — { $odds }%
lt-draws-head = <b>最近的抽奖</b>
lt-draws-line = #{ $id } { $date } { $name }：{ $prize }（{ $odds }{ $paid }）
lt-draws-guaranteed = 首次抽奖，必中
lt-draws-paid = ，付费 { $cost }
lt-draws-none = 还没有抽奖记录。
lt-refused = 抱歉，现在无法抽奖。
lt-no-table = 目前没有可抽的奖品，请稍后再来。
lt-no-free-left = 今天的 { $free } 次免费抽奖已用完，明天再来吧！
lt-not-enough = 每次抽奖需要 { $cost } 积分；你有 { $balance } 积分。
lt-pay-confirm = 今天的免费抽奖已用完。再抽一次需要 <b>{ $cost }</b> 积分（你有 { $balance } 积分）。
lt-button-pay = 🎲 抽奖 · { $cost } 积分
lt-button-again = 🎲 再抽一次 · { $cost } 积分
lt-won-guaranteed = 🎉 首次抽奖必中：<b>{ $prize }</b>！
lt-won = 🎉 恭喜抽中 <b>{ $prize }</b>！（概率 { $odds }%）
lt-won-nothing = 🎲 这次没有中奖（概率 { $odds }%），下次好运！
lt-won-points = +{ $points } 积分 — 余额 { $balance }。
lt-won-code = 你的券码：<code>{ $code }</code>（兑换单 #{ $id }，也可在 /me 查看）
lt-won-number = 你的兑换单号：<b>#{ $id }</b> — 向店铺出示即可领取奖品。
lt-won-gift = 抽奖记录 #{ $id }：向店铺出示此编号即可领取奖品。
lt-paid = （−{ $cost } 积分，余额 { $balance }）
lt-free-left = 今天剩余免费次数：{ $left }。
lt-popup-again = 这次抽奖已经完成了。
lt-popup-done = 🎲 已抽奖 — 结果见聊天。
pt-usage =
    用法：
    /points 用户 +N 原因 — 增加积分（用户：@用户名或数字 ID；或回复该成员的消息：/points +N 原因）
    /points 用户 -N 原因 — 扣除积分
    /points 用户 — 余额和最近明细
    /points limit N — 店员单次可调整的积分上限（店主；0：仅店主可调整）
pt-bad-amount = “{ $value }”不是有效数额：请写 +N 或 -N，最多 { $max }。
pt-need-reason = 请在数额后写明原因：会告知成员并记入审计日志。
pt-reason-too-long = 原因最多 { $max } 个字符。
pt-unknown-user = 不认识“{ $arg }”：请用对方的 @用户名或数字 ID，或回复对方的消息。
pt-not-a-member = 无法调整 { $name } 的积分。
pt-over-limit = 店员单次最多调整 { $limit } 积分；更多请找店主。
pt-limit-off = 在店主设置店员上限（/points limit N）之前，只有店主可以调整积分。
pt-limit-set = ✅ 店员现在单次最多可调整 { $limit } 积分。
pt-limit-owners = ✅ 现在只有店主可以调整积分。
pt-granted = ✅ 已给 { $name } 增加 { $amount } 积分（{ $reason }）。余额：{ $balance }。
pt-deducted = ✅ 已从 { $name } 扣除 { $amount } 积分（{ $reason }）。余额：{ $balance }。
pt-short = 未扣除：{ $name } 只有 { $balance } 积分，最多只能扣除 { $balance }。
pt-member-granted = 🎁 店铺为你增加了 { $amount } 积分：{ $reason }。余额：{ $balance }。
pt-member-deducted = ℹ️ 店铺扣除了你 { $amount } 积分：{ $reason }。余额：{ $balance }。
pt-statement = <b>{ $name }</b>（{ $id }）— 余额 <b>{ $balance }</b> 积分，累计获得 { $lifetime }
pt-entry = { $date } { $amount } { $reason }{ $note }
pt-entry-note = {" "}— { $note }
pt-no-entries = 还没有明细。
rw-sold-out-short = 抱歉，该礼品已兑完。
tiers-reward-refused = { $name } 仅限 { $tier } 及以上等级会员兑换。发送 /me 查看你的等级。

# ---- when to post (games/windows.py) ----
at-bad = 无法识别该时间。请使用 <code>at=now</code>、<code>at=HH:MM</code>、<code>at=YYYY-MM-DD HH:MM</code> 或 <code>at=best</code>（下一个活跃时段：8–10、13–14、18:30–19:30、22–23）。
at-past = 该时间已经过去。
at-too-far = 该时间超过一年之后。
quiet-hours-bad = 免打扰时段格式为 <code>23:00-08:00</code>（或 <code>off</code>）。

# ---- recurring posts and campaigns (issue 12: campaigns; cp- keys) ----
cp-help-schedule = /schedule add daily|weekly [星期] HH:MM|best 内容 [to=…]、/schedule pause|resume|cancel 编号；/schedule — 已计划的推送
cp-help-campaign = /campaign 分群 | 内容 [at=…] — 私信群发（有频率上限，免打扰时段不发）；/campaign wakeup 分群 | 第一条 | 第二条
cp-help-promos = /stop_promos — 不再接收店铺的推广消息；/start_promos — 重新接收
cp-private-only = 请在私聊中把这个命令发给我。
cp-schedule-usage = 用法：<code>/schedule add daily 10:00 内容</code>，<code>/schedule add weekly 周五 best 内容 to=vip,deals</code>（时间为 HH:MM 或 best：下一个活跃时段；星期为 mon…sun 或 周一…周日；默认 to=all），<code>/schedule</code> 查看列表，<code>/schedule pause|resume|cancel 编号</code>。
cp-bad-day = “{ $value }”不是星期：请用 周一…周日（或 mon…sun）。
cp-bad-time = “{ $value }”不是时间：请用 HH:MM（如 10:00）或 best。
cp-empty-text = 请写上要发送的内容。
cp-text-too-long = 内容最多 { $max } 个字符。
cp-bad-to = “{ $value }”不是群标签列表：请用 to=all 或 to=标签,标签（/setup 时设置的标签）。
cp-unknown-labels = 没有正在使用的群带有标签 { $labels }：未创建定时推送。标签即 /setup 时设置的标签（或用 to=all）。
cp-bad-id = “{ $value }”不是列表中的编号：发送 /schedule 查看。
cp-no-such-post = 没有编号为 #{ $id } 的定时推送（发送 /schedule 查看）。
cp-pause-done = ⏸ 定时推送 #{ $id } 已暂停。/schedule resume { $id } 可恢复。
cp-pause-same = 定时推送 #{ $id } 本来就已暂停。
cp-resume-done = ▶️ 定时推送 #{ $id } 已恢复。
cp-resume-same = 定时推送 #{ $id } 正在运行。
cp-cancel-done = 🗑 定时推送 #{ $id } 已取消。
cp-cancel-same = 定时推送 #{ $id } 本来就已取消。
cp-added = ✅ 定时推送已设置：
    { $line }
cp-posts-head = <b>定时推送</b>
cp-no-posts = 还没有：/schedule add daily 10:00 内容
cp-broadcasts-head = <b>已计划的群发</b>（上新、营销、提醒）
cp-no-broadcasts = 没有已计划的群发。
cp-post-line = #{ $id } { $when } → { $to } · { $state } · { $text }
cp-broadcast-line = #{ $id } { $kind } — 下次 { $at }，待发 { $count } 条
cp-when-daily = 每天 { $at }{ $best }
cp-when-weekly = 每{ $day } { $at }{ $best }
cp-best-mark = （最佳时段）
cp-to-all = 所有群
cp-next = 下次 { $at }
cp-paused = 已暂停
cp-day-mon = 周一
cp-day-tue = 周二
cp-day-wed = 周三
cp-day-thu = 周四
cp-day-fri = 周五
cp-day-sat = 周六
cp-day-sun = 周日
cp-campaign-usage = 用法：<code>/campaign 分群 | 内容 [at=now|HH:MM|YYYY-MM-DD HH:MM|best]</code>，或两步唤醒：<code>/campaign wakeup dormant | 好久不见！ | 本周八折 [after=2d]</code>。分群写法同 /segment（如 dormant、tag:vip、purchased and not repeat）。
cp-bad-after = “{ $value }”不是间隔：请用如 after=2d、after=36h（1 小时到 30 天之间）。
cp-bad-option = 无法识别“{ $value }”：选项为 at=…（唤醒还可用 after=…），各一次，写在最后。
cp-campaign-planned = 📣 营销已计划：群发 { $ids }，{ $count } 位会员，{ $at } 起发送。
cp-campaign-again = 这次营销已经计划过：群发 { $ids }，{ $count } 位会员，{ $at } 起发送。
cp-campaign-second = 第二条 { $at } 起发送。
cp-campaign-skipped = 未计划：{ $opted_out } 位已关闭推广，{ $unreachable } 位从未启动机器人（或已屏蔽）。消息会因频率上限和免打扰时段延后，但不会丢弃。
cp-campaign-report = 发送报告：/broadcast { $id }
cp-button-promos-off = 🔕 不再接收推广
cp-button-promos-on = 🔔 重新接收推广
cp-promos-off = 🔕 好的：今后不再给你发送店铺推广消息。改变主意了？发送 /start_promos 或点下面的按钮。
cp-promos-off-already = 你之前已经关闭了推广。发送 /start_promos 可重新接收。
cp-promos-on = 🔔 已重新接收推广：有优惠会通知你。/stop_promos 可关闭。
cp-promos-on-already = 推广本来就是开启的。/stop_promos 可关闭。
cp-promos-private = 请在私聊中把 /stop_promos 或 /start_promos 发给我。
cp-popup-off = 🔕 不再接收推广。
cp-popup-on = 🔔 已重新接收推广。
cp-popup-private = 请在私聊中使用这个按钮。
cp-repurchase = 🔁 你购买 <b>{ $name }</b> 已经有一段时间了——快用完了吗？现在正是回购的好时候。
cp-repurchase-link = 🛒 { $link }
# ---- catalogue (issue 12: games/catalogue.py, handlers/catalogue.py) ----
help-cmd-product = /product add 编码 | 名称 | 价格 [| stock=数量] …、/product edit|archive 编码、/product 编码；/products [关键词] — 商品目录
cat-private-only = 请在和我的私聊中管理商品目录。
cat-usage =
    用法：
    /product add 编码 | 名称 | 价格 [| stock=数量] [| link=链接] [| cycle=30d]
    /product edit 编码 字段=值 …（name、price、stock、link、cycle；photo=none 删除图片）
    /product 编码 — 商品卡片
    /product archive 编码 — 下架，不再推送（/product unarchive 编码 重新上架）
    /products [关键词] — 商品目录（分页）
cat-add-usage = 用法：/product add 编码 | 名称 | 价格 [| stock=数量] [| link=链接] [| cycle=30d] — 例如：/product add TEA-01 | 龙井 250g | 99.90 | stock=20 | cycle=30d
cat-edit-usage = 用法：/product edit 编码 字段=值 … — 字段：name、price、stock（none 表示不计库存）、link、cycle（none 表示去掉）、photo=none；例如：/product edit TEA-01 price=89 stock=0。要更换图片，请把新图片配上说明 /product edit 编码 发给我。
cat-error-usage = { cat-usage }
cat-error-sku = “{ $value }”不是有效的商品编码：请用 1 到 { $max } 个字母、数字、- 或 _（例如 TEA-01）。
cat-error-name = 名称须为 1 到 { $max } 个字符。
cat-error-price = “{ $value }”不是 { $currency } 价格：请写成 99 或 99.90（最多两位小数）。
cat-error-stock = 库存须为 0 到 { $max } 的整数，不计库存请写 none（而不是“{ $value }”）。
cat-error-link = “{ $value }”不是可用的链接：须以 http:// 或 https:// 开头（或是 t.me/… 链接），最多 { $max } 个字符。
cat-error-cycle = 看不懂周期“{ $value }”：请写成 30d、4w 或 3m（最多 { $max } 天），或 none。
cat-error-photo = 删除图片请写 photo=none；更换图片请把新图片配上说明 /product edit 编码 发给我。
cat-error-option = 看不懂“{ $option }”。
cat-error-repeated = “{ $option }”写了两次。
cat-error-nothing = { $sku } 没有要修改的内容：请写出字段，例如 price=89。
cat-duplicate = 已经有商品 { $sku }（见 /product { $sku }）。修改请用 /product edit { $sku } …
cat-no-such-product = 没有商品“{ $sku }”。/products 可查看商品目录。
cat-restock-through-stock = 未做任何修改：{ $sku } 已售罄，补货请用 <code>/stock { $sku } { $stock }</code>——这样也会通知正在排队等候的会员。
cat-import-failed = 商品文件有 { $count } 行有误，未导入任何内容。
cat-added = ✅ 已添加商品 { $sku }：
cat-edited = ✅ 已修改商品 { $sku }：
cat-archived-done = 🗄 { $sku } 已下架，不再推送。/product unarchive { $sku } 可重新上架。
cat-unarchived-done = ✅ { $sku } 已重新上架。
cat-archived-already = { $sku } 已经是下架状态。
cat-unarchived-already = { $sku } 没有下架。
cat-photo-refused = ⚠️ Telegram 拒绝了这个商品的图片，所以商品卡片没有图片：保存的文件 ID 不是本机器人获得的（文件 ID 只属于一个机器人；从别的机器人导入的商品表带的是那个机器人的 ID）。在你把图片配上说明 /product edit { $sku } 重新发给我之前，这个商品的帖子都以文字发出。
cat-photo-hint = 要把这张图片设为商品图片，请配上说明 /product edit { $sku } 发给我
cat-price = { $amount } { $currency }
cat-stock = 库存 { $stock }
cat-sold-out = 已售罄
cat-stock-untracked = 不计库存
cat-card-head = <b>{ $name }</b> · <code>{ $sku }</code>
cat-card-price = 💰 { $price } · { $stock }
cat-card-link = 🔗 { $link }
cat-item-head = <b>{ $name }</b>（{ $sku }）
cat-item-price = 💰 { $price }
cat-card-cycle = 🔁 复购周期 { $days } 天
cat-card-archived = 🗄 已下架
cat-list-head = <b>商品目录</b>：共 { $total } 件（第 { $page }/{ $pages } 页）
cat-list-head-query = <b>与“{ $query }”匹配的商品</b>：{ $total } 件（第 { $page }/{ $pages } 页）
cat-list-line = <code>{ $sku }</code> { $name } — { $price } · { $stock }{ $archived }
cat-list-archived = {" "}· 🗄 已下架
cat-list-hint = /product 编码 查看商品卡片。
cat-list-none = 商品目录是空的。添加商品：/product add 编码 | 名称 | 价格
cat-list-none-query = 没有与“{ $query }”匹配的商品。
cat-button-prev = ◀️ 上一页
cat-button-next = 下一页 ▶️
cat-orders-items = 商品：订单上记录了 { $items } 个商品编码{ $unknown ->
        [0] {""}
       *[other] ；其中 { $unknown } 个不在商品目录中（{ $skus }）
    }。
orders-problem-sku = 商品编码“{ $value }”有误（字母、数字、- 和 _，多个用 ; 分隔）
# ---- announcements (issue 12: new arrivals, pre-announcements, launch rewards, restocks) ----
cmd-announce = 上新、预约上新或补货通知（店员）
cmd-stock = 设置商品库存（店员）
cmd-claim = 核销会员的预留码（店员）
help-cmd-announce = /announce new|soon|restock 编码 [at=…] [to=…] [reserve=2h] — 上新、带“🔔 提醒我”的预告、按排队补货；/announce list|cancel 编号
help-cmd-stock = /stock SKU 数量 [reserve=2h] [to=…] — 设置库存；从 0 调高即发布补货通知
help-cmd-claim = /claim 预留码 — 会员凭预留码下单：核销并扣减一件库存
reason-launch = 上新奖励
an-usage = 用法：<code>/announce new SKU [at=now|HH:MM|YYYY-MM-DD HH:MM|best] [to=all|标签,标签]</code>、<code>/announce soon SKU at=… [to=…]</code>、<code>/announce restock SKU [reserve=2h] [to=…]</code>；<code>/announce list</code>、<code>/announce cancel 编号</code>
an-stock-usage = 用法：<code>/stock SKU 数量 [reserve=2h] [to=all|标签,标签]</code> — 库存从 0 调高时发布补货通知。
an-claim-usage = 用法：<code>/claim 预留码</code> — 会员提供的预留码（如 ABCD-EFGH）。
an-error-usage = 无法识别这条公告指令。
an-error-sku = “{ $value }”不是有效的 SKU：1 到 { $max } 个字母、数字、- 或 _。
an-error-setting = 不认识的设置“{ $value }”：请用 at=、to= 或 reserve=。
an-error-repeated = 设置 { $value }= 重复了。
an-error-to = “{ $value }”不是群标签列表：<code>to=all</code> 或 <code>to=vip,deals</code>。
an-error-reserve = “{ $value }”不是有效的预留时长：5m 到 7d，例如 <code>reserve=2h</code>。
an-error-soon-at = 预约上新需要上线时间：<code>at=HH:MM</code>、<code>at=YYYY-MM-DD HH:MM</code> 或 <code>at=best</code>。
an-error-not-here = { $value }= 不适用于此处（at= 用于 new 和 soon；reserve= 用于 restock 和 /stock）。
an-error-stock = “{ $value }”不是有效的库存：0 到 { $max } 的整数。
an-refused = 现在无法执行。
an-no-such-product = 商品库中没有 { $sku }。
an-archived = { $sku } 已下架，不能发布。
an-no-groups = 没有标签为 { $labels } 的活跃群：未安排任何发布。
an-restock-sold-out = { $sku } 没有库存：请先用 <code>/stock { $sku } 数量</code> 设置（从 0 调高即发布补货通知）。
an-reserve-untracked = { $sku } 没有记录库存数量，无法预留：请用 <code>/stock { $sku } 数量</code> 设置。
an-stock-changed = { $sku } 的库存刚刚被修改：请重新发送指令。
an-stock-options-unused = 未做任何修改：<code>reserve=</code> 和 <code>to=</code> 只在售罄商品补货时有效（{ $sku } 当前库存为 { $stock }，不是 0）。请去掉它们再发送 <code>/stock { $sku } N</code>。
an-no-such = 这条公告已不存在。
an-remind-live = { $name } 已经上线啦，不需要提醒！
an-notify-in-stock = { $name } 现在有货，无需等待。
an-claim-no-such = 没有这个预留。
an-claim-done = 预留 { $code } 已被核销。
an-claim-expired = 预留 { $code } 已过期，已顺延给下一位。
an-claim-no-stock = 预留 { $code } 已无库存可用：请联系店铺。
an-claim-bad-code = “{ $value }”不是预留码。
an-private-only = 请在与我的私聊中发送此指令：公告、库存和预留都在私聊中管理。
an-start-first = 请先打开与我的私聊并点击“开始”：你的请求已保留，我会在私聊中通知你。
an-days = { $n } 天
an-hours = { $n } 小时
an-minutes = { $n } 分钟
an-button-notify = 🔔 到货通知我
an-button-remind = 🔔 提醒我
an-button-buy = 🛒 购买
an-button-claim = ✅ 领取
an-post-head = 🆕 新品上架！
an-post-sold-out = 暂时售罄：点“🔔 到货通知我”，补货时通知你。
an-teaser-head = 🔜 即将上新
an-teaser-when = 上线时间：{ $when }。
an-teaser-how = 点“🔔 提醒我”，上线第一时间私信通知你。
an-restock-head = 🔔 补货啦！
an-restock-units = 现有 { $units } 件。
an-restock-reserved = 排队的会员已获得前几件的预留（{ $duration } 内领取）。
an-live-head = 🔔 { $name } 上线啦——你预约了提醒。
an-launch-head = 🎉 { $name } 上线啦——你投过它一票！
an-launch-points = 🎁 +{ $points } 积分：感谢你的投票。
an-notice-head = 🔔 { $name } 补货了。
an-notice-in-line = 目前库存已预留给排在你前面的会员。你排第 { $place } 位：如有预留过期未领取，将顺延给你，我会把预留码发给你。
an-notice-go = 你订阅了到货通知：先到先得。
an-reserve-passed = 一个预留顺延给你了！
an-reserve-head = 🎟 已为你预留一件 { $name }。
an-reserve-code = 你的预留码：<code>{ $code }</code>
an-reserve-until = 有效期至 { $until }。
an-reserve-how = 点“✅ 领取”锁定，然后下单时备注预留码（或把预留码告诉店铺，由店员核销）。过期未领取将顺延给下一位。
an-where = 发往 { $count } 个群（{ $labels }）。
an-where-none = 不发群帖（没有匹配的活跃群）。
an-what = { $name }（{ $sku }）
an-created-new = 📣 公告 #{ $id } 已安排：新品上架。
an-created-soon = 📣 公告 #{ $id } 已安排：预约上新（预告现在发出）。
an-created-restock = 📣 公告 #{ $id }：补货。
an-when-now = 立即。
an-when = 时间：{ $when }。
an-when-best = 时间：{ $when }（下一个活跃时段）。
an-broadcast = 群发 #{ $id }。
an-soon-note = 届时商品将发布到群里，点过“🔔 提醒我”的会员都会收到私信。
an-live-rewarded = 🎁 { $count } 位投票者获得上新奖励（共 { $points } 积分）。
an-restock-nobody = 没有人在排队。
an-restock-told = 已按排队顺序通知 { $waiting } 位会员。
an-restock-allocated = 排队 { $waiting } 人：{ $reserved } 人获得预留（{ $duration }），{ $told } 人收到排队位置通知。
an-stock-untracked = 未记录
an-stock-set = ✅ { $name }（{ $sku }）库存：{ $before } → { $after }。
an-remind-on = 🔔 { $name } 上线时（{ $when }）我会私信你。再点一次取消。
an-remind-off = 🔕 已取消 { $name } 的提醒。再点一次重新开启。
an-notify-joined = 🔔 你已加入 { $name } 的到货排队（第 { $place } 位）。补货时我会私信你。
an-notify-already = 你已在 { $name } 的到货排队中（第 { $place } 位）。
an-remind-start = 🔔 好的：{ $name } 上线时（{ $when }）我会在这里私信你。
an-notify-start = 🔔 好的：你已加入 { $name } 的到货排队（第 { $place } 位）。补货时我会在这里通知你。
an-claimed = ✅ 一件 { $name } 归你了：下单时请备注预留码 <code>{ $code }</code>。
an-claimed-popup = ✅ 领取成功！
an-claimed-staff = ✅ 预留 { $code } 已核销：{ $name }（{ $sku }），会员 { $user }。剩余库存：{ $left }。
an-list-empty = 还没有公告。
an-list-head = <b>公告</b>（{ $count }），最新在前：
an-list-row = #{ $id } { $kind } { $name }（{ $sku }）— { $status }，{ $when }，发往 { $to }，{ $reminders } 人预约提醒
an-list-more = … 另有 { $count } 条更早的。
an-kind-new = 新品上架
an-kind-soon = 预约上新
an-kind-restock = 补货
an-status-scheduled = 待上线
an-status-live = 已上线
an-status-cancelled = 已取消
an-cancel-usage = 用法：<code>/announce cancel 编号</code>（/announce list 中的编号）。
an-cancel-not-scheduled = 公告 #{ $id } 不在待上线状态（不存在、已上线或已取消）：无需取消。
an-cancelled = ✅ 公告 #{ $id } 已取消：{ $count } 条待发消息不再发送。
an-vote-rule-launch = 🚀 投给带 SKU 选项的会员，在该商品上线时可得 { $launch } 积分。
an-vote-error-launch = 上新奖励“{ $value }”无效：0 到 { $max } 之间的整数积分，且至少有一个选项标注了 SKU（<code>| 选项 @SKU</code>）。
# ---- broadcast engine (delivery reports) ----
help-cmd-broadcasts = /broadcasts、/broadcast 编号 [cancel] — 公告和群发的送达报告
bc-usage =
    用法：
    /broadcasts — 最近的群发
    /broadcast 编号 — 某次群发的送达报告
    /broadcast cancel 编号 — 取消尚未发送的部分
bc-bad-id = “{ $value }”不是群发编号：请使用 /broadcasts 显示的编号。
bc-unknown = 没有编号为 #{ $id } 的群发。
bc-none = 还没有任何群发。
bc-cancelled = 群发 #{ $id } 已取消：{ $count } 条计划中的消息不再发送（已发送的保留）。
bc-cap-bad = 频率上限的格式为 <code>1/24h</code> 或 <code>2/7d</code>（或 <code>off</code>）。
bc-not-marked = 这条消息已不在计划中。
bc-status = { $status ->
    [active] 发送中
    [done] 已完成
   *[cancelled] 已取消
}
bc-recent-title = <b>最近的群发</b>
bc-recent-line = #{ $id } { $kind } · { $status } · { $created } — 已发 { $sent }/{ $total }，计划中 { $planned }，跳过 { $skipped }，失败 { $failed }
bc-recent-hint = 详情：/broadcast 编号
bc-reason = { $reason ->
    [removed] 机器人已被移出群
    [blocked] 已屏蔽机器人
    [not_started] 从未启动机器人
    [opted_out] 已退订
    [empty] 没有内容
    [unknown_kind] 未知类型
    [render_error] 无法生成内容
    [server_error] Telegram 服务器错误
    [network] 网络错误
    [flood] 频率限制
    [archived] 商品已下架
    [no_product] 商品不在目录中
   *[other] { $reason }
} { $count }
bc-report-title = <b>群发 #{ $id }</b>（{ $kind }）· { $status } · 创建于 { $created }
bc-report-counts = 共 { $total } 条：已发 { $sent }，计划中 { $planned }，跳过 { $skipped }，失败 { $failed }，已取消 { $cancelled }
bc-report-unconfirmed = 已发送但未确认（发送时机器人停止；绝不重复发送）：{ $count }
bc-report-rechecked = 重启后已在群内核实（群里恰好一条）：{ $count }
bc-report-sending = 正在发送：{ $count }
bc-report-without-photo = 以文字发出、没有图片（Telegram 拒绝了图片的文件 ID：不是本机器人获得的）：{ $count }
bc-report-skipped = 跳过：{ $reasons }
bc-report-failed = 失败：{ $reasons }
bc-report-delayed-start = 等待成员启动机器人：{ $count }（7 天后放弃，最早 { $next }）
bc-report-delayed-cap = 因频率上限延后：{ $count }（下一条 { $next }）
bc-report-delayed-quiet = 因免打扰时段延后：{ $count }（下一条 { $next }）
bc-report-times = 首条发送 { $first }，末条发送 { $last }
bc-report-cancel-hint = 取消尚未发送的部分：/broadcast cancel { $id }
