"""The Hunan story (湖南, July–August 2021) as plain data: who, where, how many.

Only constants live here; `builder.py` turns them into units and users through the services.
Tests import the same names, so the demo and the tests tell one story.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

PASSWORD = "Tongxin#2021"
PROVINCE_CODE = "430000"
PROVINCE_BUREAU = "湖南省民政厅"
BUREAU_SUFFIX = "民政局"  # every city and county bureau is `<region name>民政局`

NANXIAN = "430921"
CILI = "430821"
ZHANGJIAJIE = "430800"
ZHUZHOU = "430200"
XIANGTAN = "430300"
YIYANG = "430900"
LUKOU = "430212"


class Home(NamedTuple):
    """An elderly-care institution (养老机构); public ones are 事业单位, private ones 民办非企业单位."""

    name: str
    beds: int
    residents: int
    staff: int
    private: bool = False
    address: str = ""


# 南县's 17 homes; the first one is where `nanxian-home-01` reports from.
NANXIAN_HOMES: tuple[Home, ...] = (
    Home("南县社会福利中心", 260, 198, 46, address="南县南洲镇兴盛西路 18 号"),
    Home("南县南洲镇敬老院", 120, 87, 18, address="南县南洲镇城西社区"),
    Home("茅草街镇敬老院", 96, 71, 14, address="南县茅草街镇茅草街社区"),
    Home("三仙湖镇敬老院", 88, 63, 12, address="南县三仙湖镇三仙湖社区"),
    Home("明山头镇敬老院", 72, 52, 11, address="南县明山头镇明山头社区"),
    Home("青树嘴镇敬老院", 80, 58, 12, address="南县青树嘴镇青树嘴社区"),
    Home("厂窖镇敬老院", 90, 66, 13, address="南县厂窖镇厂窖社区"),
    Home("武圣宫镇敬老院", 76, 55, 11, address="南县武圣宫镇武圣宫社区"),
    Home("华阁镇敬老院", 68, 49, 10, address="南县华阁镇华阁社区"),
    Home("麻河口镇敬老院", 84, 60, 12, address="南县麻河口镇麻河口社区"),
    Home("浪拔湖镇敬老院", 78, 57, 11, address="南县浪拔湖镇浪拔湖社区"),
    Home("乌嘴乡敬老院", 60, 42, 9, address="南县乌嘴乡乌嘴村"),
    Home("中鱼口乡敬老院", 56, 40, 8, address="南县中鱼口乡中鱼口村"),
    Home("南县康乐颐养院", 150, 96, 24, private=True, address="南县南洲镇洞庭大道 66 号"),
    Home("南县福寿老年公寓", 110, 73, 17, private=True, address="南县南洲镇南华路 203 号"),
    Home("南县安康颐养院", 90, 58, 14, private=True, address="南县三仙湖镇育才路 12 号"),
    Home("南县夕阳红老年公寓", 70, 45, 11, private=True, address="南县茅草街镇沿河路 8 号"),
)
NANXIAN_HOME_COUNT = 17

# "A few" homes in each county of 张家界市, 株洲市 and 湘潭市.
COUNTY_HOMES: dict[str, tuple[Home, ...]] = {
    "430802": (Home("永定区社会福利中心", 200, 142, 35), Home("永定区教字垭镇敬老院", 70, 48, 10),
               Home("张家界康馨颐养院", 120, 81, 19, private=True)),
    "430811": (Home("武陵源区社会福利中心", 80, 52, 14), Home("武陵源区协合乡敬老院", 40, 27, 6)),
    "430821": (Home("慈利县社会福利中心", 180, 131, 30), Home("慈利县江垭镇敬老院", 76, 55, 11),
               Home("慈利县溪口镇敬老院", 64, 45, 9)),
    "430822": (Home("桑植县社会福利中心", 160, 118, 27), Home("桑植县瑞塔铺镇敬老院", 70, 50, 10),
               Home("桑植县利福塔镇敬老院", 60, 41, 9)),
    "430202": (Home("荷塘区社会福利中心", 150, 108, 26), Home("荷塘区仙庾镇敬老院", 66, 46, 10)),
    "430203": (Home("芦淞区社会福利中心", 140, 97, 24), Home("芦淞区白关镇敬老院", 60, 43, 9)),
    "430204": (Home("石峰区社会福利中心", 130, 90, 22), Home("石峰区云田镇敬老院", 58, 40, 9)),
    "430211": (Home("天元区社会福利中心", 150, 104, 25), Home("天元区群丰镇敬老院", 62, 44, 9),
               Home("株洲天元康养老年公寓", 200, 137, 33, private=True)),
    "430212": (Home("渌口区社会福利中心", 120, 86, 20), Home("渌口区南洲镇敬老院", 70, 51, 10),
               Home("渌口区龙船镇敬老院", 64, 46, 9)),
    "430223": (Home("攸县社会福利中心", 180, 129, 30), Home("攸县网岭镇敬老院", 80, 58, 12),
               Home("攸县皇图岭镇敬老院", 72, 52, 11)),
    "430224": (Home("茶陵县社会福利中心", 170, 120, 28), Home("茶陵县虎踞镇敬老院", 68, 49, 10)),
    "430225": (Home("炎陵县社会福利中心", 110, 77, 19), Home("炎陵县十都镇敬老院", 50, 34, 8)),
    "430281": (Home("醴陵市社会福利中心", 220, 160, 38), Home("醴陵市白兔潭镇敬老院", 84, 61, 12),
               Home("醴陵市东富镇敬老院", 76, 53, 11)),
    "430302": (Home("雨湖区社会福利中心", 160, 113, 27), Home("雨湖区姜畲镇敬老院", 70, 50, 10)),
    "430304": (Home("岳塘区社会福利中心", 150, 106, 25), Home("岳塘区荷塘敬老院", 60, 42, 9)),
    "430321": (Home("湘潭县社会福利中心", 200, 146, 34), Home("湘潭县易俗河镇敬老院", 90, 66, 13),
               Home("湘潭县花石镇敬老院", 80, 57, 12)),
    "430381": (Home("湘乡市社会福利中心", 190, 137, 32), Home("湘乡市壶天镇敬老院", 72, 51, 11)),
    "430382": (Home("韶山市社会福利中心", 90, 63, 16), Home("韶山市银田镇敬老院", 48, 33, 7),
               Home("韶山红日颐养院", 100, 64, 16, private=True)),
}


class Organisation(NamedTuple):
    """A social organisation or other unit the story mobilises; `code_prefix` is USCC digits 1–2."""

    name: str
    kind: str  # a tongxin.units.models.Kind value
    region: str
    code_prefix: str


ASSOCIATION = "株洲市装饰装修行业协会"
LESHAN = "慈利县乐善社会工作服务中心"

ORGANISATIONS: tuple[Organisation, ...] = (
    Organisation(LESHAN, "social_work", CILI, "52"),
    Organisation(ASSOCIATION, "industry_association", ZHUZHOU, "51"),
    Organisation("益阳市餐饮协会", "industry_association", YIYANG, "51"),
    Organisation("湖南省旅游协会", "industry_association", PROVINCE_CODE, "51"),
    Organisation("湖南省旅游饭店协会", "industry_association", PROVINCE_CODE, "51"),
    Organisation("湖南省跨境电子商务协会", "industry_association", PROVINCE_CODE, "51"),
    Organisation("张家界市红十字会", "charity", ZHANGJIAJIE, "13"),
    Organisation("渌口区人民医院", "hospital", LUKOU, "12"),
)

# The association's 32 member enterprises (会员企业), each in one of 株洲's districts and counties.
MEMBER_ENTERPRISES: tuple[tuple[str, str], ...] = (
    ("株洲金典装饰工程有限公司", "430202"), ("株洲华居装饰工程有限公司", "430202"),
    ("株洲雅致装饰工程有限公司", "430202"), ("株洲鸿运装饰工程有限公司", "430202"),
    ("株洲美家装饰工程有限公司", "430203"), ("株洲锦绣装饰工程有限公司", "430203"),
    ("株洲宏达装饰工程有限公司", "430203"), ("株洲尚品装饰设计工程有限公司", "430203"),
    ("株洲名匠装饰工程有限公司", "430204"), ("株洲安居装饰工程有限公司", "430204"),
    ("株洲博雅装饰工程有限公司", "430204"), ("株洲新时代装饰工程有限公司", "430211"),
    ("株洲天元区佳美装饰工程有限公司", "430211"), ("株洲东方装饰工程有限公司", "430211"),
    ("株洲居然装饰设计有限公司", "430211"), ("株洲匠心装饰工程有限公司", "430211"),
    ("株洲湘江装饰工程有限公司", "430212"), ("株洲渌江装饰工程有限公司", "430212"),
    ("株洲恒信装饰工程有限公司", "430212"), ("攸县鑫源建筑装饰工程有限公司", "430223"),
    ("攸县顺发装饰工程有限公司", "430223"), ("攸县家和装饰工程有限公司", "430223"),
    ("茶陵县云阳装饰工程有限公司", "430224"), ("茶陵县广厦装饰工程有限公司", "430224"),
    ("炎陵县神农装饰工程有限公司", "430225"), ("炎陵县绿源装饰工程有限公司", "430225"),
    ("醴陵市瓷城装饰工程有限公司", "430281"), ("醴陵市金鼎装饰工程有限公司", "430281"),
    ("醴陵市永盛建筑装饰有限公司", "430281"), ("醴陵市华艺装饰工程有限公司", "430281"),
    ("株洲筑美装饰工程有限公司", "430202"), ("株洲盛世装饰工程有限公司", "430203"),
)
MEMBER_COUNT = 32

# Contact people for institutions and enterprises, picked by a stable hash of the unit's name.
CONTACT_NAMES: tuple[str, ...] = (
    "李敏", "王芳", "刘建华", "陈静", "张伟", "杨丽", "周志强", "黄秀英", "吴海燕", "赵军",
    "胡桂兰", "彭红", "曾德明", "谢玉梅", "邓国平", "罗小兵", "唐建军", "蒋春花", "龚卫国", "段晓琴",
)


class Login(NamedTuple):
    """A demo account: `unit` names the unit by (region code, name)."""

    username: str
    full_name: str
    role: str  # a tongxin.units.models.Role value
    region: str
    unit: str


LOGINS: tuple[Login, ...] = (
    Login("hunan", "陈志刚", "officer", PROVINCE_CODE, PROVINCE_BUREAU),
    Login("zhangjiajie", "向红梅", "officer", ZHANGJIAJIE, "张家界市民政局"),
    Login("cili", "覃文华", "officer", CILI, "慈利县民政局"),
    Login("zhuzhou", "谭立新", "officer", ZHUZHOU, "株洲市民政局"),  # forwards the urgent notice (command_directives)
    Login("xiangtan", "罗海燕", "officer", XIANGTAN, "湘潭市民政局"),
    Login("nanxian", "李卫东", "officer", NANXIAN, "南县民政局"),
    Login("nanxian-verify", "刘晓峰", "officer", NANXIAN, "南县民政局"),
    Login("hunan-verify", "黄建军", "officer", PROVINCE_CODE, PROVINCE_BUREAU),  # accepts action items
    Login("nanxian-home-01", "周小兰", "reporter", NANXIAN, NANXIAN_HOMES[0].name),
    Login("nanxian-home-02", "邓丽华", "manager", NANXIAN, NANXIAN_HOMES[1].name),
    Login("nanxian-home-14", "彭建国", "manager", NANXIAN, NANXIAN_HOMES[13].name),
    Login("leshan", "王思远", "social_staff", CILI, LESHAN),
    # the donations demo (donations_story.py): the association records and hands over, the hospital confirms
    Login("zhuzhou-assoc", "彭丽娟", "social_staff", ZHUZHOU, ASSOCIATION),
    Login("lukou-hospital", "刘春燕", "reporter", LUKOU, "渌口区人民医院"),
    Login("hn-ecommerce", "唐志明", "social_staff", PROVINCE_CODE, "湖南省跨境电子商务协会"),
    Login("zjj-redcross", "覃玉兰", "social_staff", ZHANGJIAJIE, "张家界市红十字会"),
    Login("hn-tourism", "李建平", "social_staff", PROVINCE_CODE, "湖南省旅游协会"),
    Login("sysadmin", "赵磊", "system_admin", PROVINCE_CODE, PROVINCE_BUREAU),
    Login("secadmin", "孙婷", "security_admin", PROVINCE_CODE, PROVINCE_BUREAU),
    Login("auditor", "吴敏", "auditor", PROVINCE_CODE, PROVINCE_BUREAU),
)

# Second roles of demo accounts: 陈志刚 (`hunan`) is also a leader of 湖南省民政厅, so he may approve
# (签发) the directives he drafts, as the story's urgent notice of 2021-07-26 was.
EXTRA_ROLES: tuple[Login, ...] = (
    Login("hunan", "陈志刚", "leader", PROVINCE_CODE, PROVINCE_BUREAU),
)


# The daily report (情况报送): 湖南省民政厅 asks every elderly-care home of Hunan to file the built-in
# form "养老机构疫情防控日报" by 10:00 each day of the response period.
REPORT_FORM = "elderly-daily"  # the code of the built-in form (tongxin/reports/data/elderly_daily.json)
REPORT_NAME = "养老机构疫情防控日报"
# Every unit of the story was in service long before the response began (the registry's history).
IN_SERVICE_FROM = dt.date(2021, 1, 1)
REPORT_START = dt.date(2021, 7, 26)
REPORT_END = dt.date(2021, 8, 9)
REPORT_DEADLINE = dt.time(10, 0)

# 南县 files every day with zero cases (零感染、零病例), except: two homes file late once (day, hh, mm
# Beijing time), and one home does not file on 2021-08-02 — so that day shows on time, late and missing.
NANXIAN_MISSING_DAY = dt.date(2021, 8, 2)
NANXIAN_MISSING_HOME = "中鱼口乡敬老院"
NANXIAN_LATE: dict[str, tuple[dt.date, int, int]] = {
    "茅草街镇敬老院": (dt.date(2021, 8, 2), 10, 37),
    "南县康乐颐养院": (dt.date(2021, 7, 29), 11, 20),
}


# The inspection campaign (专项行动): 湖南省民政厅 launches a dragnet search for hidden dangers in every
# elderly-care home of Hunan under the five "most strict" requirements, with both built-in checklists.
CAMPAIGN_NAME = "养老机构疫情防控拉网式隐患大排查"
CAMPAIGN_ISSUED_BY = "hunan"
CAMPAIGN_START = dt.date(2021, 7, 26)
CAMPAIGN_END = dt.date(2021, 8, 31)
SELF_INSPECTION_DEADLINE = dt.date(2021, 8, 1)
SUPERVISION_TARGET = 100  # % of each county's elderly-care homes
FIVE_STRICTEST = "five-strictest"  # codes of the built-in checklists (tongxin/inspections/data/*.json)
GENERAL_SAFETY = "general-safety"
CAMPAIGN_DESCRIPTION = (
    "按照“五个最严格”要求，对全省养老机构开展拉网式隐患大排查：最严格的责任落实、最严格的管控措施、"
    "最严格的日常防控、最严格的防范准备、最严格的情况报送。各养老机构于 8 月 1 日前完成自查；"
    "各县市区民政局组织督导组对辖区养老机构督导检查全覆盖。发现的问题一律挂账管理，能立即整改的立查立改，"
    "不能立即整改的明确责任人和整改时限，整改到位经主管部门验收后销号。"
)


class SelfInspection(NamedTuple):
    """A home's self-inspection (自查) against the five-strictest checklist, by its own login."""

    home: str
    username: str
    day: dt.date
    time: dt.time


