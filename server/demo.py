"""Demo data: one company's product board, 双十一 campaign and feedback desk, seeded through the write path.

Every step is a mutation (or a requester's portal step) applied by the server's own handlers as the
person who would have done it, at the time it would have happened (server/demo_runner.py): months of
history whose task rows, `task_event`s, tickets, comments, notifications and pull feed agree, as real
use would have made them. This module holds the product and campaign content; server/demo_timeline.py
dates it (iterations, dependencies, the release milestone), server/demo_desk.py writes the desk's six
months. Ids and texts are fixed (uuid5 of names, a seeded random), so tests can name a card:
`task_id("APP-1")`. Times are relative to the seeding time, so "overdue" and "due soon" stay meaningful.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from server import demo_desk, demo_timeline
from server.db import Database
from server.demo_plan import (
    BY_HANDLE,
    DEMO_DOMAIN,
    DEMO_EMAIL,
    DEMO_PASSWORD,
    PAUSING,
    PEOPLE,
    PROJECTS,
    SEED,
    SPECS,
    WORKERS,
    Plan,
    demo_id,
    local,
    project_id,
    task_id,
    user_id,
)
from server.demo_runner import DemoSeedError, Op, run
from server.feed import Tx, utcnow
from server.mutations.projects import DEFAULT_STATUSES
from server.mutations.tickets import DESK_STATUSES
from server.security import Passwords
from server.tables import projects as projects_table
from server.tables import statuses as statuses_table
from server.tables import users as users_table

__all__ = [
    "DEMO_DOMAIN", "DEMO_EMAIL", "DEMO_PASSWORD", "PEOPLE", "SEED", "DemoSeedError", "demo_id", "project_id",
    "seed_demo", "task_id", "user_id",
]  # fmt: skip

DELIVERABLES = {
    "p": "需求文档（PRD）与验收标准",
    "d": "交互稿与视觉稿（Figma）",
    "b": "代码合入 main 分支并通过 Code Review",
    "q": "测试用例与测试报告",
    "m": "执行方案与排期表",
    "s": "客服话术与 FAQ",
}

# --- content ---------------------------------------------------------------------------------

# (title, background, goals, priority, labels, status index, subtasks [(worker letter, title)])
APP_REQUIREMENTS: list[tuple[str, str, list[str], str, list[str], int, list[tuple[str, str]]]] = [
    (
        "首页信息流改版：支持个性化推荐",
        "当前首页按发布时间排序，新用户次日留存只有 32%，用户调研里“首页内容和我无关”排第一。",
        ["首页点击率提升 15%", "新用户次日留存提升到 36%", "推荐可一键关闭，满足合规要求"],
        "high",
        ["iOS", "Android", "推荐"],
        2,
        [
            ("d", "输出首页信息流交互稿与视觉稿"),
            ("b", "推荐接口对接与灰度开关"),
            ("b", "信息流卡片组件重构"),
            ("p", "推荐位曝光与点击埋点方案"),
            ("q", "首页改版回归测试"),
        ],
    ),
    (
        "新用户引导流程优化",
        "注册到首单的转化只有 8.5%，埋点显示 40% 的新用户在兴趣选择页流失。",
        ["引导步骤从 5 步压缩到 3 步", "注册到首单转化提升到 11%"],
        "high",
        ["增长", "体验优化"],
        4,
        [
            ("p", "梳理新手引导漏斗数据"),
            ("d", "设计三步式引导页"),
            ("b", "引导页开发与 A/B 实验配置"),
        ],
    ),
    (
        "支付页改版：接入数字人民币",
        "合作银行要求年底前支持数字人民币支付，同时支付页的跳出率偏高（12%）。",
        ["支持数字人民币钱包支付", "支付页跳出率降到 9% 以下"],
        "urgent",
        ["支付", "iOS", "Android"],
        3,
        [
            ("b", "数字人民币 SDK 接入"),
            ("d", "支付结果页重新设计"),
            ("b", "支付链路压测"),
            ("q", "支付异常场景测试（断网、重复支付、超时）"),
        ],
    ),
    (
        "会员体系 2.0：成长值与等级权益",
        "现有会员只有“普通 / VIP”两档，运营无法做分层权益，复购率增长停滞。",
        ["上线 V1–V6 六档等级", "成长值规则可在后台配置", "会员复购率提升 5%"],
        "medium",
        ["会员", "后端"],
        1,
        [
            ("p", "成长值规则设计文档评审"),
            ("d", "会员中心页面设计"),
            ("b", "等级权益配置后台"),
            ("b", "成长值计算定时任务"),
        ],
    ),
    (
        "小程序商品详情页性能优化",
        "小程序商品详情页首屏耗时 P90 为 3.8 秒，低端机上更慢，直接影响转化。",
        ["首屏耗时 P90 降到 2 秒以内", "包体积控制在 2MB 主包以内"],
        "high",
        ["小程序", "性能"],
        2,
        [
            ("b", "首屏渲染耗时分析"),
            ("b", "图片懒加载与 WebP 适配"),
            ("b", "分包加载改造"),
            ("q", "性能基线对比测试"),
        ],
    ),
    (
        "消息中心重构：通知分类与免打扰",
        "用户投诉推送太多，关闭通知的比例三个月上升了 6 个百分点。",
        ["消息分为交易、互动、活动三类", "支持分类免打扰和夜间免打扰", "通知关闭率下降 3 个百分点"],
        "medium",
        ["消息", "体验优化"],
        1,
        [
            ("d", "消息分类与免打扰交互稿"),
            ("b", "消息中心服务端接口"),
            ("b", "厂商推送通道接入（华为、小米、OPPO、vivo）"),
        ],
    ),
    (
        "搜索联想词与热搜榜",
        "搜索无结果率 7%，大量用户输入错别字或不完整的商品名。",
        ["联想词覆盖 90% 的高频搜索词", "无结果率降到 4%"],
        "medium",
        ["搜索"],
        4,
        [
            ("b", "联想词接口优化"),
            ("p", "热搜榜运营配置后台需求"),
            ("q", "搜索结果页埋点验证"),
        ],
    ),
    (
        "账号安全：异地登录提醒与设备管理",
        "上季度有 23 起账号被盗投诉，用户无法查看和下线登录过的设备。",
        ["异地登录实时提醒", "设备管理页可一键下线其他设备"],
        "high",
        ["安全", "账号"],
        3,
        [
            ("d", "设备管理页设计"),
            ("b", "异地登录风控规则"),
            ("b", "设备管理接口与一键下线"),
            ("q", "账号安全场景测试"),
        ],
    ),
    (
        "深色模式适配",
        "应用商店评论里“希望有深色模式”出现 300+ 次，iOS 系统深色模式用户占比 41%。",
        ["核心页面全部适配深色模式", "跟随系统自动切换"],
        "low",
        ["iOS", "Android", "体验优化"],
        1,
        [
            ("d", "深色模式色板规范"),
            ("b", "核心页面深色模式适配"),
            ("q", "深色模式截图走查"),
        ],
    ),
    (
        "订单列表支持按状态筛选与搜索",
        "老用户订单多，找一笔历史订单平均要滑动 20 秒以上。",
        ["支持按状态筛选", "支持按商品名和订单号搜索"],
        "medium",
        ["订单"],
        4,
        [
            ("d", "订单筛选交互稿"),
            ("b", "订单搜索接口（ES 索引）"),
        ],
    ),
    (
        "评价晒单支持视频上传",
        "带视频的评价转化率是纯文字评价的 2.3 倍，但目前只能上传图片。",
        ["支持 60 秒以内视频", "上传前自动压缩，失败可重试"],
        "medium",
        ["评价", "内容"],
        0,
        [
            ("b", "视频转码与审核接入"),
            ("d", "晒单页视频上传交互"),
        ],
    ),
    (
        "客服入口统一与智能客服接入",
        "App 内有 5 个不同的客服入口，体验不一致，人工客服压力大。",
        ["统一为一个客服入口", "智能客服拦截 50% 的常见问题"],
        "high",
        ["客服", "体验优化"],
        0,
        [("p", "梳理常见问题与知识库")],
    ),
    (
        "隐私合规：个人信息收集清单与第三方 SDK 自查",
        "应用商店审核新规要求展示个人信息收集清单，并逐一说明第三方 SDK 的用途。",
        ["上线《个人信息收集清单》页面", "完成全部第三方 SDK 自查并留档"],
        "urgent",
        ["合规"],
        2,
        [
            ("p", "第三方 SDK 清单与用途说明"),
            ("b", "隐私弹窗前禁止 SDK 初始化"),
            ("q", "合规检测工具扫描"),
        ],
    ),
    (
        "iPad 横屏适配",
        "iPad 用户占 iOS 用户的 6%，横屏下大量页面拉伸变形。",
        ["首页、商品详情、订单页支持横屏双栏布局"],
        "low",
        ["iOS"],
        0,
        [],
    ),
]

APP_BUGS: list[tuple[str, str, str]] = [
    ("【Android】部分华为机型首页下拉刷新卡顿", "华为 Mate 40 / HarmonyOS 4.0", "high"),
    ("【iOS】iOS 17 上分享到微信后无法返回 App", "iPhone 15 / iOS 17.4", "urgent"),
    ("【小程序】购物车数量角标不刷新", "微信 8.0.47 / iOS", "medium"),
    ("优惠券叠加计算错误，实付金额多扣 0.01 元", "全平台", "urgent"),
    ("订单详情页物流信息偶现为空", "Android 13", "high"),
    ("深色模式下搜索框文字看不清", "iPhone 13 / iOS 17.2", "low"),
    ("启动页广告倒计时结束后白屏 1 秒", "Android 12", "medium"),
    ("退出登录后推送仍显示上一个账号的昵称", "小米 13 / MIUI 14", "high"),
    ("生日礼包领取接口偶发 500", "服务端", "high"),
    ("图片超过 10MB 时上传失败且没有提示", "全平台", "medium"),
    ("切换收货地址后运费未重新计算", "iOS / Android", "high"),
    ("iPad 横屏时底部导航栏错位", "iPad Air 5 / iPadOS 17", "low"),
    ("会员到期提醒推送重复发送", "服务端", "medium"),
    ("Android 13 通知权限弹窗文案错误", "Pixel 7 / Android 13", "low"),
    ("商品详情页视频静音按钮无效", "iOS", "medium"),
    ("分享海报二维码在部分机型上无法识别", "OPPO Reno 10", "medium"),
    ("积分明细时间显示为 UTC 时间", "全平台", "low"),
    ("评价列表翻页后出现重复数据", "服务端", "medium"),
]

APP_TASKS: list[tuple[str, str, str, list[str]]] = [
    ("整理 5.3.0 版本发布说明", "p", "medium", ["发版"]),
    ("Android targetSdk 升级到 34", "b", "high", ["Android"]),
    ("迭代计划评审会（第 46 周）", "p", "medium", ["会议"]),
    ("补齐消息中心接口文档", "b", "low", ["文档"]),
    ("更新应用商店截图与描述", "d", "low", ["发版"]),
    ("崩溃率周报：修复 Top 5 崩溃", "q", "high", ["稳定性"]),
    ("自动化测试用例迁移到新框架", "q", "medium", ["测试"]),
    ("设计系统组件库同步到 Figma", "d", "low", ["设计规范"]),
    ("灰度发布平台接入新版本", "b", "medium", ["发版"]),
    ("用户访谈：10 位高频用户", "p", "medium", ["用户研究"]),
    ("竞品分析：三家头部电商的会员体系", "p", "low", ["用户研究"]),
    ("接口超时告警阈值调整", "b", "high", ["稳定性"]),
]

# (parent title, priority, status index, [(worker letter, subtask title)])
CAMPAIGN_TRACKS: list[tuple[str, str, int, list[tuple[str, str]]]] = [
    (
        "活动整体策划与预算",
        "urgent",
        3,
        [
            ("m", "确定活动目标与核心 KPI（GMV、新客数）"),
            ("m", "预算拆分与审批"),
            ("p", "活动规则确认：满减、跨店、定金膨胀"),
            ("m", "活动排期总表"),
        ],
    ),
    (
        "主会场与分会场页面",
        "high",
        2,
        [
            ("d", "主会场 KV 与视觉规范"),
            ("d", "分会场页面设计（美妆、数码、家居）"),
            ("b", "会场页面搭建与配置"),
            ("b", "会场页面性能与兼容性测试"),
        ],
    ),
    (
        "优惠券与互动玩法",
        "high",
        2,
        [
            ("p", "满 300 减 50 跨店券规则配置"),
            ("b", "优惠券发放与核销链路压测"),
            ("p", "签到领红包玩法上线"),
            ("m", "玩法说明文案与 FAQ"),
        ],
    ),
    (
        "站外投放",
        "high",
        2,
        [
            ("m", "抖音信息流投放素材准备"),
            ("m", "小红书达人种草排期"),
            ("m", "微信朋友圈广告定向与出价"),
            ("m", "投放数据日报"),
        ],
    ),
    (
        "直播带货",
        "high",
        1,
        [
            ("m", "直播间选品与价格机制"),
            ("m", "主播脚本与话术"),
            ("d", "直播间背景与贴片设计"),
            ("s", "直播期间客服值班排班"),
        ],
    ),
    (
        "会员与私域运营",
        "medium",
        1,
        [
            ("m", "会员专享日权益设计"),
            ("m", "企业微信社群预热节奏"),
            ("m", "短信与 Push 触达人群包"),
            ("d", "私域海报与裂变素材"),
        ],
    ),
    (
        "大促技术保障",
        "urgent",
        1,
        [
            ("b", "全链路压测：下单、支付、库存"),
            ("b", "核心接口限流与降级预案"),
            ("b", "11 月 10 日晚值班表与作战室"),
            ("b", "实时数据大屏搭建"),
        ],
    ),
    (
        "客服与售后保障",
        "medium",
        1,
        [
            ("s", "大促客服话术与 FAQ 更新"),
            ("s", "临时客服培训"),
            ("s", "售后绿色通道流程"),
            ("s", "物流延迟安抚预案"),
        ],
    ),
    (
        "品牌联名与跨界合作",
        "medium",
        0,
        [
            ("m", "联名品牌方案沟通"),
            ("d", "联名礼盒包装设计"),
        ],
    ),
    (
        "活动复盘",
        "medium",
        0,
        [
            ("m", "活动数据汇总：GMV、UV、转化率、客单价"),
            ("m", "投放 ROI 分析"),
            ("p", "复盘会议纪要与改进项"),
        ],
    ),
]

CAMPAIGN_TASKS: list[tuple[str, str, str, int]] = [
    ("与品牌方确认联合营销合同", "m", "high", 3),
    ("活动页广告法合规审核", "p", "urgent", 2),
    ("双十一倒计时 H5", "d", "medium", 2),
    ("员工内购专场通知", "s", "low", 0),
    ("大促期间舆情监控", "s", "medium", 1),
    ("竞品活动玩法调研", "m", "medium", 3),
    ("供应商备货与库存确认", "m", "urgent", 2),
    ("活动期间客诉日报", "s", "medium", 1),
    ("大促专属客服入口配置", "b", "medium", 2),
    ("合作媒体新闻稿", "m", "low", 0),
    ("门店联动：线下扫码领券", "m", "medium", 1),
]

COMMENTS = {
    "product": [
        "交互稿已更新到 Figma，{m}帮忙看一下第 3 页的空状态。",
        "接口文档已补充，新增字段 `recommend_id`，旧版本客户端忽略即可。",
        "灰度 5% 先跑两天，数据没问题再放量。",
        "这个需求和运营那边对过了，优先级不变。",
        "{m}测试环境已部署，可以开始提测了。",
        "复现了：Android 13 + 低内存机型必现，已定位到图片缓存策略。",
        "已修复，跟下个版本一起发。",
        "埋点方案：\n\n| 事件 | 说明 |\n|---|---|\n| feed_expose | 卡片曝光 |\n| feed_click | 卡片点击 |",
        "评审结论：\n\n1. 首期只做 iOS 和 Android\n2. 小程序下个迭代跟进\n3. 数据看板由数据组支持",
        "{m}这个周五之前能给到吗？周一要对齐上线节奏。",
        "+1，用户反馈里也提到过好几次。",
        "UI 走查发现两处间距不一致，已经在设计稿里标注。",
        "{m}这里的异常状态需要产品确认一下文案。",
        "Code Review 通过，已合入 main。",
    ],
    "campaign": [
        "预算已过审，按 60% 预热期 / 40% 爆发期拆分。",
        "{m}主 KV 终稿今晚能出吗？投放素材明天上午要提交审核。",
        "达人名单已确认 12 位，排期见共享表格。",
        "直播脚本初稿完成，重点讲清楚满减叠加规则。",
        "{m}优惠券面额和门槛请再确认一下，财务那边有疑问。",
        "短信触达人群包已圈好，约 38 万人。",
        "昨天预热页 UV 12.6 万，转化率 3.2%，比去年同期高。",
        "物料已寄出，顺丰单号发群里了。",
        "复盘会定在活动结束后第二天下午，大家提前准备数据。",
        "压测结果：峰值 QPS 2.4 万，下单接口 P99 180ms，符合预期。",
        "{m}这个需要法务看一下，“全网最低价”不能用。",
        "已和品牌方确认，赠品库存 5000 份。",
    ],
    "service_desk": [
        "已联系用户，确认为 5.2.0 版本问题，升级后恢复。",
        "{m}看起来是后端问题，麻烦帮忙查一下日志。",
        "用户补充了截图和录屏，已附在工单里。",
        "同类反馈本周已有 7 例，建议升级为缺陷。",
        "已回访，用户表示满意。",
        "退款已原路退回，预计 1–3 个工作日到账。",
        "{m}这个建议很有价值，能否纳入下个迭代评估？",
        "已安抚用户情绪，并赠送 10 元无门槛券。",
        "查了日志，是第三方支付回调超时导致的，已补单。",
        "等待用户回复中，48 小时无回复将自动关闭。",
        "{m}麻烦确认一下这个账号最近的登录设备。",
    ],
}


# --- the plan: what each card is and where it ends -------------------------------------------


def _requirement_text(background: str, goals: list[str], subtasks: list[tuple[str, str]]) -> str:
    lines = ["## 背景", "", background, "", "## 目标", ""]
    lines += [f"- {g}" for g in goals]
    lines += ["", "## 验收标准", ""]
    lines += [f"- [ ] {g}" for g in goals]
    if subtasks:
        lines += ["", "## 拆分", ""]
        lines += [f"{i}. {title}（{BY_HANDLE[WORKERS[w]].name}）" for i, (w, title) in enumerate(subtasks, 1)]
    return "\n".join(lines)


def _subtask_text(parent_title: str, worker: str) -> str:
    return f"属于需求「{parent_title}」。\n\n**交付物**：{DELIVERABLES[worker]}\n\n完成后在评论里附上链接。"


def _sub_status(parent: int, worker: str, last: int) -> int:
    """A subtask's status, consistent with its parent's (designs finish before code, tests come last)."""
    if parent in (0, last):
        return parent
    if worker == "d":
        return last if parent >= 2 else 1
    if worker in ("p", "m", "s"):
        return last if parent >= 2 else parent
    if worker == "q":
        return parent if parent >= 3 else 0
    return min(parent, last - 1) if parent >= 2 else 0


def _plan_product(plan: Plan) -> None:
    key, rng, last = "APP", plan.rng, len(SPECS["APP"].statuses) - 1
    parents = []
    for title, background, goals, priority, labels, status, subtasks in APP_REQUIREMENTS:
        text = _requirement_text(background, goals, subtasks)
        assignee = "wangwei" if rng.random() < 0.8 else "lina"
        card = plan.card(key, "wangwei", title, text, status=status, assignee=assignee, type_="requirement",
                         priority=priority, labels=labels, worker="p")  # fmt: skip
        parents.append((card.ref, title, status, labels, subtasks))
    for ref, title, status, labels, subtasks in parents:
        for worker, sub_title in subtasks:
            handle = WORKERS[worker]
            plan.card(
                key, rng.choice(["wangwei", handle]), sub_title, _subtask_text(title, worker),
                status=_sub_status(status, worker, last), assignee=handle, type_="task",
                priority=rng.choice(["high", "medium", "medium", "low"]), labels=labels[:1], parent=ref,
                estimate=rng.choice([0.5, 1.0, 2.0, 3.0, 5.0]), worker=worker,
            )  # fmt: skip
    for title, env, priority in APP_BUGS:
        status = rng.choice([0, 2, 2, 3, 3, 4, 4])
        text = (
            f"**环境**：{env}，星河 App 5.2.{rng.randint(0, 3)}\n\n**复现步骤**\n\n1. 打开 App 并登录\n"
            f"2. 进入相关页面执行操作\n3. 观察现象：{title}\n\n**期望结果**：功能正常，无报错\n\n"
            f"**复现概率**：{rng.choice(['必现', '约 50%', '偶现（约 10%）'])}"
        )
        fixer = None if status == 0 and rng.random() < 0.5 else "zhangqiang"  # some bugs wait for triage
        plan.card(key, "liuyang", title, text, status=status, assignee=fixer, type_="bug", priority=priority,
                  labels=["缺陷"], worker="b")  # fmt: skip
    for title, worker, priority, labels in APP_TASKS:
        handle = WORKERS[worker]
        plan.card(key, rng.choice(["wangwei", handle]), title, "", status=rng.choice([0, 1, 2, 4]), assignee=handle,
                  type_="task", priority=priority, labels=labels, worker=worker)  # fmt: skip


def _plan_campaign(plan: Plan) -> None:
    key, rng, last = "DOUBLE", plan.rng, len(SPECS["DOUBLE"].statuses) - 1
    parents = []
    for title, priority, status, subtasks in CAMPAIGN_TRACKS:
        text = f"## {title}\n\n大促工作流之一，负责人对整体进度负责，子任务见下方。\n\n" + "\n".join(
            f"- {t}（{BY_HANDLE[WORKERS[w]].name}）" for w, t in subtasks
        )
        card = plan.card(key, "chenjing", title, text, status=status, assignee="chenjing", type_="requirement",
                         priority=priority, labels=[], worker="m")  # fmt: skip
        parents.append((card.ref, title, status, subtasks))
    phases = ["预热期", "爆发期", "返场期"]
    for ref, title, status, subtasks in parents:
        for worker, sub_title in subtasks:
            sub_status = (
                status if status in (0, last) else rng.choice([status - 1, status, status, min(status + 1, last)])
            )
            plan.card(
                key, "chenjing", sub_title, _subtask_text(title, worker), status=max(sub_status, 0),
                assignee=WORKERS[worker], type_="task", priority=rng.choice(["urgent", "high", "medium", "medium"]),
                labels=[rng.choice(phases)], parent=ref, worker=worker,
            )  # fmt: skip
    for title, worker, priority, status in CAMPAIGN_TASKS:
        plan.card(key, "chenjing", title, "", status=status, assignee=WORKERS[worker], type_="task",
                  priority=priority, labels=[rng.choice(phases)], worker=worker)  # fmt: skip


def _plan_comments(plan: Plan) -> None:
    """Conversations on about half of the product and campaign cards, some with @mentions, each while
    the card was being worked on (between its creation and its last move, or now)."""
    rng = plan.rng
    for card in plan.cards:
        if rng.random() > 0.5 or card.created is None:
            continue
        spec = SPECS[card.project]
        people = plan.members(card.project)
        pool = COMMENTS[spec.kind]
        end = max(card.settled or card.created, card.created + timedelta(hours=2))
        end = min(end + timedelta(days=2), plan.now - timedelta(minutes=5))
        for i in range(rng.choice([1, 1, 2, 3])):
            author = card.assignee if i == 0 and card.assignee else rng.choice(people)
            body = rng.choice(pool)
            if "{m}" in body:
                others = [h for h in plan.members(card.project, writers_only=True) if h != author]
                who = BY_HANDLE[rng.choice(others)]
                body = body.replace("{m}", f"@{who.name if rng.random() < 0.6 else who.handle} ")
            at = card.created + (end - card.created) * (i + 1 + rng.random()) / 4.5
            args = {"id": demo_id("comment", f"{card.ref}#{i + 1}"), "task_id": task_id(card.ref), "body": body}
            plan.add(author, "comment.create", args, max(at, card.created + timedelta(minutes=1)))


def _plan_projects(plan: Plan, born: dict[str, datetime]) -> tuple[list[Op], list[Op]]:
    """Each project's creation, and its statuses and members a few minutes later."""
    year = plan.today.year
    projects: list[Op] = []
    setup: list[Op] = []
    for spec in PROJECTS:
        pid, at, owner = project_id(spec.key), born[spec.key], user_id(spec.owner)
        args = {"id": pid, "name": spec.name.format(year=year), "key": spec.key, "kind": spec.kind,
                "description": spec.description}  # fmt: skip
        projects.append(Op(owner, "project.create", args, at))
        for i, (name, category) in enumerate(spec.statuses):
            status = {"id": plan.status_id(spec.key, i), "project_id": pid, "name": name, "category": category,
                      "position": f"b{i}", "pauses_sla": name in PAUSING and spec.kind == "service_desk"}  # fmt: skip
            setup.append(Op(owner, "status.create", status, at + timedelta(minutes=1)))
        for handle, role in spec.roles.items():
            member = {"project_id": pid, "user_id": user_id(handle), "role": role}
            setup.append(Op(owner, "member.put", member, at + timedelta(minutes=2)))
    return projects, setup


