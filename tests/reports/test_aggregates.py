"""How each numeric field adds up: sum, average, minimum, maximum — declared in the form, kept in the
roll-ups, shown in the consolidated table; a total is always the aggregate of its rows."""

from __future__ import annotations

import copy
import datetime as dt
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reports.conftest import START, at, good_values
from tests.reports.test_definition import BUILTIN
from tests.world import IN_SERVICE_FROM
from tongxin.regions.models import Region
from tongxin.reports import excel, queries, rollups, services
from tongxin.reports.definition import DefinitionError, aggregates, validate_definition
from tongxin.reports.models import Report
from tongxin.units import services as unit_services
from tongxin.units.models import Kind

DAY = START


def with_aggregate(key: str, aggregate):
    d = copy.deepcopy(BUILTIN)
    next(f for f in d["fields"] if f["key"] == key)["aggregate"] = aggregate
    return d


# --- the definition ----------------------------------------------------------------------------

def test_a_field_without_an_aggregate_sums_and_the_builtin_stock_days_take_the_lowest_and_the_average():
    fields = {f["key"]: f for f in BUILTIN["fields"]}
    assert aggregates(fields["residents_in_care"]) == ["sum"]
    assert aggregates(fields["mask_days"]) == aggregates(fields["disinfectant_days"]) == ["min", "avg"]
    assert aggregates({"key": "x", "type": "int", "aggregate": "max"}) == ["max"]


@pytest.mark.parametrize("aggregate", ["sum", "avg", "min", "max", ["max", "min"], ["avg", "sum", "min", "max"]])
def test_every_aggregate_and_a_list_of_them_is_accepted(aggregate):
    assert validate_definition(with_aggregate("residents_in_care", aggregate))


@pytest.mark.parametrize(("key", "aggregate", "words"), [
    ("residents_in_care", "median", "汇总方式无效"),
    ("residents_in_care", ["min", "min"], "汇总方式无效"),
    ("residents_in_care", [], "汇总方式无效"),
    ("residents_in_care", 5, "汇总方式无效"),
    ("notes", "sum", "不是数值"),
    ("closed_management", "avg", "不是数值"),
])
def test_a_bad_aggregate_is_refused_naming_the_field(key, aggregate, words):
    with pytest.raises(DefinitionError) as exc:
        validate_definition(with_aggregate(key, aggregate))
    assert any(words in e and key in e for e in exc.value.errors), exc.value.errors


def test_a_new_version_may_change_the_aggregate_and_reports_on_the_old_version_stay_valid(world, daily):
    old = daily.form.latest_version()
    services.submit_report(world.nanxian, assignment=daily, unit=world.nanxian_home, day=DAY,
                           values=good_values(residents_in_care=80), now=at(DAY, 9))
    services.submit_report(world.nanxian, assignment=daily, unit=world.nanxian_home_2, day=DAY,
                           values=good_values(residents_in_care=40, residents_vaccinated=30), now=at(DAY, 9))
    new = services.define_form(world.hunan, code=daily.form.code, name=daily.form.name,
                               definition=with_aggregate("residents_in_care", ["max", "sum"]))
    assert new.number == old.number + 1
    assert Report.objects.filter(form_version=old).count() == 2  # filed work keeps its version
    rows = {r[1]: r for r in excel.region_table(daily, Region.objects.get(code="430921"), DAY).rows}
    headers = excel.region_table(daily, Region.objects.get(code="430921"), DAY).headers
    assert rows["合计"][headers.index("在院老人数（最大，人）")] == 80
    assert rows["合计"][headers.index("在院老人数（合计，人）")] == 120


# --- the cross-field rule ----------------------------------------------------------------------

def test_more_staff_vaccinated_than_staff_on_site_is_refused_in_words(world, daily):
    with pytest.raises(ValidationError) as exc:
        services.submit_report(world.nanxian, assignment=daily, unit=world.nanxian_home, day=DAY,
                               values=good_values(staff_on_site=10, staff_vaccinated=11), now=at(DAY, 9))
    assert "工作人员全程接种人数不能多于在岗工作人员数" in exc.value.message_dict["__all__"]
    services.submit_report(world.nanxian, assignment=daily, unit=world.nanxian_home, day=DAY,
                           values=good_values(staff_on_site=10, staff_vaccinated=10), now=at(DAY, 9))


