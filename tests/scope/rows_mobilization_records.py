"""Scope-matrix rows of service records, activity reports and certificates (and the public
verification page). Besides the hub's draft `m_record`, 南县福利院 has a final record, a certificate
over it, and an activity report; the volunteer's full name never reaches the public page."""

from __future__ import annotations

from tests.scope.matrix import OWN_HOME, SIGNED_IN, row
from tests.scope.rows_mobilization_hub import PERSON_NAME

LATE = {"late_reason": "补录：签到表晚交"}
FIX = {"reason": "签退时间记错", "hours": "3.00"}
TITLE = "南县福利院送餐活动"


def objects(world, objs) -> dict:
    import datetime as dt

    from tests.mobilization import factories
    from tongxin.mobilization.services import records

    shift = factories.shift(objs["m_post"], "2021-08-03", 8, 4, needed=2)
    attendance = factories.attendance(factories.assignment(shift, objs["m_person"]), hours="4.00")
    final = records.finalise(None, records.draft_for(attendance), late_reason="补录",
                             at=factories.at("2021-08-04"))
    cert = records.issue_certificate(None, objs["m_person"], period_from=dt.date(2021, 8, 1),
                                     period_until=dt.date(2021, 8, 9), at=factories.at("2021-08-10"))
    # a final record outside the certificate's period: a certified one cannot be corrected
    later = factories.shift(objs["m_post"], "2021-08-12", 8, 4, needed=2)
    uncertified = records.finalise(None, records.draft_for(
        factories.attendance(factories.assignment(later, objs["m_person"]), hours="4.00")),
        at=factories.at("2021-08-13"))
    report = records.file_activity_report(None, world.nanxian_home, day=dt.date(2021, 8, 2), title=TITLE,
                                          content="送餐 120 份", volunteers=6, at=factories.at("2021-08-02", 20))
    return {"m_final_record": final, "m_uncertified_record": uncertified, "m_certificate": cert,
            "m_activity": report}


def code(o):
    return [o["m_certificate"].code]


ROWS = [
    row("mobilization:records", ok=SIGNED_IN, hidden=PERSON_NAME, sees=OWN_HOME),
    row("mobilization:records", "post", body=lambda o: {"ids": [o["m_record"].pk], **LATE}, ok=OWN_HOME,
        other=400),  # outside the scope nothing is ticked: "请勾选要确认的记录"
    row("mobilization:record-detail", args=["m_record"], ok=OWN_HOME),
    row("mobilization:record-finalise", "post", args=["m_record"], body=LATE, ok=OWN_HOME),
    row("mobilization:record-correct", "post", args=["m_uncertified_record"], body=FIX, ok=OWN_HOME),
    row("mobilization:activities", ok=SIGNED_IN, hidden=TITLE, sees=OWN_HOME),
    row("mobilization:activity-create", ok={"hunan", "cili"}, other=403),  # who may file for a social org
    row("mobilization:activity-create", "post", body={}, ok={"hunan", "cili"}, ok_status=400, other=403),
    row("mobilization:activity-detail", args=["m_activity"], ok=OWN_HOME),
    row("mobilization:certificates", ok=SIGNED_IN, hidden=PERSON_NAME, sees=OWN_HOME),
    row("mobilization:certificate-create", ok=SIGNED_IN, hidden=PERSON_NAME, sees=OWN_HOME),
    row("mobilization:certificate-create", "post", body={}, ok=SIGNED_IN, ok_status=400),
    row("mobilization:certificate-detail", args=["m_certificate"], ok=OWN_HOME),
    row("mobilization:certificate-pdf", args=["m_certificate"], ok=OWN_HOME),
    row("mobilization:certificate-revoke", "post", args=["m_certificate"], body={"reason": "时长有误"}, ok=OWN_HOME),
    row("mobilization:verify", ok=SIGNED_IN, anonymous=200),
    row("mobilization:verify-code", args=code, ok=SIGNED_IN, anonymous=200, hidden=PERSON_NAME, sees=frozenset()),
    row("mobilization-record-list", ok=SIGNED_IN, hidden=PERSON_NAME, sees=OWN_HOME),
    row("mobilization-record-detail", args=["m_record"], ok=OWN_HOME),
    row("mobilization-record-finalise", "post", args=["m_record"], body=LATE, ok=OWN_HOME),
    row("mobilization-record-correct", "post", args=["m_uncertified_record"], body=FIX, ok=OWN_HOME,
        ok_status=201),
    row("mobilization-activity-list", ok=SIGNED_IN, hidden=TITLE, sees=OWN_HOME),
    row("mobilization-activity-list", "post", body={}, ok=SIGNED_IN, ok_status=400),
    row("mobilization-activity-detail", args=["m_activity"], ok=OWN_HOME),
    row("mobilization-certificate-list", ok=SIGNED_IN, hidden=PERSON_NAME, sees=OWN_HOME),
    row("mobilization-certificate-list", "post", body={}, ok=SIGNED_IN, ok_status=400),
    row("mobilization-certificate-detail", args=["m_certificate"], ok=OWN_HOME),
    row("mobilization-certificate-pdf", args=["m_certificate"], ok=OWN_HOME),
]
