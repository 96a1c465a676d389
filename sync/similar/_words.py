"""The word lists of the ticket tokenizer: stop words, the desk's own vocabulary and its synonyms.

Kept in code rather than data files so they travel inside a zipped bundle (Android ships pure Python
in a zip) without a path to open. They are small on purpose: words that say nothing about *which*
problem a ticket reports, and the few ways app users name the same thing.
"""

from __future__ import annotations

# Function words, pronouns, degree adverbs, particles, the filler of feedback ("一直", "请问",
# "怎么办") and the words of any complaint ("无法", "失败", "提示"): frequent in every ticket, they say
# nothing about which problem it reports and would only link unrelated tickets.
_ZH_STOP = """
的 了 着 过 吗 呢 吧 啊 呀 哦 嘛 么 哈 啦 喔 噢 嗯 哎 唉 诶
我 你 他 她 它 我们 你们 他们 她们 咱们 自己 大家 人家 别人 对方
这 那 这个 那个 这些 那些 这样 那样 这里 那里 这边 那边 哪 哪里 哪儿 什么 怎么 怎样 怎么样 为什么 如何 多少
是 有 在 就 都 也 还 又 再 才 只 很 太 非常 特别 比较 挺 真 好像 似乎 已经 一直 总是 老是 每次 经常 一下 一些 一点
和 与 及 或 或者 而 而且 但 但是 可是 不过 然后 因为 所以 如果 虽然 还是 就是 只是 于是 并且 以及
以后 之后 之前 后 前 时 时候
把 被 给 让 对 从 向 往 到 于 为 跟 比 用 以 关于 按
个 些 次 种 下 上 里 中 内 外 一 一个 一次 一样
能 能不能 可以 可不可以 会 要 想 得 地 说 看 看到 觉得 知道 请 请问 麻烦 谢谢 您好 你好 希望 建议 帮忙 帮 一下子
怎么办 咋办 咋 啥 为啥 不知道 问题 情况 现象 情况下 使用 用户 软件 应用 app 手机 今天 昨天 现在 刚才 突然
明明 根本 完全 全部 所有 任何 一点儿 有点 有些 好几 几个 好多 很多
不 没 没有 无法 不能 不了 没法 失败 成功 提示 显示 出现 发现 点 点击 点了 报 弹出 半天 好几次 最后 后来 结果
"""

_EN_STOP = """
a an the and or but if then so to of in on at for from by with without as is are was were be been being am
i me my we our you your he she it its they them their this that these those there here
do does did doing done have has had can could will would should may might must not no yes
please thanks thank hi hello app when what how why where after before again just all any some very too also
up out get got keep still every each cannot can't don't doesn't won't isn't
"""

STOP_WORDS: frozenset[str] = frozenset((_ZH_STOP + _EN_STOP).split())

# Words jieba's general dictionary splits but a desk keeps whole (夜间模式 would be 夜间 + 模式).
DOMAIN_WORDS: tuple[str, ...] = (
    "夜间模式", "深色模式", "暗黑模式", "深色主题", "验证码", "校验码", "优惠券", "满减券", "闪退", "秒退",
    "卡顿", "掉帧", "黑屏", "白屏", "自动续费", "连续包月", "二维码", "扫一扫", "网页版", "网页端",
    "收货地址", "实名认证", "人脸识别", "开屏广告", "朋友圈", "好友申请", "黑名单", "语音消息", "语音条",
    "客服热线", "人工客服", "在线客服", "电子发票", "物流信息", "连播", "横屏",
)  # fmt: skip

# Different words for one thing in app feedback, each mapped to the word that stands for it. Only
# whole tokens are mapped (after segmentation), and only where the words mean the same to a user.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "闪退": ("崩溃", "秒退", "crash", "闪崩", "崩了"),
    "卡顿": ("很卡", "卡死", "掉帧", "不流畅", "lag"),
    "登录": ("登陆", "登入", "登上", "登不上", "login"),
    "通知": ("推送", "提醒", "提示音", "横幅", "push", "notification"),
    "深色模式": ("夜间模式", "暗黑模式", "深色主题", "暗色模式", "夜间", "暗黑", "深色", "dark"),
    "优惠券": ("券", "满减券", "红包", "coupon"),
    "支付": ("付款", "付费", "付钱", "扣款", "扣费", "扣钱", "待付款", "待支付", "pay"),
    "验证码": ("校验码", "短信码", "验证短信"),
    "退款": ("退钱", "退回", "退费", "refund"),
    "二维码": ("qr",),
    "扫码": ("扫一扫", "扫描"),
    "网页版": ("网页端", "web", "网页", "浏览器"),
    "客服": ("人工客服", "在线客服", "客服热线"),
    "注销": ("销户",),
    "头像": ("avatar",),
    "耗电": ("费电",),
    "发热": ("发烫", "烫"),
    "字体": ("字号",),
    "续费": ("自动续费", "续订", "包月", "连续包月"),
    "英文": ("english", "英语"),
    "发票": ("开票",),
    "签到": ("打卡",),
    "取消": ("撤销", "撤回"),
    "收藏": ("收藏夹",),
    "平板": ("ipad",),
    "拉黑": ("黑名单", "屏蔽"),
    "快递": ("物流", "包裹", "物流信息"),
    "地址": ("收货地址", "收件地址"),
}

SYNONYMS: dict[str, str] = {variant: word for word, variants in _SYNONYMS.items() for variant in variants}