# --- the property: every total is the aggregate of its rows -----------------------------------

ALL = ["sum", "avg", "min", "max"]
STOCK_FORM = {"fields": [
    {"key": "stock", "label": "储备", "type": "int", "unit": "天", "required": False, "min": 0, "aggregate": ALL},
    {"key": "price", "label": "单价", "type": "decimal", "required": False, "aggregate": ["max", "min", "avg"]},
]}


@pytest.fixture
def stock(world):
    version = services.define_form(world.hunan, code="stock-daily", name="储备日报", definition=STOCK_FORM)
    return services.create_assignment(
        world.hunan, form=version.form, issuer=world.province, region=Region.objects.get(code="430000"),
        name="储备日报", deadline=dt.time(10, 0), start_date=START, end_date=START + dt.timedelta(days=3),
        unit_kinds=[Kind.ELDERLY_CARE])


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def expected(values: list[Decimal], aggregate: str) -> Decimal | None:
    if aggregate == "sum":
        return sum(values, Decimal(0))
    if not values:
        return None
    if aggregate == "avg":
        return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return min(values) if aggregate == "min" else max(values)


value = st.one_of(st.none(), st.integers(0, 400))
price = st.one_of(st.none(), st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False))
step = st.tuples(st.integers(0, 3), value, price, st.booleans())  # which unit, stock, price, correct if filed


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=1, max_size=10))
def test_each_aggregate_of_a_region_and_of_the_table_total_is_the_aggregate_of_its_rows(world, stock, steps):
    with rolled_back():
        city_home = unit_services.create_unit(None, name="益阳市社会福利院", kind=Kind.ELDERLY_CARE,
                                              region_id="430900", in_service_from=IN_SERVICE_FROM)
        units = [world.nanxian_home, world.nanxian_home_2, world.cili_home, city_home]
        for which, stock_days, unit_price, correct in steps:
            unit = units[which]
            values = {"stock": stock_days, "price": None if unit_price is None else str(unit_price)}
            report = Report.objects.filter(assignment=stock, unit=unit, day=DAY).first()
            if report is None:
                services.submit_report(None, assignment=stock, unit=unit, day=DAY, values=values, now=at(DAY, 9))
            elif correct:
                services.correct_report(None, report, values=values, reason="更正", now=at(DAY, 12))
        by_unit = {r.unit_id: r.values for r in Report.objects.filter(assignment=stock, day=DAY)}

        def of(unit_ids, key):
            return [Decimal(str(by_unit[u][key])) for u in unit_ids if u in by_unit and by_unit[u][key] is not None]

        regions = {"430000": units, "430900": [units[0], units[1], units[3]], "430921": units[:2],
                   "430800": [units[2]], "430821": [units[2]]}
        for code, members in regions.items():
            series = queries.figures(stock, Region.objects.get(code=code), [DAY], ["stock", "price"])
            for key in ("stock", "price"):
                for aggregate in ALL:
                    want = expected(of([u.pk for u in members], key), aggregate)
                    got = queries.aggregate_of(series.get(key, {}).get(DAY) or (Decimal(0), 0, None, None),
                                               aggregate)
                    assert got == want, (code, key, aggregate)
        # the consolidated table: its total row is the aggregate of its rows (regions and 本级)
        for code in ("430000", "430900"):
            table = excel.region_table(stock, Region.objects.get(code=code), DAY)
            *rows, total = [list(r) for r in table.rows]
            for column in ("储备（合计，天）", "储备（最小，天）", "储备（最大，天）", "单价（最大）", "单价（最小）"):
                i = table.headers.index(column)
                cells = [r[i] for r in rows if r[i] is not None]
                aggregate = {"合计": "sum", "最小": "min", "最大": "max"}[column.split("（")[1][:2]]
                assert total[i] == expected([Decimal(c) for c in cells], aggregate), (code, column)
            members = units if code == "430000" else [units[0], units[1], units[3]]
            for column, key in (("储备（平均，天）", "stock"), ("单价（平均）", "price")):
                assert total[table.headers.index(column)] == expected(of([u.pk for u in members], key), "avg")
        incremental = sorted(rollups_rows())
        rollups.rebuild(stock)
        assert sorted(rollups_rows()) == incremental


