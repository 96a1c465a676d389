"""The FB desk's six months, ticket by ticket: created through `ticket.create`, assigned, answered in
public (the first response), sometimes waiting for the requester who replies through the portal,
resolved, and rated on the portal. The team starts using Keel in the third month (`SWITCH`): before
it about 70% of a month's tickets get resolved and a third miss their SLA; after it about 95%, and
few breach. Breaches come from times computed with `sync.sla` on the desk's default policies, so the
server's due times (computed the same way) show them. Two frequent problems fill the last 30 days
with near-paraphrase tickets, and one of them is escalated to an APP requirement.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from server.demo_plan import SEED, Plan, demo_id, local, project_id, task_id, user_id
from server.demo_runner import PORTAL_RATE, PORTAL_REPLY
from sync import sla

SWITCH = 2  # the month (0 = the first of the six) the desk moves to Keel
RESOLVED = (0.70, 0.70, 0.86, 0.95, 0.96, 0.96)  # share of a month's tickets that get resolved
BREACH = (0.35, 0.30, 0.15, 0.06, 0.05, 0.05)  # share that miss a target
PER_MONTH = (30, 32, 36, 40, 44, 46)
AGENTS = ("zhaomin", "zhaomin", "zhaomin", "zhangqiang", "liuyang")
ESCALATED_TASK = demo_id("task", "escalated-sms")
ESCALATED_TITLE = "短信验证码到达率优化：多通道切换与重发策略"

# The desk's everyday feedback: (title, label, priority, -, -, -); the label picks the category.
TICKETS: list[tuple[str, str, str, int, str, bool]] = [
    ("【iOS】升级 5.2.0 后打开 App 闪退", "功能问题", "urgent", 1, "b", True),
    ("退款申请提交后一直显示“处理中”", "支付问题", "high", 1, "s", False),
    ("希望支持深色模式", "产品建议", "low", 3, "p", False),
    ("收不到短信验证码", "账号", "high", 3, "s", False),
    ("优惠券显示可用但下单时提示不满足条件", "功能问题", "high", 2, "s", False),
    ("账号被异地登录，余额被盗刷", "安全问题", "urgent", 1, "b", True),
    ("字体太小，老人看不清", "体验问题", "medium", 3, "p", False),
    ("物流信息三天没有更新", "物流", "medium", 3, "s", False),
    ("发票抬头填错了，如何修改", "咨询", "low", 3, "s", False),
    ("小程序里的订单在 App 里看不到", "功能问题", "high", 1, "b", True),
    ("会员自动续费没有提前提醒", "投诉", "high", 2, "s", False),
    ("商品详情页图片加载很慢", "体验问题", "medium", 0, "", False),
    ("注销账号的入口在哪里", "咨询", "low", 3, "s", False),
    ("评价晒图上传失败", "功能问题", "medium", 0, "", False),
    ("希望订单可以按时间筛选", "产品建议", "low", 3, "p", False),
    ("积分莫名其妙被清零", "投诉", "high", 1, "s", False),
    ("微信支付成功但订单显示未支付", "支付问题", "urgent", 3, "b", True),
    ("客服电话一直占线", "投诉", "medium", 2, "s", False),
    ("【Android】推送点击后打开的是首页而不是详情", "功能问题", "medium", 0, "", False),
    ("搜索“蓝牙耳机”结果里全是手机壳", "体验问题", "medium", 1, "p", False),
    ("生日礼包领取失败", "功能问题", "medium", 3, "b", True),
    ("修改手机号需要原手机号验证码，但原号码已停用", "账号", "high", 2, "s", False),
    ("直播间卡顿，声音和画面不同步", "体验问题", "medium", 0, "", False),
    ("希望增加家庭共享会员", "产品建议", "low", 0, "", False),
    ("收货地址保存后又变回旧地址", "功能问题", "high", 1, "b", True),
    ("七天无理由退货被拒绝", "投诉", "high", 1, "s", False),
    ("夜里 2 点收到营销推送", "投诉", "medium", 3, "p", False),
    ("定金膨胀规则看不懂", "咨询", "low", 3, "s", False),
    ("分享链接在微信里打不开", "功能问题", "medium", 2, "b", True),
    ("App 占用存储空间越来越大", "体验问题", "low", 0, "", False),
    ("预售商品发货时间比承诺晚了一周", "物流", "high", 1, "s", False),
    ("登录时一直提示“网络异常”", "账号", "high", 3, "b", True),
    ("希望能隐藏购买记录", "产品建议", "low", 0, "", False),
    ("扫码领券后券包里找不到", "功能问题", "medium", 3, "s", False),
    ("开具的电子发票金额不对", "支付问题", "high", 2, "s", False),
    ("iPad 上页面显示不全", "体验问题", "low", 0, "", False),
    ("退货运费险没有到账", "支付问题", "medium", 1, "s", False),
    ("客服机器人答非所问", "投诉", "medium", 3, "p", False),
    ("会员等级突然降级", "咨询", "medium", 3, "s", False),
    ("下单后被告知缺货", "投诉", "high", 3, "s", False),
    ("绑定银行卡提示“卡号不支持”", "支付问题", "medium", 0, "", False),
    ("希望消息通知可以分类关闭", "产品建议", "medium", 3, "p", False),
    ("【小程序】提交订单按钮点了没反应", "功能问题", "urgent", 1, "b", True),
    ("实名认证一直审核中", "账号", "medium", 2, "s", False),
    ("购物车商品价格和结算价不一致", "支付问题", "high", 0, "", False),
    ("视频评价无法播放", "功能问题", "low", 0, "", False),
    ("积分兑换的商品一直没发货", "物流", "medium", 1, "s", False),
    ("App 广告太多，影响使用", "体验问题", "low", 3, "p", False),
    ("同一个问题反馈三次都没人回复", "投诉", "urgent", 0, "", False),
    ("更换头像后其他人看到的还是旧头像", "功能问题", "low", 2, "b", True),
]

VOICES = [
    "用了三年第一次遇到这种情况，麻烦尽快看看。",
    "已经试过重启和重装，还是不行。",
    "客服电话一直打不通，只能在这里反馈。",
    "希望给个说法，不然就去 12315 投诉了。",
    "不算大问题，但每次都要多点几下挺烦的。",
    "家里老人在用，麻烦考虑一下。",
    "朋友也遇到了同样的问题。",
]

# Two frequent problems of the last 30 days, each told many ways.
CLUSTERS: tuple[tuple[str, ...], ...] = (
    (
        "收不到短信验证码",
        "注册时短信验证码一直收不到",
        "验证码发了好几次都没收到短信",
        "手机号登录收不到验证码短信",
        "点击获取验证码后一直没有短信",
        "换了新手机号后收不到验证码",
        "短信验证码迟迟不来，无法登录",
        "验证码短信要十几分钟才收到",
        "登录时一直等不到短信验证码",
        "获取短信验证码失败，手机收不到",
        "绑定手机时收不到验证码短信",
        "重置密码时收不到短信验证码",
    ),
    (
        "微信支付成功但订单显示未支付",
        "付款成功了订单还是显示待付款",
        "支付宝已经扣款，订单仍显示未支付",
        "钱扣了但订单状态一直是未支付",
        "支付完成后订单一直显示待支付",
        "微信付了钱订单却提示未付款",
        "已经付款但订单显示待付款",
        "付款后订单没有更新，还是未支付",
        "扣款成功订单却显示未支付，会不会重复扣款",
        "支付成功后返回，订单仍显示未支付",
    ),
)
CATEGORY = {"功能问题": "feature", "产品建议": "feature", "体验问题": "experience", "投诉": "experience",
            "安全问题": "security", "账号": "security"}  # fmt: skip
SLOW = ("卡顿", "慢", "闪退", "占用", "加载", "不同步")
CHANNELS = ("app", "app", "app", "wechat", "phone", "web", "email")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ("小明", "丽", "静", "磊", "洋", "芳", "军", "敏", "婷", "杰", "浩", "雪", "鹏", "晨", "宇", "欣")
FIRST_REPLIES = (
    "您好，已收到您的反馈，我们正在核实，请稍候。",
    "您好，感谢反馈！麻烦提供一下手机型号和 App 版本号，方便我们排查。",
    "您好，这个问题我们已经在处理，预计今天内给您答复。",
    "您好，已为您登记并转给技术同事，有进展第一时间通知您。",
)
ASKS = ("麻烦您截个图发给我们，谢谢！", "请问您方便提供一下订单号吗？", "请问问题是从什么时候开始出现的？")
REQUESTER_REPLIES = (
    "截图已经上传了，麻烦看一下。",
    "订单号是 2024{n}，谢谢。",
    "从昨天晚上开始的，重启也没用。",
    "型号是 iPhone 13，版本 5.2.3。",
    "好的，等你们消息。",
)
RESOLUTIONS = (
    "您好，问题已处理完毕，请您再试一下，如仍有问题可直接回复。",
    "您好，已为您补发并核对完成，给您带来不便非常抱歉。",
    "您好，技术同事已修复该问题，新版本上线后即可恢复正常。",
    "您好，款项已原路退回，预计 1–3 个工作日到账。",
)
NOTES = ("查了日志，是第三方回调超时导致的。", "同类反馈本周已有多例，已同步产品。", "已核实用户身份，按流程处理。")
SCORES = (5,) * 72 + (4,) * 24 + (3,) * 2 + (2,) * 1 + (1,) * 1
RATING_COMMENTS = {5: "处理很快，谢谢！", 4: "问题解决了，就是等得有点久。", 2: "回复太慢了。", 1: "问题没有真正解决。"}


def months(plan: Plan) -> list[date]:
    """The first days of the six full months before the current one, then the current one's."""
    first = plan.today.replace(day=1)
    out = [first]
    for _ in range(6):
        out.insert(0, (out[0] - timedelta(days=1)).replace(day=1))
    return out


