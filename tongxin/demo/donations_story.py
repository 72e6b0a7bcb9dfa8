"""The story's donations (issue #11) as plain data; a builder turns them into appeals, donations,
hand-overs, a correction and disclosures through the donations services. Tests import the same names.

- 株洲市装饰装修行业协会's 32 member enterprises give within one day (2021-08-02), under the
  association's own appeal: exactly 28,000 yuan, 500 kg of yellow peaches, 180 cases of mineral water,
  140 cases of instant noodles and 1,000 masks (`ZHUZHOU_GIFTS`, one row per enterprise). Some consent
  to publish their name, some do not. The association, with community cadres, delivers everything to
  渌口区人民医院 the same afternoon; the hospital's staff (`lukou-hospital`) confirm the count.
- The joint appeal of 2021-08-05 (`JOINT_APPEAL`) by 湖南省旅游协会, 湖南省旅游饭店协会 and
  湖南省跨境电子商务协会, for 张家界.
- 湖南省跨境电子商务协会 gathers masks, water and noodles worth exactly 2,350,900 yuan under it
  (`ECOMMERCE_GIFTS`) and hands them to 张家界市红十字会 in two hand-overs; the second was first
  recorded with 1,200 cases of water instead of 12,000 and is corrected (`CORRECTION`), which the
  public site shows as a 更正说明.
- The live drill (offsets in days from the build day): 张家界市红十字会's winter appeal, disclosed 10
  and 5 days ago on the 5-day clock, so its next disclosure is due today.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

D = Decimal


class Goods(NamedTuple):
    """A catalogue item (name, specification, measure) and its unit value from the invoice."""

    name: str
    specification: str
    measure: str
    unit_value: Decimal


PEACHES = Goods("黄桃", "", "千克", D("12.00"))
WATER = Goods("矿泉水", "550ml×24瓶", "箱", D("30.00"))
NOODLES = Goods("方便面", "桶装×12", "箱", D("45.00"))
MASKS = Goods("口罩", "一次性医用口罩", "只", D("0.80"))
KINDS = (PEACHES, WATER, NOODLES, MASKS)  # with cash: the five kinds of the story

# --- 株洲市装饰装修行业协会, 2021-08-02 ---------------------------------------------------------------
GIVING_DAY = dt.date(2021, 8, 2)
ZHUZHOU_APPEAL = "众志成城 共抗疫情——致全体会员企业的爱心捐赠倡议"
ZHUZHOU_APPEAL_TEXT = ("疫情当前，渌口区人民医院一线医护人员连续奋战。协会倡议全体会员企业伸出援手，"
                       "捐款捐物，由协会统一登记、统一送达，并及时向社会公开。")
ZHUZHOU_APPEAL_STARTS = dt.date(2021, 8, 1)
ZHUZHOU_APPEAL_ENDS = dt.date(2021, 8, 10)
ZHUZHOU_BENEFICIARY = "渌口区人民医院一线医护人员"
ZHUZHOU_HOW_TO_GIVE = "捐款转入协会对公账户（备注“抗疫捐赠”）；物资送至协会办公室，联系人彭丽娟"
HOSPITAL = "渌口区人民医院"
HANDED_OVER_AT = dt.time(16, 0)
CONFIRMED_AT = dt.time(17, 10)
CARRIER = "渌口镇社区干部随车送达"


class Gift(NamedTuple):
    """One member enterprise's gift: index into story.MEMBER_ENTERPRISES, cash (元) and goods quantities."""

    enterprise: int
    cash: int = 0
    peaches: int = 0
    water: int = 0
    noodles: int = 0
    masks: int = 0
    name_public: bool = True