SELF_INSPECTIONS: tuple[SelfInspection, ...] = (
    SelfInspection(NANXIAN_HOMES[0].name, "nanxian-home-01", dt.date(2021, 7, 29), dt.time(15, 0)),
    SelfInspection(NANXIAN_HOMES[1].name, "nanxian-home-02", dt.date(2021, 7, 30), dt.time(9, 30)),
    SelfInspection(NANXIAN_HOMES[13].name, "nanxian-home-14", dt.date(2021, 7, 31), dt.time(10, 0)),
)

# 南县民政局's supervision team: led by `nanxian`, with the discipline-inspection group posted at the
# county finance bureau, visits all 17 homes on 2021-08-01 and 2021-08-02.
TEAM_NAME = "南县民政局养老机构疫情防控督导组"
TEAM_LEADER = "nanxian"
TEAM_OUTSIDE_MEMBERS = "县纪委监委驻县财政局纪检监察组 刘青松"
TEAM_START = dt.date(2021, 8, 1)
TEAM_END = dt.date(2021, 8, 2)
VERIFIER = "nanxian-verify"  # the second 南县 officer, who verifies what others fixed

_SLOTS = (dt.time(8, 0), dt.time(8, 50), dt.time(9, 40), dt.time(10, 30), dt.time(11, 20),
          dt.time(14, 0), dt.time(14, 50), dt.time(15, 40), dt.time(16, 30))


