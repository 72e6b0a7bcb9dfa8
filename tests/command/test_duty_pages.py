"""The duty pages: today's board (grouped by region, filterable, phones masked by the policy, 未到岗
for the level above), my shifts with the 签到 button, the week grid and its refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from tests.command.helpers import MONDAY, around_now, respond, set_today
from tongxin.command.models import CheckIn, DutyShift

H = dt.timedelta(hours=1)


@pytest.fixture
def today(world):
    """南县福利院 has its reporter on duty now (started 2 h ago), and 慈利's home a named person."""
    mine = set_today(world.nanxian_home, [around_now(before=2 * H, after=2 * H, name="周小兰", phone="13807371234",
                                                     user=world.home_reporter)])
    set_today(world.cili_home, [around_now(before=H, after=H, name="覃芳", phone="13907441234", role="leader")])
    return mine[0]


def test_the_board_groups_todays_shifts_by_region(world, client_for, today):
    page = client_for(world.hunan).get(reverse("command:duty-board"))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-region="430921"' in html and 'data-region="430821"' in html
    assert "周小兰" in html and "覃芳" in html and "在岗时段" in html


def test_a_county_sees_only_its_own_subtree_on_the_board(world, client_for, today):
    html = client_for(world.cili).get(reverse("command:duty-board")).content.decode()
    assert "覃芳" in html and "周小兰" not in html


def test_the_board_filters_by_region_name(world, client_for, today):
    html = client_for(world.hunan).get(reverse("command:duty-board"), {"region": "慈利"}).content.decode()
    assert "覃芳" in html and "周小兰" not in html


def test_an_unknown_region_is_a_message_not_a_500(world, client_for, today):
    page = client_for(world.hunan).get(reverse("command:duty-board"), {"region": "火星"})
    assert page.status_code == 400 and "火星" in page.content.decode()


def test_the_county_bureau_sees_its_homes_phones_in_full_and_the_province_masked(world, client_for, today):
    assert "13807371234" in client_for(world.nanxian).get(reverse("command:duty-board")).content.decode()
    assert "13807371234" in client_for(world.home_reporter).get(reverse("command:duty-board")).content.decode()
    province = client_for(world.hunan).get(reverse("command:duty-board")).content.decode()
    assert "13807371234" not in province and "138****1234" in province


def test_a_missing_check_in_is_flagged_for_the_level_above_only_during_a_response(world, client_for, today):
    assert "data-missed" not in client_for(world.nanxian).get(reverse("command:duty-board")).content.decode()
    respond(world, start=timezone.now() - 30 * H)
    assert "data-missed" in client_for(world.nanxian).get(reverse("command:duty-board")).content.decode()
    # the home's own people are not told off on their own board
    assert "data-missed" not in client_for(world.home_reporter).get(reverse("command:duty-board")).content.decode()


def test_the_board_as_json_marks_missed_and_masks_phones(world, api_for, today):
    respond(world, start=timezone.now() - 30 * H)
    body = api_for(world.hunan).get("/api/duty-shifts/board/").json()
    mine = next(r for r in body["results"] if r["id"] == today.pk)
    assert mine["missed"] and mine["on_duty_now"] and mine["phone"] == "138****1234"
    assert api_for(world.nanxian).get("/api/duty-shifts/board/").json()["results"][0]["phone"] == "13807371234"


# --- my shifts and the check-in ------------------------------------------------------------------

def test_outside_a_response_my_page_says_check_in_is_off_and_offers_no_button(world, client_for, today):
    html = client_for(world.home_reporter).get(reverse("command:duty-mine")).content.decode()
    assert "到岗签到未开启" in html and f"check-in-{today.pk}" not in html


def test_the_person_checks_in_with_one_tap_and_a_second_tap_says_so(world, client_for, today):
    respond(world, start=timezone.now() - 30 * H)
    c = client_for(world.home_reporter)
    assert f"check-in-{today.pk}" in c.get(reverse("command:duty-mine")).content.decode()
    first = c.post(reverse("command:duty-check-in", args=[today.pk]), follow=True)
    assert "已签到" in first.content.decode()
    second = c.post(reverse("command:duty-check-in", args=[today.pk]), follow=True)
    assert "无需重复签到" in second.content.decode()
    assert CheckIn.objects.count() == 1
    board = client_for(world.nanxian).get(reverse("command:duty-board")).content.decode()
    assert "data-checked-in" in board and "data-missed" not in board