ZHUZHOU_GIFTS: tuple[Gift, ...] = (
    Gift(0, cash=3000), Gift(1, cash=3000, water=50), Gift(2, cash=2000), Gift(3, cash=2000, name_public=False),
    Gift(4, cash=2000, noodles=50), Gift(5, cash=1500), Gift(6, cash=1500, name_public=False),
    Gift(7, cash=1000), Gift(8, cash=1000, masks=600), Gift(9, cash=1000), Gift(10, cash=1000),
    Gift(11, cash=1000, name_public=False), Gift(12, cash=1000), Gift(13, cash=1000, water=40),
    Gift(14, cash=1000), Gift(15, cash=1000), Gift(16, cash=1000, peaches=200),
    Gift(17, cash=500), Gift(18, cash=500, name_public=False), Gift(19, cash=500), Gift(20, cash=500),
    Gift(21, cash=500), Gift(22, cash=500),
    Gift(23, water=40), Gift(24, peaches=150), Gift(25, peaches=100, name_public=False), Gift(26, noodles=40),
    Gift(27, water=30), Gift(28, noodles=30), Gift(29, masks=400, name_public=False), Gift(30, water=20),
    Gift(31, noodles=20, peaches=50),
)
ZHUZHOU_CASH = 28_000
ZHUZHOU_GOODS = {PEACHES: 500, WATER: 180, NOODLES: 140, MASKS: 1000}

# --- the joint appeal of 2021-08-05 ---------------------------------------------------------------
ECOMMERCE = "湖南省跨境电子商务协会"
RED_CROSS = "张家界市红十字会"
JOINT_APPEAL = "湖南省旅游行业协会联合倡议：驰援张家界疫情防控"
JOINT_APPEAL_TEXT = ("张家界疫情防控形势严峻。湖南省旅游协会、湖南省旅游饭店协会、湖南省跨境电子商务协会等联合倡议："
                     "广大会员单位和社会各界捐赠防疫物资和生活物资，经张家界市红十字会统一调配至一线。")
JOINT_APPEAL_ON = dt.date(2021, 8, 5)
JOINT_APPEAL_ENDS = dt.date(2021, 9, 10)
JOINT_ISSUERS = ("湖南省旅游协会", "湖南省旅游饭店协会", ECOMMERCE)  # the lead issuer first
JOINT_BENEFICIARY = "张家界市疫情防控一线人员和隔离群众"
JOINT_HOW_TO_GIVE = "物资由各协会登记后统一送交张家界市红十字会（张家界市永定区），请附发票或报关单"
KN95 = Goods("口罩", "KN95", "只", D("2.20"))
SURGICAL = Goods("口罩", "医用外科口罩", "只", D("0.80"))
E_WATER = Goods("矿泉水", "550ml×24瓶", "箱", D("32.00"))
E_NOODLES = Goods("方便面", "桶装×12", "箱", D("43.00"))


class EGift(NamedTuple):
    """A donor's line to 湖南省跨境电子商务协会: goods, quantity, value (元), how it was valued."""

    donor: str  # "" = anonymous at the donor's wish
    goods: Goods
    quantity: int
    value: Decimal
    valuation: str  # a Valuation value
    day: dt.date


ECOMMERCE_GIFTS: tuple[EGift, ...] = (
    EGift("湖南易通跨境电子商务有限公司", KN95, 300_000, D("660000"), "customs", dt.date(2021, 8, 5)),
    EGift("湖南易通跨境电子商务有限公司", E_WATER, 5_000, D("160000"), "invoice", dt.date(2021, 8, 5)),
    EGift("长沙海贸通供应链管理有限公司", KN95, 200_000, D("440000"), "customs", dt.date(2021, 8, 6)),
    EGift("长沙海贸通供应链管理有限公司", SURGICAL, 600_000, D("480000"), "invoice", dt.date(2021, 8, 6)),
    EGift("湖南星辰跨境电商科技有限公司", E_WATER, 7_000, D("224000"), "invoice", dt.date(2021, 8, 6)),
    EGift("湖南星辰跨境电商科技有限公司", E_NOODLES, 5_000, D("215000"), "invoice", dt.date(2021, 8, 6)),
    EGift("", E_NOODLES, 4_000, D("171900"), "invoice", dt.date(2021, 8, 7)),  # invoice total, no unit price
)
ECOMMERCE_TOTAL = D("2350900")
# Hand-overs to 张家界市红十字会 (Beijing day, hh:mm): the masks first, then water and noodles.
ECOMMERCE_HANDOVERS = (
    (dt.datetime(2021, 8, 7, 10, 0), (KN95, SURGICAL)),
    (dt.datetime(2021, 8, 8, 15, 0), (E_WATER, E_NOODLES)),
)