def desk_born(plan: Plan) -> datetime:
    return local(months(plan)[0] - timedelta(days=5), 9)


def _when(rng: random.Random, first: date, last: date) -> datetime:
    day = first + timedelta(days=rng.randint(0, max(0, (last - first).days)))
    return local(day, rng.randint(8, 21), rng.randint(0, 59))


Ticket = tuple[datetime, int, str, str, int, bool, bool]


def _quota(rng: random.Random, found: list[Ticket], share: tuple[float, ...], field: int) -> list[Ticket]:
    """Marks exactly `share[month]` of each month's tickets (chosen at random) in tuple slot `field`."""
    out: list[Ticket] = []
    for m in range(len(share)):
        group = [t for t in found if t[1] == m]
        chosen = set(rng.sample(range(len(group)), round(len(group) * share[m])))
        out += [(*t[:field], i in chosen, *t[field + 1 :]) for i, t in enumerate(group)]  # type: ignore[misc]
    return out


def _tickets(plan: Plan) -> list[Ticket]:
    """(created, month index, title, label, cluster or -1, resolved, late), in creation order: exactly
    `RESOLVED` of each month's tickets get resolved, and `BREACH` of them are answered late."""
    rng = random.Random(f"{SEED}:FB")
    starts = months(plan)
    found = []
    for m, count in enumerate(PER_MONTH):
        for _ in range(count):
            title, label, *_ = rng.choice(TICKETS[1:])
            found.append((_when(rng, starts[m], starts[m + 1] - timedelta(days=1)), m, title, label, -1, False, False))
    recent = max(0, (plan.today - starts[6]).days) * 2
    for _ in range(recent):
        title, label, *_ = rng.choice(TICKETS[1:])
        found.append((_when(rng, starts[6], plan.today), 5, title, label, -1, False, False))
    for c, texts in enumerate(CLUSTERS):
        for title in texts:
            label = "账号" if c == 0 else "支付问题"
            found.append((_when(rng, plan.today - timedelta(days=27), plan.today), 5, title, label, c, False, False))
    found = [t for t in found if t[0] < plan.now - timedelta(minutes=30)]
    found = _quota(rng, _quota(rng, found, RESOLVED, 5), BREACH, 6)
    found.sort(key=lambda t: t[0])
    first = found[0]
    found[0] = (first[0], first[1], TICKETS[0][0], TICKETS[0][1], -1, *first[5:])  # FB-1, as tests name it
    return found