class Visit(NamedTuple):
    home: str
    day: dt.date
    time: dt.time


# Nine homes on the first day, eight on the second, in the order of NANXIAN_HOMES.
VISITS: tuple[Visit, ...] = tuple(
    Visit(home.name, TEAM_START if i < len(_SLOTS) else TEAM_END, _SLOTS[i % len(_SLOTS)])
    for i, home in enumerate(NANXIAN_HOMES)
)
GENERAL_SAFETY_AT = NANXIAN_HOMES[0].name  # where the team also walks the general safety checklist


class Step(NamedTuple):
    """One move of a ledger entry (`ledger.services.transition`): by whom, when on the Beijing clock."""

    name: str  # start / submit_fix / close / return
    username: str
    day: dt.date
    time: dt.time
    comment: str = ""


class Problem(NamedTuple):
    """A failed checklist item and what became of its ledger entry.

    `on_spot` (what was done there and then) makes it 立查立改, closed with the inspection;
    otherwise `steps` are its moves after the inspection, and none leaves it open.
    """

    home: str
    kind: str  # "self" or "supervision"
    checklist: str
    item: str
    note: str
    value: str = ""  # for a number item
    on_spot: str = ""
    deadline: dt.date | None = None  # None: the default for the item's severity
    steps: tuple[Step, ...] = ()