class Correction(NamedTuple):
    handover: int  # index into ECOMMERCE_HANDOVERS
    goods: Goods
    recorded: int  # what the first record said
    actual: int
    reason: str
    day: dt.date


CORRECTION = Correction(1, E_WATER, 1_200, 12_000, "发出登记时矿泉水数量漏录一个“0”，实为 12000 箱，经双方核对更正",
                        dt.date(2021, 8, 8))

# --- the live drill (offsets in days from the build day) -----------------------------------------
LIVE_APPEAL = "寒冬送温暖——为独居和留守老人募集御寒物资"
LIVE_APPEAL_TEXT = "寒潮来临，红十字会倡议社会各界为全市独居、留守老人捐赠棉被、取暖器和爱心款。"
LIVE_STARTS = -12
LIVE_DISCLOSURES = (-10, -5)  # published at 10:00 on these days; every 5 days while a response is in force
LIVE_NEEDS = ((Goods("棉被", "2kg", "床", D("120.00")), 300), (Goods("取暖器", "电热油汀", "台", D("260.00")), 100))
LIVE_GIFTS = ((-11, "张家界康馨颐养院", 0, 40), (-8, "", 30, 0), (-3, "张家界大庸古城文化旅游有限公司", 60, 20))

# Logins the donations demo signs in with (added to story.LOGINS).
LOGIN_NAMES = ("zhuzhou-assoc", "lukou-hospital", "hn-ecommerce", "zjj-redcross", "hn-tourism")

# --- the department's public notices and work reports (通知公告 / 工作动态), as the story was published ---
class Notice(NamedTuple):
    kind: str  # "notice" or "work"
    bureau: str  # the publishing bureau's name
    title: str
    source: str
    author: str
    day: dt.date
    body: str


NOTICES = (
    Notice("notice", "湖南省民政厅", "关于进一步做好全省民政服务机构疫情防控工作的紧急通知", "湖南省民政厅", "办公室",
           dt.date(2021, 7, 31),
           "各市州民政局：当前疫情防控形势严峻复杂。全省养老机构、儿童福利机构、救助管理机构即日起实行封闭管理，"
           "暂停探视，严格落实每日“零报告”制度；社会组织开展捐赠活动须依法公开，接受社会监督。"),
    Notice("work", "株洲市民政局", "株洲市装饰装修行业协会会员企业捐款捐物驰援渌口区人民医院", "株洲市民政局",
           "社会组织管理科", dt.date(2021, 8, 3),
           "8月2日，株洲市装饰装修行业协会发动32家会员企业，一天之内捐赠现金28000元及黄桃500公斤、矿泉水180箱、"
           "方便面140箱、口罩1000只，在社区干部协助下送达渌口区人民医院，医院当日清点签收。"),
    Notice("work", "湖南省民政厅", "湖南省旅游协会等行业协会联合倡议驰援张家界疫情防控", "湖南省民政厅",
           "社会组织管理局", dt.date(2021, 8, 5),
           "湖南省旅游协会、湖南省旅游饭店协会、湖南省跨境电子商务协会等联合发出倡议，号召会员单位捐赠防疫和生活物资，"
           "经张家界市红十字会统一调配至一线。"),
    Notice("work", "湖南省民政厅", "湖南省跨境电子商务协会捐赠价值235.09万元防疫物资交付张家界市红十字会",
           "湖南省民政厅", "社会组织管理局", dt.date(2021, 8, 9),
           "湖南省跨境电子商务协会组织会员企业捐赠口罩、矿泉水、方便面等物资，价值2350900元，已分两批交付张家界市红十字会；"
           "其中一批矿泉水的发出数量登记有误，已发布更正说明。"),
)
