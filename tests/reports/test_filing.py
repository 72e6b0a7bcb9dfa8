"""Filing, late marking, duplicates, idempotency, corrections, zero reports and scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from tests.reports.conftest import END, START, at, good_values
from tongxin.core.models import AuditEvent
from tongxin.reports import services
from tongxin.reports.models import FieldRollup, FilingRollup, Report, Revision

DAY = dt.date(2021, 8, 2)


def file(world, daily, *, user=None, unit=None, day=DAY, when=None, **kw):
    return services.submit_report(user or world.home_reporter, assignment=daily, unit=unit or world.nanxian_home,
                                  day=day, now=when or at(day, 9, 30), **kw)


def test_reporter_files_for_own_home_on_time(world, daily):
    filing = file(world, daily, values=good_values())
    report = filing.report
    assert filing.created and not report.is_late and report.revision_count == 1
    assert report.values["residents_in_care"] == 86
    assert report.form_version.number == 1
    assert AuditEvent.objects.filter(object_type="reports.report", action="create").exists()


@pytest.mark.parametrize(("when", "late"), [
    (at(DAY, 9, 59, 59), False), (at(DAY, 10, 0, 0), False), (at(DAY, 10, 0, 1), True),
    (at(DAY + dt.timedelta(days=1), 0, 0, 1), True),
])
def test_late_is_judged_on_the_local_deadline(world, daily, when, late):
    assert file(world, daily, values=good_values(), when=when).report.is_late is late


def test_a_filing_just_after_local_midnight_is_for_the_new_day(world, daily):
    # 2021-08-01 16:30 UTC is 00:30 on 2021-08-02 in Beijing: filing for the 2nd is allowed, not "future".
    when = dt.datetime(2021, 8, 1, 16, 30, tzinfo=dt.UTC)
    assert file(world, daily, values=good_values(), when=when).report.day == DAY
    with pytest.raises(ValidationError) as exc:
        file(world, daily, values=good_values(), day=DAY + dt.timedelta(days=1), when=when)
    assert "day" in exc.value.message_dict


def test_second_filing_for_the_same_day_is_refused(world, daily):
    file(world, daily, values=good_values())
    with pytest.raises(ValidationError) as exc:
        file(world, daily, values=good_values(visits_refused=9))
    assert "day" in exc.value.message_dict
    assert Report.objects.get().values["visits_refused"] == 3


def test_same_idempotency_key_returns_the_first_filing(world, daily):
    first = file(world, daily, values=good_values(), idempotency_key="phone-42")
    again = file(world, daily, values=good_values(visits_refused=9), idempotency_key="phone-42")
    assert not again.created and again.report.pk == first.report.pk
    assert Report.objects.count() == 1 and Revision.objects.count() == 1
    assert FilingRollup.objects.get(region_code="430921", day=DAY).on_time == 1


def test_idempotency_key_reused_for_another_day_is_refused(world, daily):
    file(world, daily, values=good_values(), idempotency_key="k1")
    with pytest.raises(ValidationError) as exc:
        file(world, daily, values=good_values(), idempotency_key="k1", day=DAY - dt.timedelta(days=1))
    assert "idempotency_key" in exc.value.message_dict


def test_correction_makes_a_revision_and_moves_the_rollups(world, daily):
    report = file(world, daily, values=good_values()).report
    fixed = services.correct_report(world.nanxian, report, values=good_values(residents_in_care=90),
                                    reason="漏报 4 名新入住老人").report
    assert fixed.revision_count == 2 and fixed.values["residents_in_care"] == 90
    revisions = list(Revision.objects.filter(report=report).order_by("number"))
    assert [r.values["residents_in_care"] for r in revisions] == [86, 90]
    assert revisions[1].filed_by == world.nanxian and revisions[1].reason == "漏报 4 名新入住老人"
    for code in ("430000", "430900", "430921"):
        rollup = FieldRollup.objects.get(region_code=code, day=DAY, key="residents_in_care")
        assert (rollup.total, rollup.count) == (90, 1)
    assert FilingRollup.objects.get(region_code="430000", day=DAY).on_time == 1


def test_correction_needs_a_reason(world, daily):
    report = file(world, daily, values=good_values()).report
    with pytest.raises(ValidationError) as exc:
        services.correct_report(world.home_reporter, report, values=good_values(), reason=" ")
    assert "reason" in exc.value.message_dict


@pytest.mark.parametrize(("values", "key"), [
    (good_values(residents_in_care=-1), "residents_in_care"),
    (good_values(residents_in_care="八十六"), "residents_in_care"),
    (good_values(residents_in_care=86.5), "residents_in_care"),
    (good_values(closed_management="maybe"), "closed_management"),
    (good_values(mask_days=99999), "mask_days"),
    (good_values(residents_in_care=None), "residents_in_care"),
    (good_values(unknown_field=1), "unknown_field"),
    (good_values(residents_vaccinated=100), "__all__"),
    (good_values(closed_management=False), "__all__"),
])
def test_bad_values_are_refused_by_field_and_nothing_is_saved(world, daily, values, key):
    with pytest.raises(ValidationError) as exc:
        file(world, daily, values=values)
    assert key in exc.value.message_dict
    assert not Report.objects.exists() and not FieldRollup.objects.exists() and not FilingRollup.objects.exists()


def test_rule_message_is_the_rules_own(world, daily):
    with pytest.raises(ValidationError) as exc:
        file(world, daily, values=good_values(closed_management=False))
    assert exc.value.message_dict["__all__"] == ["未实行封闭管理时须说明原因"]
    ok = file(world, daily, values=good_values(closed_management=False, closure_exception_reason="院内无空房隔离"))
    assert ok.created


@pytest.mark.parametrize("day", [START - dt.timedelta(days=1), END + dt.timedelta(days=1)])
def test_a_day_outside_the_response_period_is_refused(world, daily, day):
    with pytest.raises(ValidationError) as exc:
        file(world, daily, values=good_values(), day=day, when=at(END, 9))
    assert "day" in exc.value.message_dict


def test_a_stranger_county_cannot_file_for_nanxian(world, daily):
    with pytest.raises(Http404):
        file(world, daily, user=world.cili, values=good_values())


def test_a_reporter_cannot_file_for_another_home(world, daily):
    with pytest.raises(Http404):
        file(world, daily, unit=world.nanxian_home_2, values=good_values())


def test_the_county_officer_may_file_for_a_home(world, daily):
    assert file(world, daily, user=world.nanxian, unit=world.nanxian_home_2, values=good_values()).created


def test_a_bureau_or_social_org_is_not_expected_to_file(world, daily):
    with pytest.raises(ValidationError) as exc:
        file(world, daily, user=world.leshan_staff, unit=world.leshan, values=good_values())
    assert "unit" in exc.value.message_dict


def test_zero_report_carries_yesterday_and_zeroes_today(world, daily):
    file(world, daily, values=good_values(residents_in_care=88, visits_refused=7), day=DAY - dt.timedelta(days=1))
    report = file(world, daily, zero=True).report
    assert report.is_zero
    assert report.values["residents_in_care"] == 88 and report.values["visits_refused"] == 0
    assert report.values["confirmed_residents"] == 0
    assert FilingRollup.objects.get(region_code="430921", day=DAY).zero == 1


def test_zero_report_without_a_previous_report_asks_for_the_full_form(world, daily):
    with pytest.raises(ValidationError) as exc:
        file(world, daily, zero=True)
    assert "首次报送" in exc.value.message_dict["__all__"][0]
    assert not Report.objects.exists()


def test_reporter_cannot_create_an_assignment(world, daily):
    from tongxin.regions.models import Region

    with pytest.raises(Http404):
        services.create_assignment(world.home_reporter, form=daily.form, issuer=world.province,
                                   region=Region.objects.get(code="430921"), name="x", deadline=dt.time(10),
                                   start_date=START, end_date=END)
    with pytest.raises(Http404):  # the separated administrators see no bureau to issue for
        services.create_assignment(world.auditor, form=daily.form, issuer=world.province,
                                   region=Region.objects.get(code="430921"), name="x", deadline=dt.time(10),
                                   start_date=START, end_date=END)


@pytest.mark.parametrize("value", [10**12, 10**22, "1e30", "Infinity", "NaN"])
def test_absurd_numbers_are_refused_with_words(world, daily, value):
    with pytest.raises(ValidationError) as exc:
        file(world, daily, values=good_values(items_disinfected=value))
    assert "items_disinfected" in exc.value.message_dict
    assert not Report.objects.exists()
