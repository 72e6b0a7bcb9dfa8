"""The scope matrix: every endpoint that takes an object id, for every persona.

A stranger county's officer (`cili`) gets 404 for a 南县 unit — on read and on write, on the
web and in the API — and nothing changes; the province officer (`hunan`) sees both counties.
`test_every_object_endpoint_is_in_the_matrix` fails when a new route with an id appears and
nobody added it here, so a new module cannot skip the matrix.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tongxin.units.models import Unit

# (name, method, how to build the URL from a unit, request body or None)
WEB = [
    ("units:detail", "get", None),
    ("units:edit", "get", None),
    ("units:edit", "post", {"name": "改名", "kind": "elderly_care", "region": "430821"}),
]
API = [
    ("unit-detail", "get", None),
    ("unit-detail", "patch", {"name": "改名"}),
    ("unit-detail", "put", {"name": "改名", "kind": "elderly_care", "region": "430821"}),
]
COVERED = {name for name, _m, _b in WEB + API}


def _call(client, method, url, body, api):
    if body is None:
        return getattr(client, method)(url)
    if api:
        return getattr(client, method)(url, body, format="json")
    return getattr(client, method)(url, body)


@pytest.mark.parametrize(("name", "method", "body"), WEB)
def test_county_officer_cannot_see_other_county_on_the_web(world, client_for, name, method, body):
    target = world.nanxian_home
    before = Unit.objects.get(pk=target.pk)
    response = _call(client_for(world.cili), method, reverse(name, args=[target.pk]), body, api=False)
    assert response.status_code == 404
    assert Unit.objects.get(pk=target.pk).name == before.name


@pytest.mark.parametrize(("name", "method", "body"), API)
def test_county_officer_cannot_see_other_county_in_the_api(world, api_for, name, method, body):
    target = world.nanxian_home
    response = _call(api_for(world.cili), method, reverse(name, args=[target.pk]), body, api=True)
    assert response.status_code == 404
    assert response.json()["detail"]
    assert Unit.objects.get(pk=target.pk).name == "南县福利院"


@pytest.mark.parametrize("unit_attr", ["nanxian_home", "cili_home"])
@pytest.mark.parametrize(("name", "method", "body"), [r for r in WEB if r[1] == "get"])
def test_province_officer_sees_both_counties_on_the_web(world, client_for, unit_attr, name, method, body):
    unit = getattr(world, unit_attr)
    assert client_for(world.hunan).get(reverse(name, args=[unit.pk])).status_code == 200


@pytest.mark.parametrize("unit_attr", ["nanxian_home", "cili_home"])
def test_province_officer_sees_both_counties_in_the_api(world, api_for, unit_attr):
    unit = getattr(world, unit_attr)
    response = api_for(world.hunan).get(reverse("unit-detail", args=[unit.pk]))
    assert response.status_code == 200
    assert response.json()["name"] == unit.name


def test_own_county_officer_can_edit_own_home(world, api_for):
    response = api_for(world.nanxian).patch(
        reverse("unit-detail", args=[world.nanxian_home.pk]), {"beds": 130}, format="json"
    )
    assert response.status_code == 200
    assert Unit.objects.get(pk=world.nanxian_home.pk).beds == 130


def test_reporter_sees_own_home_only(world, api_for):
    client = api_for(world.home_reporter)
    assert client.get(reverse("unit-detail", args=[world.nanxian_home.pk])).status_code == 200
    assert client.get(reverse("unit-detail", args=[world.nanxian_home_2.pk])).status_code == 404
    assert client.get(reverse("unit-detail", args=[world.nanxian_bureau.pk])).status_code == 404


def test_reporter_may_read_but_not_edit_own_home(world, api_for):
    response = api_for(world.home_reporter).patch(
        reverse("unit-detail", args=[world.nanxian_home.pk]), {"beds": 1}, format="json"
    )
    assert response.status_code == 403
    assert Unit.objects.get(pk=world.nanxian_home.pk).beds == 120


def test_anonymous_gets_login_or_401(world, client):
    web = client.get(reverse("units:detail", args=[world.nanxian_home.pk]))
    assert web.status_code == 302 and "/accounts/login/" in web["Location"]
    api = client.get(reverse("unit-detail", args=[world.nanxian_home.pk]))
    assert api.status_code in (401, 403)


@pytest.mark.parametrize(
    ("persona", "visible", "hidden"),
    [
        ("nanxian", {"南县福利院", "南县南洲镇敬老院", "南县民政局"},
         {"慈利县零阳镇敬老院", "慈利县乐善社会工作服务中心"}),
        ("cili", {"慈利县零阳镇敬老院", "慈利县乐善社会工作服务中心"}, {"南县福利院", "南县民政局", "益阳市民政局"}),
        ("hunan", {"南县福利院", "慈利县零阳镇敬老院", "湖南省民政厅"}, set()),
        ("home_reporter", {"南县福利院"}, {"南县南洲镇敬老院", "南县民政局"}),
    ],
)
def test_lists_api_and_web_show_exactly_the_scope(world, api_for, client_for, persona, visible, hidden):
    user = getattr(world, persona)
    api_names = {row["name"] for row in api_for(user).get("/api/units/?page_size=500").json()["results"]}
    web_html = client_for(user).get(reverse("units:list")).content.decode()
    assert visible <= api_names
    assert not hidden & api_names
    for name in visible:
        assert name in web_html
    for name in hidden:
        assert name not in web_html


def test_search_does_not_reach_outside_scope(world, api_for, client_for):
    assert api_for(world.cili).get("/api/units/?q=南县福利院").json()["count"] == 0
    assert "南县福利院" not in client_for(world.cili).get(reverse("units:list") + "?q=南县").content.decode()


# --- reports and notifications -----------------------------------------------------------------

# Routes with an id that are deliberately not unit-scoped, and why.
GLOBAL = {
    "reports:form-detail": "report forms are shared configuration, readable by every signed-in user",
    "reports:form-edit": "editing makes a new version; define_form checks the role",
    "reports:form-export": "report forms are shared configuration",
    "report-form-detail": "report forms are shared configuration",
    "report-form-versions": "report forms are shared configuration",
}


@pytest.fixture
def nanxian_filing(world):
    """A 南县 report and an assignment issued by 南县民政局, the objects a stranger must not reach."""
    import datetime as dt

    from tests.reports.conftest import at, good_values
    from tongxin.regions.models import Region
    from tongxin.reports import services

    (version,) = services.load_builtin_forms()
    day = dt.date(2021, 8, 2)
    assignment = services.create_assignment(
        world.nanxian, form=version.form, issuer=world.nanxian_bureau, region=Region.objects.get(code="430921"),
        name="南县日报", deadline=dt.time(10), start_date=day, end_date=day, unit_kinds=["elderly_care"])
    report = services.submit_report(world.home_reporter, assignment=assignment, unit=world.nanxian_home, day=day,
                                    values=good_values(), now=at(day, 9)).report
    return report, assignment


REPORT_ROUTES = [  # (name, method, which object, body, api)
    ("reports:detail", "get", "report", None, False),
    ("reports:correct", "post", "report", {"reason": "改", "residents_in_care": "1"}, False),
    ("reports:assignment-detail", "get", "assignment", None, False),
    ("report-detail", "get", "report", None, True),
    ("report-correct", "post", "report", {"reason": "改", "values": {"residents_in_care": 1}}, True),
    ("report-revisions", "get", "report", None, True),
    ("report-assignment-detail", "get", "assignment", None, True),
    ("reports:raise-entry", "post", "report", {"category": "fire", "severity": "general", "deadline": "2021-08-09",
                                               "description": "x"}, False),
    ("report-raise-entry", "post", "report", {"category": "fire", "severity": "general", "deadline": "2021-08-09"},
     True),
]
COVERED |= {name for name, *_rest in REPORT_ROUTES} | set(GLOBAL) | {"notifications:read", "reports:file"}


@pytest.mark.parametrize(("name", "method", "which", "body", "api"), REPORT_ROUTES)
def test_county_officer_cannot_reach_other_countys_reports(world, nanxian_filing, client_for, api_for,
                                                           name, method, which, body, api):
    from tongxin.reports.models import Report, Revision

    report, assignment = nanxian_filing
    target = report if which == "report" else assignment
    client = api_for(world.cili) if api else client_for(world.cili)
    response = _call(client, method, reverse(name, args=[target.pk]), body, api=api)
    assert response.status_code == 404
    assert Revision.objects.filter(report=report).count() == 1
    assert Report.objects.get(pk=report.pk).values["residents_in_care"] == 86


@pytest.mark.parametrize(("name", "method", "which", "body", "api"), [r for r in REPORT_ROUTES if r[1] == "get"])
def test_province_officer_reaches_nanxian_reports(world, nanxian_filing, client_for, api_for,
                                                  name, method, which, body, api):
    report, assignment = nanxian_filing
    target = report if which == "report" else assignment
    client = api_for(world.hunan) if api else client_for(world.hunan)
    assert client.get(reverse(name, args=[target.pk])).status_code == 200


@pytest.mark.parametrize("method", ["get", "post"])
def test_county_officer_cannot_file_for_another_countys_home(world, nanxian_filing, client_for, method):
    from tongxin.reports.models import Report

    _report, assignment = nanxian_filing
    url = reverse("reports:file", args=[assignment.pk, "2021-08-02"]) + f"?unit={world.nanxian_home_2.pk}"
    response = getattr(client_for(world.cili), method)(url, {"zero": "1"} if method == "post" else None)
    assert response.status_code == 404
    assert Report.objects.count() == 1


def test_nobody_reads_someone_elses_notification(world, client_for):
    from tongxin.core.notify import notify

    (note,) = notify([world.nanxian], title="催报")
    response = client_for(world.cili).post(reverse("notifications:read", args=[note.pk]))
    assert response.status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


# --- inspections and the ledger ------------------------------------------------------------------

GLOBAL["checklist-detail"] = "checklists are shared configuration, readable by every signed-in user"


@pytest.fixture
def nanxian_inspection(world, settings, tmp_path):
    """A 南县 campaign, team, draft inspection with a finding, and a ledger entry with a photo."""
    import datetime as dt
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from tongxin.core.uploads import store_attachment
    from tongxin.inspections import services as inspections
    from tongxin.ledger import services as ledger
    from tongxin.regions.models import Region

    settings.MEDIA_ROOT = tmp_path
    day = dt.date(2021, 8, 1)
    five, _general = inspections.load_builtin_checklists()
    campaign = inspections.create_campaign(
        world.nanxian, name="南县排查", issuer=world.nanxian_bureau, region=Region.objects.get(code="430921"),
        templates=[five.template], start_date=day, end_date=day, self_inspection_deadline=day)
    team = inspections.create_team(world.nanxian, name="南县督导组", bureau=world.nanxian_bureau,
                                   start_date=day, end_date=day)
    inspection = inspections.start_inspection(world.nanxian, unit=world.nanxian_home, version=five, team=team,
                                              kind="supervision", day=day, campaign=campaign)
    inspections.answer(world.nanxian, inspection, item_key="vaccination_mobilised", result="fail")
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 120, 0)).save(buffer, "JPEG")
    attachment = store_attachment(SimpleUploadedFile("p.jpg", buffer.getvalue()), uploaded_by=world.nanxian,
                                  unit_id=world.nanxian_home.pk)
    entry = ledger.open_entry(world.nanxian, unit=world.nanxian_home, source="other", category="fire",
                              severity="general", description="通道堵塞", found_on=day, deadline=day,
                              attachments=[attachment])
    return {"campaign": campaign, "team": team, "inspection": inspection, "finding": inspection.findings.get(),
            "entry": entry, "attachment": attachment}


INSPECTION_ROUTES = [  # (name, method, which object(s), body, api)
    ("inspections:detail", "get", ["inspection"], None, False),
    ("inspections:answer", "post", ["inspection"], {"item_key": "leader_in_charge", "result": "fail"}, False),
    ("inspections:findings", "get", ["inspection"], None, False),
    ("inspections:finding", "post", ["inspection", "finding"], {"action": "drop"}, False),
    ("inspections:finish", "post", ["inspection"], {"summary": "x"}, False),
    ("inspections:campaign-detail", "get", ["campaign"], None, False),
    ("ledger:detail", "get", ["entry"], None, False),
    ("ledger:transition", "post", ["entry"], {"name": "start"}, False),
    ("files:file", "get", ["attachment"], None, False),
    ("files:thumb", "get", ["attachment"], None, False),
    ("inspections:campaign-export", "get", ["campaign"], None, False),
    ("ledger-entry-detail", "get", ["entry"], None, True),
    ("ledger-entry-transition", "post", ["entry"], {"name": "start"}, True),
    ("attachment-detail", "get", ["attachment"], None, True),
    ("attachment-file", "get", ["attachment"], None, True),
    ("campaign-detail", "get", ["campaign"], None, True),
    ("campaign-progress", "get", ["campaign"], None, True),
    ("team-detail", "get", ["team"], None, True),
    ("inspection-detail", "get", ["inspection"], None, True),
    ("inspection-answers", "post", ["inspection"], {"item_key": "leader_in_charge", "result": "fail"}, True),
    ("inspection-finish", "post", ["inspection"], {"summary": "x"}, True),
    ("inspection-finding", "patch", ["inspection", "finding"], {"dropped": True}, True),
    ("inspection-finding-merge", "post", ["inspection"], {"keep": 1, "others": []}, True),
]
COVERED |= {name for name, *_rest in INSPECTION_ROUTES} | set(GLOBAL)


@pytest.mark.parametrize(("name", "method", "which", "body", "api"), INSPECTION_ROUTES)
def test_county_officer_cannot_reach_other_countys_inspections_or_ledger(world, nanxian_inspection, client_for,
                                                                         api_for, name, method, which, body, api):
    from tongxin.ledger.models import LedgerEntry, Transition

    objects = nanxian_inspection
    args = [objects[w].pk for w in which]
    client = api_for(world.cili) if api else client_for(world.cili)
    response = _call(client, method, reverse(name, args=args), body, api=api)
    assert response.status_code == 404
    assert Transition.objects.count() == 1 and LedgerEntry.objects.count() == 1
    assert objects["inspection"].answers.count() == 1


@pytest.mark.parametrize(("name", "method", "which", "body", "api"),
                         [r for r in INSPECTION_ROUTES if r[1] == "get"])
def test_province_officer_reaches_nanxian_inspections_and_ledger(world, nanxian_inspection, client_for, api_for,
                                                                 name, method, which, body, api):
    args = [nanxian_inspection[w].pk for w in which]
    client = api_for(world.hunan) if api else client_for(world.hunan)
    assert client.get(reverse(name, args=args)).status_code == 200


def _routes(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{entry.namespace}:" if entry.namespace else ""
            yield from _routes(entry, prefix + ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + entry.name, str(entry.pattern)


def test_every_object_endpoint_is_in_the_matrix():
    with_ids = {name for name, pattern in _routes() if "<int:" in pattern or "(?P<pk>" in pattern}
    missing = with_ids - COVERED
    assert not missing, f"add these routes to the scope matrix: {sorted(missing)}"
