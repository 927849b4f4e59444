"""The keyword tables behind :mod:`winback.analyse.reasons.lexicon`, as data.

Each table maps a reason to its patterns, written compactly: Chinese as ``词:strength``
separated by spaces, English as ``regex=strength`` separated by ``;``. Strength in (0, 1]
says how surely the pattern alone points at the reason (1: "余额不足"; 0.3: a word that only
leans that way).

Chinese patterns are matched on the NFKC-normalised, lower-cased text. A pattern that starts
with ``=`` must equal one whole jieba token and is skipped right after a negator
(``=贵`` hits "太 贵" but not "贵州" or "不 贵"); every other pattern is a substring, for
phrases jieba splits badly ("没人理" → "没 / 人理"). English patterns are regular
expressions matched on the lower-cased text, not inside a Latin word.

The seeds' wording (一时冲动, 余额不足, 发现更实惠, 不信任, 客服态度差, 价格谈不拢, 缺货,
服务不及时, 运费, 配送慢, 退货政策, 付款方式, 强制注册, 网站问题, 客服让重拍) is here
verbatim; the rest comes from how buyers write on cancel forms, in chats and in surveys.
"""

from __future__ import annotations

from typing import Final

from winback.analyse.reasons.taxonomy import LossReason as R

Table = dict[R, str]