def test_checking_in_for_someone_else_is_refused_in_words(world, client_for, today):
    respond(world, start=timezone.now() - 30 * H)
    page = client_for(world.nanxian).post(reverse("command:duty-check-in", args=[today.pk]))
    assert page.status_code == 403 and "本人" in page.content.decode()
    assert not CheckIn.objects.exists()


def test_checking_in_outside_a_response_is_refused_in_words(world, client_for, today):
    page = client_for(world.home_reporter).post(reverse("command:duty-check-in", args=[today.pk]))
    assert page.status_code == 400 and "应急响应" in page.content.decode()
    assert not CheckIn.objects.exists()


def test_a_stranger_gets_404(world, client_for, api_for, today):
    assert client_for(world.cili).post(reverse("command:duty-check-in", args=[today.pk])).status_code == 404
    assert api_for(world.cili).post(f"/api/duty-shifts/{today.pk}/check-in/").status_code == 404
    assert client_for(world.cili).get(reverse("command:duty-roster", args=[world.nanxian_home.pk])).status_code == 404


def test_check_in_through_the_api(world, api_for, today):
    respond(world, start=timezone.now() - 30 * H)
    api = api_for(world.home_reporter)
    assert api.post(f"/api/duty-shifts/{today.pk}/check-in/").status_code == 201
    again = api.post(f"/api/duty-shifts/{today.pk}/check-in/")
    assert again.status_code == 200 and again.json()["created"] is False
    assert api_for(world.nanxian).post(f"/api/duty-shifts/{today.pk}/check-in/").status_code == 403


# --- the week grid -------------------------------------------------------------------------------

def grid(**slots: dict) -> dict:
    data = {"week": MONDAY.isoformat()}
    for key, values in slots.items():
        data.update({f"{key.replace('_', '-')}-{k}": v for k, v in values.items()})
    return data


def test_a_home_enters_its_week_in_the_grid(world, client_for):
    c = client_for(world.home_reporter)
    url = reverse("command:duty-roster", args=[world.nanxian_home.pk])
    assert c.get(url, {"week": "2021-08-04"}).status_code == 200  # a week may start on any day
    response = c.post(url, grid(
        d0_l0={"name": "张院长", "phone": "13907370001", "start": "08:30", "end": "17:30"},
        d0_s0={"name": "", "phone": "13807371234", "user": str(world.home_reporter.pk), "start": "17:30",
               "end": "08:30"},
        d1_s1={"name": "王芳", "phone": "13807375678", "start": "08:00", "end": "20:00", "shift": "白班"}))
    assert response.status_code == 302
    shifts = list(DutyShift.objects.order_by("day", "role", "starts_at"))
    assert [(s.name, s.role) for s in shifts] == [
        ("张院长", "leader"), ("南县福利院填报员", "staff"), ("王芳", "staff")]
    assert shifts[1].user == world.home_reporter
    page = c.get(url, {"week": MONDAY.isoformat()}).content.decode()
    assert "张院长" in page and "白班" in page


def test_the_grid_refuses_a_bad_phone_and_overlapping_shifts_at_their_slots(world, client_for):
    c = client_for(world.nanxian)
    url = reverse("command:duty-roster", args=[world.nanxian_home.pk])
    response = c.post(url, grid(
        d0_l0={"name": "张院长", "phone": "12345", "start": "08:30", "end": "17:30"},
        d2_s0={"name": "李敏", "phone": "13807371234", "start": "08:00", "end": "14:00"},
        d2_s1={"name": "李敏", "phone": "13807371234", "start": "12:00", "end": "18:00"}))
    html = response.content.decode()
    assert response.status_code == 400
    assert "没有保存" in html and "电话号码" in html and "时间重叠" in html
    assert 'value="12345"' in html  # what was typed stays on the page
    assert not DutyShift.objects.exists()


