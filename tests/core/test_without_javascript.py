"""Every page works without JavaScript (issue 8, item 9): what Bootstrap's scripts open, a link or
a checkbox opens too, through static/tongxin/nojs.css, which only a browser without scripts loads."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from tests.reports.conftest import at, good_values
from tongxin.reports import services

NOJS = Path(finders.find("tongxin/nojs.css"))


def test_every_page_loads_the_no_javascript_styles_only_when_scripts_are_off(world, client_for):
    html = client_for(world.nanxian).get(reverse("home")).content.decode()
    assert '<noscript><link rel="stylesheet" href="/static/tongxin/nojs.css"></noscript>' in html


def test_the_phone_menu_has_a_checkbox_toggle_beside_bootstraps_button(world, client_for):
    html = client_for(world.nanxian).get(reverse("home")).content.decode()
    nav = html.split('<nav class="navbar', 1)[1].split("</nav>", 1)[0]
    assert 'data-bs-toggle="collapse" data-bs-target="#tx-nav"' in nav  # Bootstrap's, with scripts
    assert 'id="tx-nav-toggle"' in nav and '<label for="tx-nav-toggle"' in nav  # the same without
    # the checkbox comes before the menu it opens (a sibling selector), and the CSS opens it
    assert nav.index('id="tx-nav-toggle"') < nav.index('id="tx-nav"')
    css = NOJS.read_text()
    assert ".tx-nav-toggle:checked ~ .navbar-collapse { display: block; }" in css
    assert ".tx-js-only { display: none !important; }" in css


@pytest.fixture
def filed(world):
    from tests.reports.conftest import END, START
    from tongxin.regions.models import Region
    from tongxin.units.models import Kind

    (version,) = services.load_builtin_forms()
    daily = services.create_assignment(
        world.hunan, form=version.form, issuer=world.province, region=Region.objects.get(code="430000"),
        name="养老机构疫情防控日报", deadline=at(START, 10).time(), start_date=START, end_date=END,
        unit_kinds=[Kind.ELDERLY_CARE])
    day = START
    return services.submit_report(world.home_reporter, assignment=daily, unit=world.nanxian_home, day=day,
                                  values=good_values(), now=at(day, 9)).report


def test_the_correction_opens_from_a_link_to_its_section(world, filed, client_for):
    html = client_for(world.home_reporter).get(reverse("reports:detail", args=[filed.pk])).content.decode()
    assert 'href="#correct" data-bs-toggle="collapse" data-bs-target="#correct"' in html
    assert '<section id="correct" class="collapse' in html
    assert ".collapse:target { display: block; }" in NOJS.read_text()


def test_a_correction_is_a_plain_form_post(world, filed, client_for):
    """What a browser without scripts sends: the form's fields, nothing built by a script."""
    client = client_for(world.home_reporter)
    html = client.get(reverse("reports:detail", args=[filed.pk])).content.decode()
    assert f'<form method="post" action="{reverse("reports:correct", args=[filed.pk])}"' in html
    data = {k: ("true" if v is True else "false" if v is False else v) for k, v in good_values().items()}
    response = client.post(reverse("reports:correct", args=[filed.pk]),
                           {**data, "residents_in_care": "90", "tx-reason": "漏报 4 名新入住老人"})
    assert response.status_code == 302
    filed.refresh_from_db()
    assert filed.revision_count == 2 and filed.values["residents_in_care"] == 90


def test_a_failed_correction_comes_back_open(world, filed, client_for):
    response = client_for(world.home_reporter).post(reverse("reports:correct", args=[filed.pk]),
                                                    {"residents_in_care": "90"})
    assert response.status_code == 400
    assert '<section id="correct" class="collapse show' in response.content.decode()


def test_the_ledger_filters_open_from_a_link_on_a_phone(world, client_for):
    html = client_for(world.nanxian).get(reverse("ledger:list")).content.decode()
    assert 'href="#ledger-filters" id="ledger-filters-button"' in html
    assert 'id="ledger-filters"' in html


def test_the_form_builder_adds_a_row_without_javascript_and_saves_nothing(world, client_for):
    from tests.reports.test_admin_web import WARD_FIELDS, WARD_RULE, builder_data, page_data
    from tongxin.reports.models import Form

    client = client_for(world.nanxian)
    page = client.get(reverse("reports:form-create")).content.decode()
    assert 'name="tx-add-row" value="fields"' in page and 'name="tx-add-row" value="rules"' in page
    response = client.post(reverse("reports:form-create"),
                           {**builder_data(WARD_FIELDS, [WARD_RULE]), "tx-add-row": "fields"})
    assert response.status_code == 200
    assert len(response.context["fields"].forms) == 3 and len(response.context["rules"].forms) == 1
    html = response.content.decode()
    assert 'name="fields-2-key"' in html and 'value="residents_vaccinated"' in html  # typed rows are kept
    assert 'id="builder-errors"' not in html  # an empty new row is no error
    assert not Form.objects.filter(code="ward-daily").exists()
    # then saving the page as it is, the new row left empty, saves the two fields
    response = client.post(reverse("reports:form-create"), page_data(response))
    assert response.status_code == 302
    assert len(Form.objects.get(code="ward-daily").latest_version().fields) == 2
