"""Service records: review within the 10-working-day window, corrections that keep history, activity
reports, certificates and their public verification (services and queries)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.mobilization import factories as f
from tongxin.core.models import AuditEvent
from tongxin.mobilization.models import RecordStatus, ServiceRecord
from tongxin.mobilization.queries import records as queries
from tongxin.mobilization.services import records as services

pytestmark = pytest.mark.django_db


_posts = itertools.count(1)


def draft(world, day="2021-07-30", hours="4.00", name="王志远", person=None):
    person = person or f.person(world.leshan, name)
    post = f.post(world.leshan, f"零阳镇卡点{next(_posts)}")
    attendance = f.attendance(f.assignment(f.shift(post, day), person), hours=hours)
    return services.draft_for(attendance)


# --- finalise and the window ----------------------------------------------------------------------

def test_staff_finalise_a_draft_within_the_window(world):
    record = draft(world)
    assert record.due_by == dt.date(2021, 8, 13)
    done = services.finalise(world.leshan_staff, record, at=f.at("2021-08-13", 17))
    assert done.status == RecordStatus.FINAL and done.reviewed_by == world.leshan_staff
    assert done.late_reason == ""
    assert AuditEvent.objects.filter(object_type="mobilization.servicerecord", object_id=str(done.pk),
                                     action="update").exists()


def test_window_counts_working_days_across_national_day(world):
    """2021-09-30 → ten working days later is 2021-10-20 (the holiday week and 调休 Saturday 10-09
    counted right), not 10-14 as ten calendar days would say."""
    record = draft(world, "2021-09-30")
    assert record.due_by == dt.date(2021, 10, 20)
    services.finalise(world.leshan_staff, record, at=f.at("2021-10-20", 23, 30))
    assert ServiceRecord.objects.get(pk=record.pk).status == RecordStatus.FINAL


def test_after_the_window_finalise_is_refused_without_a_reason(world):
    record = draft(world, "2021-09-30")
    with pytest.raises(ValidationError) as exc:
        services.finalise(world.leshan_staff, record, at=f.at("2021-10-21", 0, 5))
    assert "补录原因" in exc.value.message_dict["late_reason"][0]
    assert ServiceRecord.objects.get(pk=record.pk).status == RecordStatus.DRAFT


def test_a_late_entry_with_its_reason_is_final_and_keeps_the_reason(world):
    record = draft(world, "2021-09-30")
    done = services.finalise(world.leshan_staff, record, late_reason="签到表国庆后才交回", at=f.at("2021-10-22"))
    assert done.status == RecordStatus.FINAL and done.late_reason == "签到表国庆后才交回"


def test_finalise_twice_is_refused(world):
    record = services.finalise(world.leshan_staff, draft(world), at=f.at("2021-08-02"))
    with pytest.raises(ValidationError) as exc:
        services.finalise(world.leshan_staff, record, at=f.at("2021-08-02"))
    assert "status" in exc.value.message_dict


def test_stranger_county_cannot_finalise(world):
    record = draft(world)
    with pytest.raises(Http404):
        services.finalise(world.nanxian, record, at=f.at("2021-08-02"))


def test_supervising_county_may_finalise(world):
    record = draft(world)
    assert services.finalise(world.cili, record, at=f.at("2021-08-02")).status == RecordStatus.FINAL


def test_review_list_is_scoped_due_soonest_first_and_flags_overdue(world):
    late = draft(world, "2021-07-20")
    soon = draft(world, "2021-07-30")
    rows = list(queries.to_review(world.leshan_staff, today=dt.date(2021, 8, 5)))
    assert [r.pk for r in rows] == [late.pk, soon.pk]
    assert [r.overdue for r in rows] == [True, False]
    assert list(queries.to_review(world.nanxian)) == []


# --- corrections ----------------------------------------------------------------------------------

def test_correcting_a_final_record_keeps_the_old_one(world):
    record = services.finalise(world.leshan_staff, draft(world, hours="4.00"), at=f.at("2021-08-02"))
    new = services.correct(world.leshan_staff, record, reason="签退时间记错", hours="3.5", at=f.at("2021-08-20"))
    old = ServiceRecord.objects.get(pk=record.pk)
    assert old.status == RecordStatus.SUPERSEDED and old.hours == Decimal("4.00")
    assert new.corrects == old and new.status == RecordStatus.FINAL and new.hours == Decimal("3.50")
    assert new.reviewed_by == world.leshan_staff and new.correction_reason == "签退时间记错"
    assert queries.totals_of(record.person).hours == Decimal("3.50")
    assert [r.pk for r in queries.history(old)] == [old.pk, new.pk]


def test_correcting_a_draft_gives_a_new_draft(world):
    record = draft(world)
    new = services.correct(world.leshan_staff, record, reason="内容补充", content="卡点值守、测温",
                           at=f.at("2021-08-02"))
    assert new.status == RecordStatus.DRAFT and new.corrects_id == record.pk
    assert ServiceRecord.objects.get(pk=record.pk).status == RecordStatus.SUPERSEDED


def test_correction_needs_a_reason(world):
    record = draft(world)
    with pytest.raises(ValidationError) as exc:
        services.correct(world.leshan_staff, record, reason=" ", hours="2")
    assert "reason" in exc.value.message_dict
    assert ServiceRecord.objects.count() == 1


def test_superseded_record_cannot_be_corrected_again(world):
    record = draft(world)
    services.correct(world.leshan_staff, record, reason="改", hours="2", at=f.at("2021-08-02"))
    with pytest.raises(ValidationError) as exc:
        services.correct(world.leshan_staff, record, reason="再改", hours="1", at=f.at("2021-08-02"))
    assert "status" in exc.value.message_dict


@pytest.mark.parametrize("hours", ["-1", "25", "abc"])
def test_correction_hours_are_checked(world, hours):
    with pytest.raises(ValidationError) as exc:
        services.correct(world.leshan_staff, draft(world), reason="改", hours=hours, at=f.at("2021-08-02"))
    assert "hours" in exc.value.message_dict


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.integers(0, 2), st.sampled_from(["finalise", "correct"]),
                                st.decimals(min_value=0, max_value=12, places=2)), max_size=8))
def test_total_hours_equal_the_sum_of_current_records_whatever_the_corrections(world, steps):
    with transaction.atomic():
        person = f.person(world.leshan, "李总数")
        chains = [draft(world, day, person=person) for day in ("2021-07-30", "2021-07-31", "2021-08-01")]
        for i, what, hours in steps:
            try:
                with transaction.atomic():
                    if what == "finalise":
                        chains[i] = services.finalise(world.leshan_staff, chains[i], at=f.at("2021-08-02"))
                    else:
                        chains[i] = services.correct(world.leshan_staff, chains[i], reason="更正", hours=hours,
                                                     at=f.at("2021-08-02"))
            except ValidationError:
                pass  # finalising a final record, or a "correction" that changes nothing
        expected = sum((r.hours for r in chains), Decimal("0"))
        assert queries.totals_of(person).hours == expected
        assert ServiceRecord.objects.filter(person=person).exclude(status=RecordStatus.SUPERSEDED).count() == 3
        transaction.set_rollback(True)


# --- activity reports -----------------------------------------------------------------------------

def report(world, **kw):
    values = {"day": dt.date(2021, 7, 30), "title": "为防疫一线送餐", "content": "送餐 2,217 份", "volunteers": 12,
              "quantity": 2217, "measure": "份", "at": f.at("2021-07-30", 20)}
    values.update(kw)
    return services.file_activity_report(world.leshan_staff, world.leshan, **values)


def test_activity_report_is_filed_and_rolled_up(world):
    from tongxin.mobilization.models import DeploymentDay

    r = report(world)
    assert r.people == 12 and r.quantity == 2217
    day = DeploymentDay.objects.filter(unit=world.leshan, day=dt.date(2021, 7, 30))
    assert sum(d.activity_reports for d in day) == 1


def test_activity_report_for_a_future_day_is_refused(world):
    """Beijing's today: at 23:30 UTC on 07-29 it is already 07-30 in Beijing, and 07-31 is the future."""
    with pytest.raises(ValidationError) as exc:
        report(world, day=dt.date(2021, 7, 31), at=f.at("2021-07-30", 7, 30))
    assert exc.value.message_dict["day"] == ["活动日期不能晚于今天"]
    report(world, day=dt.date(2021, 7, 30), at=f.at("2021-07-30", 0, 10))