def test_the_grid_refuses_an_unreadable_time(world, client_for):
    response = client_for(world.nanxian).post(reverse("command:duty-roster", args=[world.nanxian_home.pk]),
                                              grid(d0_l0={"name": "张院长", "phone": "13907370001", "start": "8点半",
                                                          "end": "17:30"}))
    assert response.status_code == 400 and "时:分" in response.content.decode()


def test_the_api_sets_a_week_and_refuses_overlaps_field_by_field(world, api_for):
    api = api_for(world.nanxian)
    rows = [{"day": "2021-08-02", "role": "leader", "name": "张院长", "phone": "13907370001", "start": "08:30",
             "end": "17:30"}]
    ok = api.post("/api/duty-shifts/set-week/", {"unit": world.nanxian_home.pk, "week_start": "2021-08-02",
                                                 "rows": rows}, format="json")
    assert ok.status_code == 200 and ok.json()[0]["name"] == "张院长"
    bad = api.post("/api/duty-shifts/set-week/", {"unit": world.nanxian_home.pk, "week_start": "2021-08-02",
                                                  "rows": rows + [{**rows[0], "start": "09:00"}]}, format="json")
    assert bad.status_code == 400 and "rows.1" in bad.json()
    assert DutyShift.objects.count() == 1
    listed = api.get("/api/duty-shifts/", {"region": "南县", "day": "2021-08-02"}).json()
    assert listed["count"] == 1
    assert api_for(world.cili).get("/api/duty-shifts/").json()["count"] == 0


@pytest.fixture
def _restore_language():
    """LocaleMiddleware activates the request's language in this thread; don't leak it to other tests."""
    yield
    translation.deactivate()


def test_the_duty_pages_in_english(world, client_for, _restore_language):
    from tests.core.test_i18n import assert_english

    set_today(world.nanxian_home, [around_now(before=H, after=H, name="南县福利院填报员", phone="13807371234",
                                              user=world.home_reporter)])
    respond(world, start=timezone.now() - 30 * H)
    officer, reporter = client_for(world.nanxian), client_for(world.home_reporter)
    for c in (officer, reporter):
        c.cookies["django_language"] = "en"
    assert_english(officer.get(reverse("command:duty-board")).content.decode(), ["Duty today", "Not at post"])
    assert_english(reporter.get(reverse("command:duty-mine")).content.decode(), ["My duty", "Check in"])
    roster = officer.get(reverse("command:duty-roster", args=[world.nanxian_home.pk]), {"week": "2021-08-02"})
    assert_english(roster.content.decode(), ["Save this week", "Previous week"])
    assert_english(officer.get(reverse("command:duty-import")).content.decode(), ["Import duty rosters"])


def test_the_province_edits_a_homes_week_with_phones_masked_and_they_stay_as_they_were(world, client_for):
    from tests.command.helpers import shift
    from tongxin.command.services.duty import set_roster

    set_roster(world.nanxian, unit=world.nanxian_home, week_start=MONDAY, rows=[shift(name="李敏")])
    c = client_for(world.hunan)
    url = reverse("command:duty-roster", args=[world.nanxian_home.pk])
    page = c.get(url, {"week": MONDAY.isoformat()}).content.decode()
    assert "13807371234" not in page and 'value="138****1234"' in page
    saved = c.post(url, grid(d0_s0={"name": "李敏", "phone": "138****1234", "start": "08:00", "end": "18:00"},
                             d0_s1={"name": "王芳", "phone": "13807375678", "start": "18:00", "end": "22:00"}))
    assert saved.status_code == 302
    assert set(DutyShift.objects.values_list("phone", flat=True)) == {"13807371234", "13807375678"}


@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-01", "2021-02-30"])
def test_a_week_beyond_the_calendar_shows_this_week_not_a_500(world, client_for, week):
    c = client_for(world.nanxian)
    assert c.get(reverse("command:duty-roster", args=[world.nanxian_home.pk]), {"week": week}).status_code == 200
    assert c.get(reverse("command:duty-import-template"), {"week": week}).status_code == 200


def test_the_api_refuses_a_week_beyond_the_calendar_in_words(world, api_for):
    answer = api_for(world.nanxian).post(reverse("duty-shift-set-week"), {
        "unit": world.nanxian_home.pk, "week_start": "9999-12-30", "rows": []}, format="json")
    assert answer.status_code == 400 and "week_start" in answer.json()