def _category(title: str, label: str) -> str:
    return "performance" if any(w in title for w in SLOW) else CATEGORY.get(label, "other")


@dataclass
class _Ticket:
    """One ticket's steps, as its agent, its requester and the desk's admin take them."""

    plan: Plan
    ref: str
    agent: str

    @property
    def id(self) -> str:
        return task_id(self.ref)

    def say(self, part: str, body: str, at: datetime, *, public: bool = True) -> None:
        args = {"id": demo_id("reply", self.ref, part), "task_id": self.id, "body": body}
        self.plan.add(self.agent, "comment.create", args | ({"visibility": "public"} if public else {}), at)

    def move(self, status: int, at: datetime) -> None:
        self.plan.add(
            self.agent, "task.update", {"id": self.id, "set": {"status_id": self.plan.status_id("FB", status)}}, at
        )

    def escalate(self, at: datetime) -> None:
        args = {"id": self.id, "task_id": ESCALATED_TASK, "project_id": project_id("APP"), "title": ESCALATED_TITLE,
                "status_id": self.plan.status_id("APP", 0)}  # fmt: skip
        self.plan.add("wangwei", "ticket.escalate", args, at)


def _requester(rng: random.Random, title: str, label: str) -> dict[str, Any]:
    return {
        "requester_name": rng.choice(SURNAMES) + rng.choice(GIVEN),
        "requester_contact": f"1{rng.randint(30, 89)}****{rng.randint(1000, 9999)}",
        "channel": rng.choice(CHANNELS),
        "category": _category(title, label),
        "description": f"{title}。\n\n用户原话：{rng.choice(VOICES)}",
    }


