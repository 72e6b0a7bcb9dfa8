"""The live drill (冬季安全生产, winter safety) as plain data: a second response, in progress on the day
the demo is built.

Every date here is an offset in days from that day (the build day, 0 = today on the Beijing clock),
so each build tells the same week, whatever the date. `live.py` turns these constants into an
assignment, a campaign, reports, inspections and ledger entries through the services; tests import
the same names.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from tongxin.demo import story

DAYS_BEFORE = 7  # the drill started a week ago…
DAYS_AFTER = 30  # …and runs for another month

# The daily report: 湖南省民政厅 asks every elderly-care home of Hunan to report the day's safety checks
# on a small form of its own ("养老机构冬季安全生产日报"), by 18:00 each day (the day's patrols are in it).
FORM_CODE = "winter-safety-daily"
FORM_NAME = "养老机构冬季安全生产日报"
FORM_NAME_EN = "Elderly-care home winter safety daily report"
FORM_DESCRIPTION = "冬季安全生产期间养老机构每日报送当日安全检查情况，无情况也须零报告。"
REPORT_NAME = "养老机构冬季安全生产日报"
REPORT_DEADLINE = dt.time(18, 0)

FORM_DEFINITION: dict[str, Any] = {
    "fields": [
        {"key": "residents_in_care", "label": "在院老人数", "label_en": "Residents in care", "type": "int",
         "unit": "人", "required": True, "min": 0, "carry": True},
        {"key": "staff_on_duty", "label": "在岗工作人员数", "label_en": "Staff on duty", "type": "int",
         "unit": "人", "required": True, "min": 0, "carry": True},
        {"key": "night_staff", "label": "夜间值班人数", "label_en": "Night-shift staff", "type": "int",
         "unit": "人", "required": True, "min": 0, "carry": True},
        {"key": "fire_patrols", "label": "今日防火巡查次数", "label_en": "Fire patrols today", "type": "int",
         "unit": "次", "required": True, "min": 0, "max": 48, "carry": True},
        {"key": "heating_checked", "label": "取暖设施已逐间检查", "label_en": "Heating checked room by room",
         "type": "bool", "required": True, "zero": True},
        {"key": "gas_checked", "label": "厨房燃气和锅炉房已检查", "label_en": "Kitchen gas and boiler room checked",
         "type": "bool", "required": True, "zero": True},
        {"key": "hazards_found", "label": "今日发现隐患数", "label_en": "Hazards found today", "type": "int",
         "unit": "处", "required": True, "min": 0, "zero": 0},
        {"key": "hazards_fixed", "label": "今日整改隐患数", "label_en": "Hazards fixed today", "type": "int",
         "unit": "处", "required": True, "min": 0, "zero": 0},
        {"key": "falls_or_injuries", "label": "跌倒、烫伤、冻伤老人数",
         "label_en": "Falls, burns or frostbite (residents)", "type": "int", "unit": "人",
         "required": True, "min": 0, "zero": 0},
        {"key": "respiratory_symptoms", "label": "发热或呼吸道症状人数",
         "label_en": "Fever or respiratory symptoms", "type": "int", "unit": "人",
         "required": True, "min": 0, "zero": 0},
        {"key": "problems_found", "label": "发现的问题及整改情况", "label_en": "Problems found and what was done",
         "type": "text", "required": False, "zero": ""},
        {"key": "notes", "label": "备注", "label_en": "Notes", "type": "text", "required": False, "zero": ""},
    ],
    "rules": [
        {"expr": "night_staff <= staff_on_duty", "message": "夜间值班人数不能多于在岗工作人员数",
         "message_en": "Night-shift staff cannot exceed staff on duty"},
        {"expr": "falls_or_injuries <= residents_in_care", "message": "受伤老人数不能多于在院老人数",
         "message_en": "Injured residents cannot exceed residents in care"},
        {"expr": "respiratory_symptoms <= residents_in_care + staff_on_duty",
         "message": "有症状人数不能多于在院老人与在岗工作人员之和",
         "message_en": "Persons with symptoms cannot exceed residents and staff together"},
        {"expr": "hazards_found > 0 -> problems_found != \"\"", "message": "发现隐患时须说明问题及整改情况",
         "message_en": "Describe the problems when hazards were found"},
    ],
    "figures": [
        {"key": "heating_coverage", "kind": "ratio", "label": "取暖设施检查覆盖率",
         "label_en": "Heating-check coverage", "numerator": "heating_checked", "denominator": "@count"},
        {"key": "injury_free_days", "kind": "streak", "label": "连续无伤害天数",
         "label_en": "Days without an injury", "fields": ["falls_or_injuries"]},
    ],
    "key_figures": ["residents_in_care", "staff_on_duty", "fire_patrols", "hazards_found", "hazards_fixed",
                    "falls_or_injuries", "respiratory_symptoms"],
}

# The campaign: 湖南省民政厅 (`hunan`) launches a winter safety inspection of every elderly-care home,
# with a checklist of its own; homes self-inspect within two weeks, bureaus supervise every home.
CHECKLIST_CODE = "winter-safety"
CHECKLIST_NAME = "养老机构冬季安全检查表"
CHECKLIST_NAME_EN = "Elderly-care home winter safety checklist"
CAMPAIGN_NAME = "养老机构冬季安全生产专项检查"
CAMPAIGN_ISSUED_BY = "hunan"
SELF_INSPECTION_BY = 7  # days after the build day
SUPERVISION_TARGET = 100
CAMPAIGN_DESCRIPTION = (
    "入冬以来，各地进入火灾和一氧化碳中毒易发期。请各养老机构对照《养老机构冬季安全检查表》逐项自查，"
    "重点检查取暖设施、用电用气、消防通道和防滑防冻措施；各县市区民政局会同应急管理、消防部门组织督导组"
    "对辖区养老机构督导检查全覆盖。发现的问题一律挂账管理，能立即整改的立查立改，整改到位经验收后销号。"
)


def _check(key: str, text: str, text_en: str, severity: str, category: str, measure: str,
           photo: bool = True) -> dict[str, Any]:
    item: dict[str, Any] = {"key": key, "text": text, "text_en": text_en, "type": "check", "severity": severity,
            "category": category, "measure": measure}
    if photo:
        item["photo_on_fail"] = True
    return item


CHECKLIST_DEFINITION: dict[str, Any] = {"sections": [
    {"title": "取暖与用电", "title_en": "Heating and electricity", "items": [
        _check("heaters_safe", "电暖器、电热毯等取暖电器完好，无私拉乱接、串接插线板",
               "Heaters and electric blankets sound; no improvised wiring or daisy-chained power strips",
               "major", "electrical", "停用破损电器，更换线路，拆除串接插线板"),
        _check("no_open_flame", "居室内无使用炭火、明火取暖", "No charcoal or open flame used for heating in rooms",
               "serious", "fire", "立即收缴火源，开窗通风，向老人和家属宣讲"),
    ]},
    {"title": "消防安全", "title_en": "Fire", "items": [
        _check("fire_exits_clear", "疏散通道、安全出口畅通，无堵塞锁闭", "Escape routes and exits clear and unlocked",
               "serious", "fire", "立即清理疏散通道"),
        _check("extinguishers_valid", "灭火器压力正常、在有效期内，消火栓完好",
               "Extinguishers charged and in date; hydrants working", "major", "fire", "更换或维修灭火器材"),
        _check("night_patrol_logged", "夜间防火巡查按时开展并签字记录",
               "Night fire patrols done on time and signed for",
               "general", "fire", "落实夜间巡查签到制度", photo=False),
    ]},
    {"title": "燃气与锅炉", "title_en": "Gas and boilers", "items": [
        _check("gas_alarm_working", "厨房燃气报警装置完好，燃气管线无老化",
               "Kitchen gas alarm working; gas hoses sound",
               "serious", "gas", "维修或更换燃气报警器和管线"),
        _check("boiler_ventilated", "锅炉房、燃气热水器处通风良好，装有一氧化碳报警器",
               "Boiler room and gas water heaters ventilated, with a carbon-monoxide alarm",
               "serious", "gas", "打通通风口，加装一氧化碳报警器"),
    ]},
    {"title": "防寒防冻", "title_en": "Cold and ice", "items": [
        _check("anti_slip", "室外坡道、台阶已采取防滑措施", "Outdoor ramps and steps made slip-proof",
               "general", "building", "铺设防滑垫，雨雪天及时清扫"),
        _check("pipes_protected", "水管和室外消防管道已做防冻保温",
               "Water pipes and outdoor fire mains lagged against frost",
               "general", "building", "包扎保温材料"),
        {"key": "emergency_supply_days", "text": "应急物资（棉被、药品、发电燃料）可用天数（不少于 7 天）",
         "text_en": "Days of emergency supplies (quilts, medicine, generator fuel) in stock (at least 7)",
         "type": "number", "min": 7, "severity": "major", "category": "other", "measure": "补足不少于 7 天的应急物资"},
        {"key": "site_photo", "text": "现场照片（取暖设施）", "text_en": "Photo of the heating", "type": "photo",
         "severity": "general", "category": "other"},
    ]},
]}

# 南县民政局's team this week: `nanxian` (leader) and `nanxian-verify`, with the county's emergency-
# management bureau and fire brigade; it works from two days ago to four days ahead.
TEAM_NAME = "南县民政局冬季安全生产督导组"
TEAM_LEADER = "nanxian"
TEAM_MEMBERS = ("nanxian-verify",)
TEAM_OUTSIDE_MEMBERS = "县应急管理局 王建平；县消防救援大队 陈立新"
TEAM_FROM, TEAM_TO = -2, 4
VERIFIER = "nanxian-verify"

HOMES = story.NANXIAN_HOMES


class SelfInspection(NamedTuple):
    home: str
    username: str
    day: int  # offset from the build day
    time: dt.time


# Two homes have self-inspected; 南县康乐颐养院 (nanxian-home-14) has not yet: it can start today.
SELF_INSPECTIONS: tuple[SelfInspection, ...] = (
    SelfInspection(HOMES[0].name, "nanxian-home-01", -5, dt.time(15, 0)),
    SelfInspection(HOMES[1].name, "nanxian-home-02", -4, dt.time(9, 30)),
)
NOT_YET_SELF_INSPECTED = HOMES[13].name


class Visit(NamedTuple):
    home: str
    day: int
    time: dt.time


# The team visited three homes the day before yesterday and three yesterday; the rest are still to come
# (南县社会福利中心 among them), so `nanxian` can inspect today.
VISITS: tuple[Visit, ...] = (
    Visit(HOMES[2].name, -2, dt.time(8, 30)), Visit(HOMES[3].name, -2, dt.time(10, 0)),
    Visit(HOMES[4].name, -2, dt.time(14, 30)), Visit(HOMES[5].name, -1, dt.time(8, 30)),
    Visit(HOMES[6].name, -1, dt.time(10, 0)), Visit(HOMES[9].name, -1, dt.time(14, 30)),
)


class Step(NamedTuple):
    name: str  # start / submit_fix / close / return
    username: str
    day: int
    time: dt.time
    comment: str = ""


class Problem(NamedTuple):
    """A failed item; `on_spot` makes it 立查立改, else `steps` are its moves (none leaves it 挂账)."""

    home: str
    kind: str  # "self" or "supervision"
    item: str
    note: str
    on_spot: str = ""
    deadline: int | None = None  # offset from the build day; None: the default for the item's severity
    steps: tuple[Step, ...] = ()


# The ledger as it stands today: one entry awaiting verification (nanxian-verify can close it), two being
# put right (nanxian-home-02 can submit its fix), one overdue, one sent back, two fixed on the spot.
PROBLEMS: tuple[Problem, ...] = (
    Problem(HOMES[0].name, "self", "heaters_safe", "3 楼活动室电暖器电源线老化破损，插线板串接使用",
            deadline=2, steps=(
                Step("start", "nanxian-home-01", -5, dt.time(16, 0), "已停用该电暖器，联系电工更换线路"),
                Step("submit_fix", "nanxian-home-01", -1, dt.time(16, 30),
                     "已更换电源线，拆除串接插线板，全院取暖电器逐一复查，附整改后照片"))),
    Problem(HOMES[1].name, "self", "anti_slip", "院内坡道和北侧台阶未铺设防滑垫，雨雪天易滑倒", deadline=5, steps=(
        Step("start", "nanxian-home-02", -3, dt.time(10, 0), "已采购防滑垫和警示标识，到货后铺设"),)),
    Problem(HOMES[2].name, "supervision", "extinguishers_valid", "二楼走廊 2 具灭火器压力不足",
            on_spot="当场更换 2 具灭火器，明确专人每月检查"),
    Problem(HOMES[3].name, "supervision", "boiler_ventilated", "锅炉房通风口被纸板封堵，未安装一氧化碳报警器",
            deadline=-1),
    Problem(HOMES[4].name, "supervision", "pipes_protected", "室外消防管道未做防冻保温", steps=(
        Step("start", "nanxian", -2, dt.time(16, 0), "责成院长联系施工单位包扎保温"),)),
    Problem(HOMES[5].name, "supervision", "no_open_flame", "一间居室内老人使用炭火盆取暖",
            on_spot="当场收缴炭火盆，开窗通风，向老人和家属宣讲一氧化碳中毒危害"),
    Problem(HOMES[6].name, "supervision", "night_patrol_logged", "近 3 天夜间防火巡查记录空缺", deadline=3, steps=(
        Step("start", "nanxian", -1, dt.time(11, 0), "要求机构当晚起落实夜间巡查签到"),
        Step("submit_fix", "nanxian", -1, dt.time(15, 40), "机构已补建巡查签到表，附照片"),
        Step("return", VERIFIER, -1, dt.time(17, 20), "签到表为事后补写，请连续落实三晚夜间巡查后再报验收"))),
)

# Today's reports: filed by about half the homes; none yet from the homes whose logins act today
# (nanxian-home-01 files, nanxian-home-14 files a zero report).
NOT_FILED_TODAY = (HOMES[0].name, HOMES[13].name)
NANXIAN_FILED_TODAY = tuple(HOMES[i].name for i in (1, 2, 3, 5, 6, 8, 9, 12, 15))
OTHERS_FILED_TODAY_SHARE = 0.5
# Over the past week 南县 files every day, except two late filings and one missing day.
NANXIAN_LATE: dict[str, tuple[int, dt.time]] = {HOMES[6].name: (-3, dt.time(19, 25)),
                                                HOMES[15].name: (-5, dt.time(18, 40))}
NANXIAN_MISSING: tuple[str, int] = (HOMES[11].name, -2)
OTHER_LATE_SHARE = 0.05
OTHER_MISSING_SHARE = 0.03
ZERO_SHARE = 0.25  # of a home's quiet days after its first, filed as one-click zero reports

WINTER_PROBLEMS = (
    ("二楼一台电暖器插头发热，已停用并报修", 1, 1),
    ("厨房燃气软管老化，已更换", 1, 1),
    ("后院积雪结冰，已清扫并铺设防滑垫", 1, 1),
    ("一具灭火器压力偏低，已申请更换", 1, 0),
    ("夜间巡查一次未签字，已提醒值班人员", 1, 1),
)