@pytest.mark.parametrize("counts, field", [({"volunteers": -1}, "volunteers"), ({"volunteers": 0}, "volunteers"),
                                           ({"others": "x"}, "others")])
def test_activity_report_counts_are_checked(world, counts, field):
    from tongxin.mobilization.models import ActivityReport

    with pytest.raises(ValidationError) as exc:
        report(world, **counts)
    assert field in exc.value.message_dict
    assert not ActivityReport.objects.exists()


@pytest.mark.parametrize("field, value, message", [
    ("quantity", 2**31, "服务数量须在 0 到 1,000,000 之间"), ("quantity", -1, "服务数量须在 0 到 1,000,000 之间"),
    ("quantity", "x", "服务数量须是整数"), ("volunteers", 1_000_001, "志愿者人数须在 0 到 1,000,000 之间"),
    ("social_workers", -3, "社工人数须在 0 到 1,000,000 之间"), ("others", "²", "其他人员人数须是整数"),
])
def test_every_count_of_an_activity_report_says_its_range(world, field, value, message):
    with pytest.raises(ValidationError) as exc:
        report(world, **{field: value})
    assert exc.value.message_dict[field] == [message]
    assert report(world, **{field: 1_000_000}).people >= 1  # the top of the range is fine


def test_activity_report_needs_title_and_content(world):
    with pytest.raises(ValidationError) as exc:
        report(world, title="", content=" ")
    assert {"title", "content"} <= set(exc.value.message_dict)


def test_activity_report_of_another_county_is_refused(world):
    with pytest.raises(Http404):
        services.file_activity_report(world.nanxian, world.leshan, day=dt.date(2021, 7, 30), title="x",
                                      content="x", volunteers=1, at=f.at("2021-07-30", 20))


