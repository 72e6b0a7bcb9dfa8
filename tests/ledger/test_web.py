"""The ledger's pages: the list and its filters, an entry's life through the web, evidence files,
a new entry, statistics — each seen by the story's personas."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from tests.ledger.conftest import FOUND
from tongxin.core.models import Attachment
from tongxin.inspections import services as inspections
from tongxin.ledger import queries, services
from tongxin.ledger.models import LedgerEntry, Status
from tongxin.regions.models import Region

NOON = dt.datetime(2021, 8, 12, 4, 0, tzinfo=dt.UTC)  # 12:00 in Beijing on 2021-08-12


@pytest.fixture
def freeze(monkeypatch):
    """freeze(moment): make `timezone.now()` answer `moment` (so localdate() is Beijing's date then)."""
    def set_now(moment: dt.datetime):
        monkeypatch.setattr(timezone, "now", lambda: moment)
    set_now(NOON)
    return set_now


def jpeg(name: str = "fix.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (80, 60), (30, 160, 60)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def put(actor, unit, campaign=None, **values):
    defaults = {"source": "supervision", "category": "fire", "severity": "major", "description": "疏散通道堆放杂物",
                "found_on": FOUND, "deadline": FOUND + dt.timedelta(days=7)}
    if campaign is not None:
        defaults.update(context_kind="campaign", context_id=campaign.pk)
    return services.open_entry(actor, unit=unit, **{**defaults, **values})


def close(entry, fixer, verifier, photo):
    services.transition(fixer, entry, "start")
    services.transition(fixer, entry, "submit_fix", attachments=[photo(fixer, entry.unit)])
    return services.transition(verifier, entry, "close")


@pytest.fixture
def ledger(world, photo, second_officer, freeze):
    """Six entries: four in 南县 (one closed, one awaiting verification, one overdue, one in time), two in 慈利县."""
    campaign = inspections.create_campaign(
        world.hunan, name="拉网式隐患大排查", issuer=world.province, region=Region.objects.get(code="430000"),
        templates=[inspections.load_builtin_checklists()[0].template], start_date=FOUND,
        end_date=FOUND + dt.timedelta(days=30), self_inspection_deadline=FOUND + dt.timedelta(days=10))
    e = {
        "closed": put(world.nanxian, world.nanxian_home, description="灭火器过期", campaign=campaign),
        "awaiting": put(world.nanxian, world.nanxian_home, category="food", severity="general",
                        description="留样记录不全", deadline=dt.date(2021, 8, 20)),
        "overdue": put(world.nanxian, world.nanxian_home_2, severity="serious", description="燃气管道老化",
                       category="gas", deadline=dt.date(2021, 8, 5), campaign=campaign),
        "in_time": put(world.nanxian, world.nanxian_home_2, description="访客登记缺项", category="epidemic",
                       severity="general", deadline=dt.date(2021, 8, 30), source="other"),
        "cili_late": put(world.cili, world.cili_home, description="隔离室未设置", category="epidemic",
                         deadline=dt.date(2021, 8, 3), campaign=campaign),
        "cili_closed": put(world.cili, world.cili_home, description="电线私拉乱接", category="electrical"),
    }
    close(e["closed"], world.home_reporter, second_officer, photo)
    close(e["cili_closed"], world.cili, world.hunan, photo)
    services.transition(world.home_reporter, e["awaiting"], "start")
    services.transition(world.home_reporter, e["awaiting"], "submit_fix", attachments=[photo(world.home_reporter)])
    for entry in e.values():
        entry.refresh_from_db()
    e["campaign"] = campaign
    return e


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content[:500]
    return re.findall(r'data-entry="([^"]+)"', response.content.decode())


def count(response, name: str) -> int:
    return int(re.search(rf'data-count="{name}">(\d+)<', response.content.decode()).group(1))


def list_page(client, **params):
    return client.get(reverse("ledger:list"), params)


def test_a_county_officer_sees_only_the_county(world, ledger, client_for):
    shown = numbers(list_page(client_for(world.nanxian)))
    assert set(shown) == {ledger[k].number for k in ("closed", "awaiting", "overdue", "in_time")}


FILTERS = [
    ({"region": "430921"}, {"closed", "awaiting", "overdue", "in_time"}),
    ({"region": "430800"}, {"cili_late", "cili_closed"}),
    ({"status": "closed"}, {"closed", "cili_closed"}),
    ({"status": "unclosed"}, {"awaiting", "overdue", "in_time", "cili_late"}),
    ({"severity": "serious"}, {"overdue"}),
    ({"category": "epidemic"}, {"in_time", "cili_late"}),
    ({"overdue": "1"}, {"overdue", "cili_late"}),
    ({"q": "燃气"}, {"overdue"}),
    ({"q": "430821-2021-0002"}, {"cili_closed"}),
]


@pytest.mark.parametrize(("params", "expected"), FILTERS, ids=[next(iter(p)) + "=" + str(next(iter(p.values())))
                                                               for p, _ in FILTERS])
def test_each_filter_selects_its_rows_and_the_counts_equal_them(world, ledger, client_for, params, expected):
    response = list_page(client_for(world.hunan), **params)
    assert set(numbers(response)) == {ledger[k].number for k in expected}
    rows = [ledger[k] for k in expected]
    assert count(response, "total") == len(rows)
    assert count(response, "unclosed") == sum(r.status != Status.CLOSED for r in rows)
    assert count(response, "awaiting") == sum(r.status == Status.AWAITING for r in rows)
    assert count(response, "overdue") == sum(services.is_overdue(r) for r in rows)


def test_the_campaign_and_unit_filters(world, ledger, client_for):
    client = client_for(world.hunan)
    by_campaign = numbers(list_page(client, campaign=ledger["campaign"].pk))
    assert set(by_campaign) == {ledger[k].number for k in ("closed", "overdue", "cili_late")}
    every = numbers(list_page(client, unit=world.nanxian_home.pk, status=""))
    assert set(every) == {ledger["closed"].number, ledger["awaiting"].number}


def test_a_unit_page_link_shows_that_units_open_entries(world, ledger, client_for):
    response = list_page(client_for(world.nanxian), unit=world.nanxian_home.pk)
    assert numbers(response) == [ledger["awaiting"].number]
    assert "南县福利院" in response.content.decode()


def test_overdue_first_then_by_deadline(world, ledger, client_for):
    shown = numbers(list_page(client_for(world.hunan)))
    late = [ledger["cili_late"].number, ledger["overdue"].number]
    assert shown[:2] == late
    rest = LedgerEntry.objects.filter(number__in=shown[2:])
    assert [e.number for e in sorted(rest, key=lambda e: (e.deadline, e.pk))] == shown[2:]


def test_the_overdue_flag_and_filter_turn_at_beijing_midnight(world, ledger, client_for, freeze):
    entry = ledger["in_time"]  # deadline 2021-08-30
    freeze(dt.datetime(2021, 8, 30, 15, 59, tzinfo=dt.UTC))  # 23:59 on the deadline day in Beijing
    client = client_for(world.nanxian)  # signed in at that moment, so the session is fresh
    assert entry.number not in numbers(list_page(client, overdue="1"))
    freeze(dt.datetime(2021, 8, 30, 16, 1, tzinfo=dt.UTC))   # 00:01 on 08-31 in Beijing, still 08-30 in UTC
    response = list_page(client, overdue="1")
    assert entry.number in numbers(response)
    row = re.search(rf'data-entry="{entry.number}".*?</tr>', response.content.decode(), re.S).group(0)
    assert "已逾期 1 天" in row
    detail = client.get(reverse("ledger:detail", args=[entry.pk])).content.decode()
    assert "已逾期 1 天" in detail


def test_the_overdue_flag_counts_the_days(world, ledger, client_for):
    response = list_page(client_for(world.nanxian), overdue="1")
    row = re.search(rf'data-entry="{ledger["overdue"].number}".*?</tr>', response.content.decode(), re.S).group(0)
    assert "已逾期 7 天" in row  # deadline 08-05, today 08-12


def test_the_detail_shows_the_entry_and_its_timeline(world, ledger, client_for):
    entry = ledger["closed"]
    html = client_for(world.nanxian).get(reverse("ledger:detail", args=[entry.pk])).content.decode()
    assert entry.number in html and "灭火器过期" in html and "拉网式隐患大排查" in html
    timeline = re.findall(r'data-transition="(\w+)"', html)
    assert timeline == ["open", "start", "submit_fix", "close"]
    assert "南县民政局 刘" in html  # the verifier, by name
    closed_at = timezone.localtime(entry.closed_at).strftime("%Y-%m-%d %H:%M")
    assert closed_at in html  # Beijing time
    evidence = entry.transitions.get(name="submit_fix").attachments.get()
    assert reverse("files:thumb", args=[evidence.pk]) in html
    assert reverse("files:file", args=[evidence.pk]) in html
    assert 'id="entry-actions"' not in html  # nothing left to do


def post(client, entry, name, comment="", files=()):
    return client.post(reverse("ledger:transition", args=[entry.pk]),
                       {"name": name, "comment": comment, "files": list(files)})


def test_the_whole_life_through_the_web(world, client_for, second_officer, freeze):
    entry = put(world.nanxian, world.nanxian_home, deadline=dt.date(2021, 8, 20))
    home, verifier = client_for(world.home_reporter), client_for(second_officer)
    detail = reverse("ledger:detail", args=[entry.pk])
    assert 'id="action-start"' in home.get(detail).content.decode()
    assert post(home, entry, "start", "已安排清理").status_code == 302
    assert 'id="action-submit_fix"' in home.get(detail).content.decode()
    assert post(home, entry, "submit_fix", "已清理", [jpeg()]).status_code == 302
    html = verifier.get(detail).content.decode()
    assert 'id="action-close"' in html and 'id="action-return"' in html

    refused = post(verifier, entry, "return", "  ")
    assert refused.status_code == 400 and "退回须说明原因" in refused.content.decode()
    entry.refresh_from_db()
    assert entry.status == Status.AWAITING
    assert post(verifier, entry, "return", "楼梯间仍有杂物").status_code == 302
    entry.refresh_from_db()
    assert entry.status == Status.RETURNED

    post(home, entry, "start")
    post(home, entry, "submit_fix", files=[jpeg("again.jpg")])
    assert post(verifier, entry, "close", "复查合格").status_code == 302
    entry.refresh_from_db()
    assert entry.status == Status.CLOSED and entry.closed_by == second_officer
    assert list(entry.transitions.values_list("name", flat=True)) == [
        "open", "start", "submit_fix", "return", "start", "submit_fix", "close"]
    fix = entry.transitions.filter(name="submit_fix").first()
    assert fix.comment == "已清理" and fix.attachments.get().content_type == "image/jpeg"


def test_the_reporter_is_not_offered_verification(world, ledger, client_for):
    html = client_for(world.home_reporter).get(reverse("ledger:detail", args=[ledger["awaiting"].pk])).content.decode()
    assert 'id="action-close"' not in html and 'id="action-return"' not in html


def test_the_fixer_cannot_close(world, client_for, freeze):
    entry = put(world.nanxian, world.nanxian_home)
    client = client_for(world.nanxian)
    post(client, entry, "start")
    post(client, entry, "submit_fix", files=[jpeg()])
    html = client.get(reverse("ledger:detail", args=[entry.pk])).content.decode()
    assert 'id="action-close"' not in html and 'id="action-note"' in html
    response = post(client, entry, "close", "自己验收")
    assert response.status_code == 400
    assert "整改人不能验收自己整改的问题" in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == Status.AWAITING and entry.closed_by is None
    assert not entry.transitions.filter(name="close").exists()


def test_a_move_the_state_does_not_allow_shows_the_message(world, ledger, client_for):
    entry = ledger["in_time"]
    response = post(client_for(world.nanxian), entry, "close")
    assert response.status_code == 400
    assert "当前状态为「挂账」，不能转为「已销号」" in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == Status.OPEN


def test_submitting_a_fix_without_evidence_shows_the_message(world, client_for, freeze):
    entry = put(world.nanxian, world.nanxian_home)
    client = client_for(world.home_reporter)
    post(client, entry, "start")
    response = post(client, entry, "submit_fix", "已整改")
    assert response.status_code == 400 and "提交验收须上传整改后的照片或材料" in response.content.decode()
    assert "已整改" in response.content.decode()  # the comment typed is kept


def test_a_file_that_is_not_an_image_is_refused_with_a_message(world, client_for, freeze):
    entry = put(world.nanxian, world.nanxian_home)
    client = client_for(world.home_reporter)
    post(client, entry, "start")
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 this is a program, not a photo", content_type="image/jpeg")
    before = Attachment.objects.count()
    response = post(client, entry, "submit_fix", "已整改", [jpeg(), fake])
    assert response.status_code == 400
    html = response.content.decode()
    assert "photo.jpg" in html and "不支持这种文件" in html
    entry.refresh_from_db()
    assert entry.status == Status.RECTIFYING
    assert Attachment.objects.count() == before  # the good photo went back out too


def test_a_stranger_county_gets_404_for_the_entry_and_its_files(world, ledger, client_for):
    entry = ledger["closed"]
    evidence = entry.transitions.get(name="submit_fix").attachments.get()
    cili = client_for(world.cili)
    assert cili.get(reverse("ledger:detail", args=[entry.pk])).status_code == 404
    assert post(cili, ledger["in_time"], "start").status_code == 404
    assert cili.get(reverse("files:file", args=[evidence.pk])).status_code == 404
    assert cili.get(reverse("files:thumb", args=[evidence.pk])).status_code == 404
    ledger["in_time"].refresh_from_db()
    assert ledger["in_time"].status == Status.OPEN


def test_the_county_gets_the_file_and_its_thumbnail(world, ledger, client_for):
    evidence = ledger["closed"].transitions.get(name="submit_fix").attachments.get()
    client = client_for(world.nanxian)
    full = client.get(reverse("files:file", args=[evidence.pk]))
    thumb = client.get(reverse("files:thumb", args=[evidence.pk]))
    assert full.status_code == thumb.status_code == 200
    assert full["Content-Type"] == "image/jpeg" and full["X-Content-Type-Options"] == "nosniff"
    assert full["Content-Disposition"].startswith("inline; ")  # our own re-encoded pixels
    assert full["Content-Security-Policy"] == thumb["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert b"".join(thumb.streaming_content).startswith(b"\xff\xd8\xff")


def test_an_unknown_file_is_404(world, client_for):
    assert client_for(world.hunan).get(reverse("files:file", args=[999999])).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(world, ledger, client):
    for url in (reverse("ledger:list"), reverse("ledger:detail", args=[ledger["closed"].pk]), reverse("ledger:stats")):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def new_entry(**values):
    data = {"source": "daily_report", "category": "fire", "severity": "major", "description": "日报反映消防通道堵塞",
            "required_measure": "立即清理", "responsible_person": "李敏", "responsible_phone": "13807371234",
            "found_on": "2021-08-10", "deadline": "2021-08-15"}
    return {**data, **values}


def test_an_officer_puts_a_problem_on_the_ledger_with_a_photo(world, client_for, freeze):
    client = client_for(world.nanxian)
    assert client.get(reverse("ledger:create")).status_code == 200
    response = client.post(reverse("ledger:create"), new_entry(unit=world.nanxian_home.pk, photos=[jpeg()]))
    entry = LedgerEntry.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("ledger:detail", args=[entry.pk])
    assert (entry.number, entry.source, entry.status) == ("430921-2021-0001", "daily_report", Status.OPEN)
    assert entry.attachments.get().unit_id == world.nanxian_home.pk


def test_a_deadline_before_the_finding_is_refused_with_the_message(world, client_for, freeze):
    response = client_for(world.nanxian).post(reverse("ledger:create"),
                                              new_entry(unit=world.nanxian_home.pk, deadline="2021-08-09"))
    assert response.status_code == 400
    assert "整改时限不能早于发现日期" in response.content.decode()
    assert not LedgerEntry.objects.exists()


def test_a_unit_outside_the_scope_cannot_be_chosen(world, client_for, freeze):
    response = client_for(world.cili).post(reverse("ledger:create"), new_entry(unit=world.nanxian_home.pk))
    assert response.status_code == 400 and 'data-error-for="unit"' in response.content.decode()
    assert not LedgerEntry.objects.exists()


def test_an_auditor_cannot_open_the_new_entry_page(world, client_for):
    assert client_for(world.auditor).get(reverse("ledger:create")).status_code == 403


def stats_rows(response) -> dict[str, dict[str, int]]:
    assert response.status_code == 200, response.content[:300]
    html = response.content.decode()
    rows = {}
    for key, body in re.findall(r'<tr data-row="([^"]+)"[^>]*>(.*?)</tr>', html, re.S):
        rows[key] = {col: int(n) for col, n in re.findall(r'data-col="(\w+)">(?:<a[^>]*>)?(\d+)', body)}
    total = re.search(r'<tr id="stats-sum">(.*?)</tr>', html, re.S).group(1)
    return rows, {col: int(n) for col, n in re.findall(r'data-col="(\w+)">(\d+)', total)}


def test_stats_total_is_the_sum_of_rows_and_matches_the_list(world, ledger, client_for):
    client = client_for(world.hunan)
    rows, total = stats_rows(client.get(reverse("ledger:stats"), {"region": "430000"}))
    assert set(rows) == {"430900", "430800"}
    for col in ("found", "closed", "open", "overdue"):
        assert total[col] == sum(r[col] for r in rows.values())
    assert rows["430900"] == {"found": 4, "closed": 1, "open": 3, "overdue": 1}
    listed = list_page(client, region="430000")
    assert (total["found"], total["overdue"]) == (count(listed, "total"), count(listed, "overdue"))


def test_stats_and_the_query_agree(world, ledger):
    total, rows = queries.stats_by_region(world.hunan, Region.objects.get(code="430000"))
    assert total.found == sum(r.found for r in rows) == 6
    assert total.overdue == sum(r.overdue for r in rows) == 2


def test_county_stats_break_down_by_unit(world, ledger, client_for):
    rows, total = stats_rows(client_for(world.nanxian).get(reverse("ledger:stats")))
    assert set(rows) == {str(world.nanxian_home.pk), str(world.nanxian_home_2.pk)}
    assert total == {"found": 4, "closed": 1, "open": 3, "overdue": 1}


def test_stats_for_a_campaign(world, ledger, client_for):
    response = client_for(world.hunan).get(reverse("ledger:stats"), {"campaign": ledger["campaign"].pk})
    _rows, total = stats_rows(response)
    assert total == {"found": 3, "closed": 1, "open": 2, "overdue": 2}


def test_stats_for_a_region_outside_the_scope_is_404(world, ledger, client_for):
    assert client_for(world.cili).get(reverse("ledger:stats"), {"region": "430921"}).status_code == 404
    assert client_for(world.nanxian).get(reverse("ledger:stats"), {"region": "430000"}).status_code == 404


@pytest.mark.parametrize("campaign", ["²", "①", "٣"])
def test_the_stats_page_takes_a_strange_campaign_number_as_unknown(world, client_for, campaign):
    response = client_for(world.nanxian).get(reverse("ledger:stats"), {"campaign": campaign})
    assert response.status_code == 200