ZH: Final[Table] = {
    R.CHANGED_MIND: (
        "不想买:1 不想要:1 不要了:0.6 拍错:1 多拍:1 填错:1 写错:0.8 "
        "选错:0.8 信息填写错误:1 冲动:1 不需要:0.8 用不上:0.8 用不着:0.8 "
        "考虑:0.6 买重复:1 买过了:0.6 手滑:1 没想好:0.8 计划有变:0.8 "
        "不买了:0.4 算了:0.2"
    ),
    R.INSUFFICIENT_FUNDS: (
        "余额不足:1 余额不够:1 没钱:1 钱不够:1 额度不够:1 额度不足:1 发工资:1 "
        "工资:0.6 刷爆:1 超支:1 手头:0.8 吃土:1 生活费:0.8 零钱不够:1 "
        "月底:0.4 资金:0.6 周转:0.8 =穷:0.6 钱还没到账:1"
    ),
    R.FOUND_CHEAPER: (
        "更便宜:1 更实惠:1 更划算:1 便宜多了:1 价格更低:1 别家:0.6 "
        "别的店:0.6 隔壁:0.6 同款:0.6 拼多多:0.8 京东:0.4 抖音:0.4 "
        "直播间:0.4 官网:0.4 实体店:0.4 比你家:0.8 比你们:0.6 "
        "半价:0.6 一半价:0.8 渠道:0.4"
    ),
    R.DISTRUST: (
        "假货:1 高仿:1 正品:0.8 不靠谱:1 不放心:1 不信任:1 被骗:1 骗子:1 "
        "授权:0.8 信誉:1 保障:0.6 二手:0.6 翻新:0.8 防伪:0.8 "
        "不敢买:0.8 不敢下手:0.8 不敢拍:0.8 没底:1 差评:0.6 "
        "私下付款:0.8 卖过假:1 =假:0.6"
    ),
    R.POOR_SERVICE_ATTITUDE: (
        "态度:1 不耐烦:1 很冲:0.8 这么冲:0.8 爱答不理:1 爱搭不理:1 恶劣:1 "
        "怼:1 敷衍:1 阴阳怪气:1 骂:0.8 礼貌:0.8 =凶:0.8 好凶:1 "
        "不友好:1 嫌烦:1 爱买不买:1 欠钱:0.6 拉黑:0.4"
    ),
    R.PRICE_NOT_AGREED: (
        "谈不拢:1 谈不下来:1 砍价:1 议价:1 便宜点:0.6 少点:0.8 再少:0.8 "
        "优惠:0.4 打折:0.4 改价:0.8 =太贵:0.6 =贵:0.4 "
        "价格太高:0.6 一分不让:1 不让价:1 接受不了:0.4 超出预算:0.6 "
        "批发价:0.6 赠品:0.3"
    ),
    R.OUT_OF_STOCK: (
        "缺货:1 没货:1 断码:1 断货:1 售罄:1 卖完:1 库存:0.8 补货:0.8 "
        "没现货:1 没有我要的:0.8 尺码:0.6 码没有:0.8 码数:0.5 "
        "没有了:0.3 颜色:0.3"
    ),
    R.SLOW_SERVICE: (
        "不回:1 没人回:1 没人理:1 没人接:1 没人处理:1 没人解答:1 没回:0.8 "
        "回复太慢:1 服务不及时:1 不及时:0.8 找不到人:1 没有答复:1 没答复:1 "
        "自动回复:0.8 没下文:1 人呢:0.8 半天:0.6 等你们回复:0.8"
    ),
    R.EXTRA_COSTS: (
        "运费:1 邮费:1 包邮:0.8 服务费:1 手续费:0.6 安装费:1 包装费:1 "
        "加收:0.8 =税:0.8 交税:0.8 税费:1 到付:0.6 门槛:0.4"
    ),
    R.SLOW_DELIVERY: (
        "发货太慢:1 发货慢:1 太慢:0.5 物流:0.6 快递:0.5 配送:0.6 "
        "到货:0.6 等不了:0.8 等不及:0.8 来不及:0.8 赶不上:1 急用:1 "
        "预售:0.8 揽收:1 没发货:1 不发货:0.8 顺丰:0.6 邮政:0.4 "
        "太久:0.6"
    ),
    R.RETURN_POLICY: (
        "退货:1 退换:1 不退:1 无理由:1 七天:0.6 不能退:1 不给退:1 "
        "运费险:0.6 售后:0.6 只换:0.8 退款:0.6 拆封:0.6"
    ),
    R.PAYMENT_METHOD: (
        "花呗:0.8 货到付款:1 信用卡:0.6 支付宝:0.4 微信付:0.8 "
        "微信支付:0.8 分期:1 银联:1 对公:1 转账:0.6 白条:1 云闪付:1 "
        "外卡:1 付款方式:1 支付方式:1 不支持:0.8"
    ),
    R.FORCED_REGISTRATION: (
        "注册:1 登录:0.8 登不上:0.6 绑定手机:1 会员:0.4 实名:0.8 "
        "游客:1 账号:0.8 账户:0.8 下载app:0.6 公众号:0.6 身份证:0.4"
    ),
    R.CHECKOUT_PROBLEM: (
        "转圈:1 报错:1 打不开:1 卡住:1 卡死:1 闪退:1 加载:0.8 没反应:1 "
        "验证码:0.6 异常:0.6 崩了:1 崩溃:1 支付失败:0.8 付款失败:0.8 "
        "结算:0.6 流程:0.6 复杂:0.6 用不了:0.6 规则:0.4 选不了:0.8 "
        "页面:0.6 网页:0.6 系统:0.3 bug:1"
    ),
    R.REORDER_REQUESTED: (
        "重拍:1 重新拍:0.8 重新下单:0.8 重新下:0.6 再拍一次:0.8 "
        "拍另一个:0.6 客服让:1 客服叫:1 客服说:0.4 卖家让:1 卖家说:0.3 "
        "店家叫:1 店铺让:1 商家让:1 老板说:0.3 让我:0.4 叫我:0.4 "
        "分开拍:1 链接:0.6 卖家要求:1"
    ),
    R.UNKNOWN: "",
}