def plan_desk(plan: Plan) -> None:
    pid, now = project_id("FB"), plan.now
    escalated = False
    for n, (created, month, title, label, cluster, resolves, late) in enumerate(_tickets(plan), 1):
        rng = random.Random(f"{SEED}:FB:{n}")
        severity, impact = rng.choice((1, 2, 2, 3, 3, 3, 4)), rng.choice((2, 3, 3, 4))
        policy = sla.DEFAULT_POLICIES[sla.priority_for(severity, impact)]
        args = {"id": task_id(f"FB-{n}"), "project_id": pid, "title": title, "severity": severity, "impact": impact}
        plan.add("zhaomin", "ticket.create", args | _requester(rng, title, label), created)
        ticket = _Ticket(plan, f"FB-{n}", rng.choice(AGENTS))
        assign = created + timedelta(minutes=rng.randint(3, 25) if month >= SWITCH else rng.randint(10, 90))
        share = rng.uniform(1.3, 3.0) if late else rng.uniform(0.1, 0.7)
        first = sla.add_business_time(policy, created, policy.target("first_response") * share)
        first = max(first, assign + timedelta(minutes=2))
        if assign < now:
            plan.add("zhaomin", "task.update", {"id": ticket.id, "set": {"assignee_id": user_id(ticket.agent)}}, assign)
        if first >= now - timedelta(minutes=5):
            continue  # not answered yet
        ticket.say("1", rng.choice(FIRST_REPLIES), first)
        step = first + timedelta(minutes=1)
        ticket.move(1, step)
        paused = timedelta()
        fresh = created > now - timedelta(days=4)
        if rng.random() < 0.3 or fresh:  # asks the requester, who answers on the portal (or has not yet)
            ask = step + timedelta(minutes=rng.randint(10, 120))
            if ask >= now:
                continue
            ticket.say("2", rng.choice(ASKS), ask)
            ticket.move(2, ask + timedelta(minutes=1))
            answer = ask + timedelta(hours=rng.randint(2, 30))
            if answer >= now - timedelta(minutes=5) or fresh:
                continue  # still waiting for the requester
            body = rng.choice(REQUESTER_REPLIES).format(n=rng.randint(10_000_000, 99_999_999))
            plan.add("", PORTAL_REPLY, {"ticket_id": ticket.id, "body": body}, answer)
            paused, step = answer - ask, answer
        if not resolves:
            continue
        share = rng.uniform(1.2, 2.5) if late and rng.random() < 0.7 else rng.uniform(0.2, 0.9)
        done = sla.add_business_time(policy, created, policy.target("resolution") * share) + paused
        done = max(done, step + timedelta(minutes=30))
        if done >= now - timedelta(minutes=10):
            continue
        if rng.random() < 0.3:
            ticket.say("note", rng.choice(NOTES), done - timedelta(minutes=20), public=False)
        ticket.say("3", rng.choice(RESOLUTIONS), done - timedelta(minutes=5))
        ticket.move(3, done)
        if cluster == 0 and not escalated:  # after every APP card exists, so APP's numbers hold
            escalated = True
            ticket.escalate(max(done, now - timedelta(hours=20)))
        rated = done + timedelta(hours=rng.randint(1, 48))
        if rng.random() < 0.65 and rated < now - timedelta(minutes=5):
            score = rng.choice(SCORES)
            rating = {"ticket_id": ticket.id, "score": score, "comment": RATING_COMMENTS.get(score)}
            plan.add("", PORTAL_RATE, rating, rated)