def build_plan(now: datetime) -> tuple[Plan, list[Op], list[Op]]:
    """The whole demo: the projects and their setup, then every later step in `plan.ops`."""
    plan = Plan(now)
    _plan_product(plan)
    _plan_campaign(plan)
    born = {"APP": demo_timeline.app_born(plan), "DOUBLE": demo_timeline.campaign_born(plan),
            "FB": demo_desk.desk_born(plan)}  # fmt: skip
    projects, setup = _plan_projects(plan, born)
    demo_timeline.date_product(plan)
    demo_timeline.date_campaign(plan)
    _plan_comments(plan)
    demo_desk.plan_desk(plan)
    # Everyone has read what reached them until five days ago (a calendar time, so two seeds on one
    # day agree); what came since is unread.
    read_at = local(plan.today - timedelta(days=5), 9)
    plan.ops += [Op(p.id, "notification.read", {"all": True}, read_at) for p in PEOPLE]
    return plan, projects, setup


# --- seeding ---------------------------------------------------------------------------------


def _empty(db: Database) -> bool:
    with db.read() as conn:
        return (
            conn.execute(sa.select(users_table.c.id).limit(1)).first() is None
            and conn.execute(sa.select(projects_table.c.id).limit(1)).first() is None
        )


def _insert_users(db: Database, passwords: Passwords, at: datetime) -> bool:
    hashes = {p.handle: passwords.hash(DEMO_PASSWORD) for p in PEOPLE}  # slow: outside the writer lock
    with db.write() as conn:
        if conn.execute(sa.select(users_table.c.id).limit(1)).first() is not None:
            return False  # someone else got there first
        tx = Tx(conn)
        for person in PEOPLE:
            row = {
                "id": person.id,
                "email": person.email,
                "display_name": person.name,
                "password_hash": hashes[person.handle],
                "created_at": at,
            }
            conn.execute(users_table.insert().values(**row))
            tx.emit("user", row)  # every user row is in the feed
        tx.finish()
    return True