# --- certificates ---------------------------------------------------------------------------------

def certified(world, name="王志远"):
    person = f.person(world.leshan, name, id_number="430821199001011235")
    for day in ("2021-07-30", "2021-07-31"):
        services.finalise(world.leshan_staff, draft(world, day, person=person), at=f.at("2021-08-02"))
    draft(world, "2021-08-01", person=person)  # a draft is not certified
    return person


def test_certificate_sums_final_records_in_the_period(world):
    person = certified(world)
    cert = services.issue_certificate(world.leshan_staff, person, period_from=dt.date(2021, 7, 30),
                                      period_until=dt.date(2021, 8, 9), at=f.at("2021-08-10"))
    assert cert.hours == Decimal("8.00") and cert.records.count() == 2 and cert.unit == world.leshan
    assert len(cert.code) == 12 and set(cert.code) <= set(services.CODE_ALPHABET)


def test_certificate_refused_without_final_records_or_with_a_reversed_period(world):
    person = certified(world)
    with pytest.raises(ValidationError) as exc:
        services.issue_certificate(world.leshan_staff, person, period_from=dt.date(2021, 9, 1),
                                   period_until=dt.date(2021, 9, 30))
    assert "period_from" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.issue_certificate(world.leshan_staff, person, period_from=dt.date(2021, 8, 9),
                                   period_until=dt.date(2021, 7, 30))
    assert "period_until" in exc.value.message_dict


def test_a_certified_record_is_corrected_only_after_the_certificate_is_revoked(world):
    person = certified(world)
    cert = services.issue_certificate(world.leshan_staff, person, period_from=dt.date(2021, 7, 30),
                                      period_until=dt.date(2021, 8, 9), at=f.at("2021-08-10"))
    record = cert.records.order_by("day").first()
    with pytest.raises(ValidationError) as exc:
        services.correct(world.leshan_staff, record, reason="时长记错", hours="3", at=f.at("2021-08-10"))
    assert exc.value.message_dict == {"status": ["该记录已出具服务记录证明，请先作废证明再更正"]}
    record.refresh_from_db()
    assert record.status == RecordStatus.FINAL
    services.revoke(world.leshan_staff, cert, reason="时长记错", at=f.at("2021-08-10"))
    new = services.correct(world.leshan_staff, record, reason="时长记错", hours="3", at=f.at("2021-08-10"))
    assert new.hours == Decimal("3.00") and new.status == RecordStatus.FINAL


def test_the_verify_link_is_on_the_public_address(world, settings):
    person = certified(world)
    cert = services.issue_certificate(world.leshan_staff, person, period_from=dt.date(2021, 7, 30),
                                      period_until=dt.date(2021, 8, 9))
    settings.TONGXIN_PUBLIC_URL = "https://tongxin.example/"
    assert services.verify_url(cert) == f"https://tongxin.example/mobilization/verify/{cert.code}/"


def test_certificate_pdf_is_a_pdf(world):
    person = certified(world)
    cert = services.issue_certificate(world.leshan_staff, person, period_from=dt.date(2021, 7, 30),
                                      period_until=dt.date(2021, 8, 9))
    pdf = services.certificate_pdf(cert, base_url="https://tongxin.example")
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert len(pdf) > 2000  # a page with an image and an embedded font subset
    # the code is in the document's metadata (Subject), which reportlab writes as plain text
    assert cert.code.encode() in pdf


def test_verification_shows_masked_name_and_revocation(world):
    person = certified(world)
    cert = services.issue_certificate(world.leshan_staff, person, period_from=dt.date(2021, 7, 30),
                                      period_until=dt.date(2021, 8, 9))
    found = queries.verify(services.grouped(cert.code).lower())
    assert found == cert and queries.mask_name(found.person.name) == "王*远"
    services.revoke(world.leshan_staff, cert, reason="时长有误，已重新出具")
    assert queries.verify(cert.code).revoked_at is not None
    assert queries.verify("ABCDEFGHJKMN") is None and queries.verify("") is None


def test_revoke_needs_a_reason_and_happens_once(world):
    person = certified(world)
    cert = services.issue_certificate(world.leshan_staff, person, period_from=dt.date(2021, 7, 30),
                                      period_until=dt.date(2021, 8, 9))
    with pytest.raises(ValidationError):
        services.revoke(world.leshan_staff, cert, reason="")
    services.revoke(world.leshan_staff, cert, reason="重开")
    with pytest.raises(ValidationError):
        services.revoke(world.leshan_staff, cert, reason="再作废")


@pytest.mark.parametrize("name, masked", [("王志远", "王*远"), ("王远", "王*"), ("欧阳志远", "欧**远"), ("王", "王")])
def test_mask_name(name, masked):
    assert queries.mask_name(name) == masked


def test_a_record_comes_from_an_attendance_only():
    """Activity reports are counted by the roll-up on their own; no record ever pointed at one."""
    assert "activity_report" not in {f.name for f in ServiceRecord._meta.get_fields()}