EN: Final[Table] = {
    R.CHANGED_MIND: (
        "changed? (my )?mind=1; by mistake=1; accident(al)?(ly)?=1; (don'?t|do not) "
        "need=1; no longer need(ed)?=1; not really need=0.8; (on )?impulse=1; already "
        "bought=1; wrong (size|address|item|colou?r)=0.6; decided=0.6; plans changed=1; "
        "not ready to buy=1; just browsing=1; second thoughts=1"
    ),
    R.INSUFFICIENT_FUNDS: (
        "insufficient funds=1; can'?t afford=1; afford=0.8; payday=1; pay ?check=1; maxed "
        "out=1; not enough money=1; short on cash=1; (budget|money) is tight=1; "
        "tight=0.4; balance (was |is )?too low=1; broke=1; overspent=1; out of money=1; "
        "low balance=1"
    ),
    R.FOUND_CHEAPER: (
        "cheaper=1; better (deal|price|offer)=1; for less=0.6; half the price=1; "
        "amazon|walmart|ebay|aliexpress|temu|target=0.6; competitors?=0.8; elsewhere=0.6; "
        "another (store|shop|site|seller)=0.6; price is higher than=0.8; on sale=0.4"
    ),
    R.DISTRUST: (
        "genuine=1; legit=1; scam=1; sketchy=1; fishy=1; trust=1; knock-?off=1; fake=1; "
        "counterfeit=1; authori[sz]ed=0.6; bad reviews=0.8; no reviews=0.8; track "
        "record=1; feel safe=0.8; never ships=0.6; not comfortable=0.6; reputation=0.8"
    ),
    R.POOR_SERVICE_ATTITUDE: (
        "rude=1; condescending=1; dismissive=1; hung up=1; sarcastic=1; impatient=1; "
        "attitude=1; unfriendly=1; snapped=1; treated me like=1; unprofessional=1; "
        "disrespectful=1; yelled=1"
    ),
    R.PRICE_NOT_AGREED: (
        r"agree on (a|the) price=1; discount=0.6; negotiat\w*=1; lower (it|the price)=0.8; "
        "price adjustment=1; offered=0.6; insisted=0.6; price is final=1; too "
        r"expensive=0.6; no deal=0.8; refused=0.4; haggl\w*=1; sale price=0.4; bulk "
        "discount=0.8"
    ),
    R.OUT_OF_STOCK: (
        "out of stock=1; sold out=1; in (my )?size=0.8; unavailable=1; not available=0.8; "
        "no longer available=1; back-?order(ed)?=1; in stock=0.8; was left=0.6; "
        "(don'?t|do not) have it in=1; small|medium|large|xs|xl|xxl=0.3; variant=0.4"
    ),
    R.SLOW_SERVICE: (
        "no (response|reply|answer)=1; nobody (answered|replied)=1; no one "
        r"(answered|picked up|replied)=1; waited (hours|days)=1; took \d+ days=0.6; never "
        "(followed up|replied|answered)=1; offline=0.8; slow (response|reply)=1; still no "
        "answer=1; automated reply=1; get back to me=0.8; picked up the phone=0.8; "
        "followed up=0.6; no human=0.8"
    ),
    R.EXTRA_COSTS: (
        "shipping (is|costs?|fees?|charges?)=0.8; shipping=0.5; postage=1; fees?=0.8; "
        "duty|duties=1; tax(es)?=1; handling fee=1; service fee=1; free shipping=1; "
        "delivery charges?=1; extra charges?=1; surcharge=1; hidden (costs?|fees?)=1"
    ),
    R.SLOW_DELIVERY: (
        "delivery takes=1; too long=0.6; deliver in time=1; on time=0.8; arrive=0.6; "
        "estimated?=0.6; not shipped=1; too slow=0.6; (delivery|arrival) date=0.8; way "
        "too late=0.8; ships in=0.8; business days=0.8; tracking=0.6; weeks=0.4; hasn'?t "
        "moved=1; by (monday|tuesday|wednesday|thursday|friday|saturday|sunday)=0.6"
    ),
    R.RETURN_POLICY: (
        "returns?=0.8; return policy=1; return shipping=1; no refunds?=1; final sale=1; "
        "restocking=1; exchanges?=0.8; store credit=1; can'?t return=1; days to return=1"
    ),
    R.PAYMENT_METHOD: (
        "paypal=1; amex=1; apple pay=1; google pay=1; cash on delivery=1; pay later=1; "
        "klarna|afterpay=1; debit cards?=0.8; credit card=0.6; bank transfer=1; payment "
        "options?=1; (don'?t|doesn'?t) (accept|take)=0.6; only card=0.8"
    ),
    R.FORCED_REGISTRATION: (
        "create an account=1; account=0.8; guest=1; sign up=1; regist(er|ration)=1; log "
        "?in=1; password=0.6"
    ),
    R.CHECKOUT_PROBLEM: (
        "crash(ed|ing|es)?=1; error=1; slow to load=1; load(ing)?=0.5; promo code=0.8; "
        "coupon=0.3; button=0.8; didn'?t work=0.8; too many steps=1; checkout "
        "process=0.8; froze=1; timed out=1; bug=1; glitch=0.6; payment failed=1"
    ),
    R.REORDER_REQUESTED: (
        "re-?order=0.6; (asked|told) me to=1; was told=0.8; place a new order=1; new "
        "order=0.8; order again=0.8; redo the order=1; separate orders=1; check ?out "
        "again=0.8; requested a new order=1; cancel and reorder=1"
    ),
    R.UNKNOWN: "",
}