def _on(month: int, day: int, hh: int, mm: int) -> tuple[dt.date, dt.time]:
    return dt.date(2021, month, day), dt.time(hh, mm)


PROBLEMS: tuple[Problem, ...] = (
    Problem(NANXIAN_HOMES[0].name, "self", FIVE_STRICTEST, "vaccination_mobilised",
            "仍有 9 名符合条件的老人未接种，部分家属意见不一", steps=(
                Step("start", "nanxian-home-01", *_on(7, 29, 16, 10), "逐人摸底，联系家属，协调乡镇卫生院上门接种"),
                Step("submit_fix", "nanxian-home-01", *_on(8, 5, 17, 30),
                     "7 人已接种第一剂，2 人经医生评估暂缓接种并已建档"),
                Step("close", "nanxian", *_on(8, 6, 10, 0), "核对接种登记和评估记录，同意销号"))),
    Problem(NANXIAN_HOMES[0].name, "supervision", GENERAL_SAFETY, "fire_exits_clear",
            "一楼东侧安全出口堆放床垫、纸箱等杂物", on_spot="现场督促清理杂物，安全出口已畅通，明确专人每日巡查"),
    Problem(NANXIAN_HOMES[1].name, "supervision", FIVE_STRICTEST, "protective_supply_days",
            "医用防护服和 N95 口罩按现有人员消耗仅够 5 天", value="5", deadline=dt.date(2021, 8, 4), steps=(
                Step("start", "nanxian-home-02", *_on(8, 1, 15, 0), "已向县民政局和供应商申请调拨防护物资"),
                Step("submit_fix", "nanxian-home-02", *_on(8, 3, 11, 20),
                     "防护服、N95 口罩、消毒液已补足，可用 15 天，附入库单照片"),
                Step("close", "nanxian", *_on(8, 3, 16, 0), "现场核对库存，符合要求，同意销号"))),
    Problem(NANXIAN_HOMES[2].name, "supervision", FIVE_STRICTEST, "visitor_register",
            "7 月 31 日 2 名送菜人员未登记体温和健康码", on_spot="当场补登，对门卫重新培训，登记表改为逐项签字"),
    Problem(NANXIAN_HOMES[3].name, "supervision", FIVE_STRICTEST, "cold_chain_disinfected",
            "快递和冷链食品直接送入厨房，未设消毒暂存点", deadline=dt.date(2021, 8, 3), steps=(
                Step("start", "nanxian", *_on(8, 1, 11, 30), "责成院长当日设立物品消毒暂存点"),
                Step("submit_fix", "nanxian", *_on(8, 2, 17, 40),
                     "院门外已设消毒暂存点，专人登记、消毒、静置后入院"),
                Step("close", VERIFIER, *_on(8, 3, 9, 30), "查看暂存点和消毒记录，同意销号"))),
    Problem(NANXIAN_HOMES[9].name, "supervision", FIVE_STRICTEST, "staff_health_twice_daily",
            "7 月 31 日下午工作人员体温记录空缺", on_spot="当场补测补记，明确每日两次测温的责任人"),
    Problem(NANXIAN_HOMES[12].name, "supervision", FIVE_STRICTEST, "emergency_plan_drilled",
            "应急预案未按新要求修订，今年未组织疫情应急演练", deadline=dt.date(2021, 8, 9)),
    Problem(NANXIAN_HOMES[13].name, "supervision", FIVE_STRICTEST, "isolation_room_ready",
            "隔离观察室堆放杂物，未配备防护服和消毒用品", steps=(
                Step("start", "nanxian-home-14", *_on(8, 2, 16, 0), "清理隔离观察室，采购所需物品"),
                Step("submit_fix", "nanxian-home-14", *_on(8, 3, 18, 0), "隔离观察室已清空，配备床铺和体温计"),
                Step("return", VERIFIER, *_on(8, 4, 9, 40),
                     "仍未配备防护服和消毒用品，独立卫生间缺少洗手液和消毒液，请配齐后再报验收"),
                Step("start", "nanxian-home-14", *_on(8, 4, 10, 30), "按退回意见补充物品"),
                Step("submit_fix", "nanxian-home-14", *_on(8, 4, 17, 20), "防护服 10 套、消毒用品和卫生间用品已配齐"),
                Step("close", VERIFIER, *_on(8, 5, 10, 0), "现场复查，物品齐全，同意销号"))),
)