def _default_statuses(db: Database) -> list[tuple[str, str]]:
    """The statuses `project.create` made (To do / Doing / Done, a desk's own five; their ids are the server's)."""
    names = [name for name, _, _ in (*DEFAULT_STATUSES, *DESK_STATUSES)]
    ours = [demo_id("status", s.key, name) for s in PROJECTS for name, _ in s.statuses]
    with db.read() as conn:
        rows = conn.execute(
            sa.select(statuses_table.c.project_id, statuses_table.c.id)
            .where(
                statuses_table.c.project_id.in_([project_id(s.key) for s in PROJECTS]),
                statuses_table.c.name.in_(names),
                statuses_table.c.id.not_in(ours),
                statuses_table.c.deleted.is_(False),
            )
            .order_by(statuses_table.c.project_id, statuses_table.c.position)
        ).all()
    return [(str(pid), str(sid)) for pid, sid in rows]


def seed_demo(db: Database, *, passwords: Passwords | None = None, now: datetime | None = None) -> bool:
    """Fills an empty database with the demo; returns False (and changes nothing) when it is not empty."""
    if not _empty(db):
        return False
    now = now or utcnow()
    plan, projects, setup = build_plan(now)
    if not _insert_users(db, passwords or Passwords(3, 65536), min(op.at for op in projects) - timedelta(days=1)):
        return False
    run(db, projects)
    owners = {op.args["id"]: (op.actor, op.at) for op in projects}
    defaults = [
        Op(owners[pid][0], "status.delete", {"id": sid}, owners[pid][1] + timedelta(minutes=3))
        for pid, sid in _default_statuses(db)
    ]
    run(db, setup + defaults)
    run(db, plan.ops)
    return True