def rollups_rows():
    from tongxin.reports.models import FieldRollup

    return [(r.region_code, r.key, r.total, r.count, r.lowest, r.highest)
            for r in FieldRollup.objects.all() if r.count or r.total]


# --- the form builder --------------------------------------------------------------------------

def test_the_form_builder_lets_an_officer_choose_the_aggregate_and_what_else_the_table_lists(world, client_for):
    from django.urls import reverse

    from tests.reports.test_admin_web import WARD_FIELDS, builder_data
    from tongxin.reports.models import FormVersion

    fields = [*WARD_FIELDS, {"key": "mask_days", "label": "口罩储备天数", "type": "int", "unit": "天",
                             "aggregate": "min", "aggregate_also": ["avg", "max"]},
              {"key": "notes", "label": "备注", "type": "text", "aggregate": "max"}]  # not a number: ignored
    response = client_for(world.nanxian).post(reverse("reports:form-create"), builder_data(fields, ()))
    assert response.status_code == 302, response.content.decode()[:500]
    stored = {f["key"]: f for f in FormVersion.objects.get(form__code="ward-daily").definition["fields"]}
    assert stored["mask_days"]["aggregate"] == ["min", "avg", "max"]
    assert "aggregate" not in stored["residents_in_care"] and "aggregate" not in stored["notes"]  # sum: the default


def test_the_builder_shows_the_builtin_stock_days_as_lowest_with_the_average_listed(world, client_for):
    from django.urls import reverse

    (version,) = services.load_builtin_forms()
    response = client_for(world.hunan).get(reverse("reports:form-edit", args=[version.form_id]))
    rows = {f["key"].value(): f for f in response.context["fields"].forms}
    assert rows["mask_days"]["aggregate"].value() == "min"
    assert rows["mask_days"]["aggregate_also"].value() == ["avg"]
    assert rows["residents_in_care"]["aggregate"].value() == "sum"
    assert "data-tx-aggregate-box" in response.content.decode()


# --- the consolidated table on screen ----------------------------------------------------------

def test_the_consolidated_table_on_screen_says_each_aggregate_in_its_header(world, daily, client_for):
    from django.urls import reverse

    services.submit_report(world.nanxian, assignment=daily, unit=world.nanxian_home, day=DAY,
                           values=good_values(mask_days=30), now=at(DAY, 9))
    services.submit_report(world.nanxian, assignment=daily, unit=world.nanxian_home_2, day=DAY,
                           values=good_values(mask_days=11), now=at(DAY, 9))
    response = client_for(world.hunan).get(reverse("reports:table"),
                                           {"assignment": daily.pk, "region": "430000", "day": DAY.isoformat()})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<th scope=\"col\" class=\"text-end\">口罩储备天数（最小，天）</th>" in html
    assert "口罩储备天数（平均，天）" in html and "在院老人数（合计，人）" in html
    headers = response.context["headers"]
    total = response.context["total"]
    assert total[1] == "合计" and total[headers.index("口罩储备天数（最小，天）")] == "11"
    assert total[headers.index("口罩储备天数（平均，天）")] == "20.5"
    assert reverse("reports:export-regions", args=["xlsx"]) in html


def test_the_consolidated_table_on_screen_keeps_to_scope(world, daily, client_for):
    from django.urls import reverse

    params = {"assignment": daily.pk, "region": "430921", "day": DAY.isoformat()}
    assert client_for(world.cili).get(reverse("reports:table"), params).status_code == 404
    english = client_for(world.nanxian)
    english.cookies["django_language"] = "en"
    html = english.get(reverse("reports:table"), params).content.decode()
    assert "Days of masks in stock (min, days)" in html and "Residents in care (total, people)" in html
    bad = client_for(world.nanxian).get(reverse("reports:table"), {**params, "day": "2021-13-01"})
    assert bad.status_code == 200 and "报送日期" in bad.content.decode()
