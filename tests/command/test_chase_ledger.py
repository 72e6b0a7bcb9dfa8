"""Overdue feedback onto the ledger: the issuer's officers raise an entry for a unit whose feedback
is past its deadline; its source is the directive, with a link to it; not before the deadline, not
once fed back, not twice unless asked (另登记一条), never by the unit or a stranger."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from tests.command.helpers import DAY, at, chinese, issue  # noqa: F401  (chinese: a fixture)
from tongxin.command.models import Delivery
from tongxin.command.services import chase
from tongxin.ledger import sources
from tongxin.ledger.models import LedgerEntry

NEXT_DAY = DAY + dt.timedelta(days=1)


@pytest.fixture
def directive(world):
    return issue(world, issuer=world.nanxian_bureau, now=at(DAY, 9), sign_deadline=at(DAY, 12),
                 feedback_deadline=at(DAY, 23, 59))


@pytest.fixture
def late(world, directive):
    return directive.deliveries.get(unit=world.nanxian_home)


def test_overdue_feedback_raises_an_entry_whose_source_is_the_directive(world, directive, late):
    entry = chase.raise_overdue_feedback(world.nanxian, late, now=at(NEXT_DAY, 0, 1))
    assert (entry.unit, entry.source, entry.source_id) == (world.nanxian_home, "directive", directive.pk)
    assert entry.found_on == NEXT_DAY  # the local day, just past midnight
    assert entry.deadline == NEXT_DAY + dt.timedelta(days=7)
    assert "南县福利院 逾期未反馈" in entry.description and "2021-07-26 23:59" in entry.description
    link = sources.source_link(entry.source, entry.source_id)
    assert link is not None and "关于开展拉网式隐患大排查行动的紧急通知" in link.label


def test_the_ledger_shows_the_directive_as_the_source(world, late, client_for):
    entry = chase.raise_overdue_feedback(world.nanxian, late, now=at(NEXT_DAY, 9))
    page = client_for(world.nanxian).get(reverse("ledger:detail", args=[entry.pk]))
    assert page.status_code == 200
    assert "关于开展拉网式隐患大排查行动的紧急通知" in page.content.decode()


def test_before_the_feedback_deadline_it_is_refused(world, late):
    with pytest.raises(ValidationError, match=r"反馈时限（2021-07-26 23:59）未到"):
        chase.raise_overdue_feedback(world.nanxian, late, now=at(DAY, 23, 58))
    assert not LedgerEntry.objects.exists()


def test_a_unit_that_fed_back_is_not_put_on_the_ledger(world, late):
    Delivery.objects.filter(pk=late.pk).update(fed_back_at=at(DAY, 20))
    with pytest.raises(ValidationError, match="已反馈"):
        chase.raise_overdue_feedback(world.nanxian, late, now=at(NEXT_DAY, 9))


def test_a_directive_asking_no_feedback_has_none_overdue(world):
    d = issue(world, issuer=world.nanxian_bureau, now=at(DAY, 9), sign_deadline=at(DAY, 12),
              title="无需反馈的通知").deliveries.first()
    with pytest.raises(ValidationError, match="不要求反馈"):
        chase.raise_overdue_feedback(world.nanxian, d, now=at(NEXT_DAY, 9))


def test_a_second_entry_only_when_asked_for(world, late):
    first = chase.raise_overdue_feedback(world.nanxian, late, now=at(NEXT_DAY, 9))
    with pytest.raises(ValidationError) as refused:
        chase.raise_overdue_feedback(world.hunan, late, now=at(NEXT_DAY, 10))
    assert first.number in refused.value.messages[0] and "另登记一条" in refused.value.messages[0]
    assert LedgerEntry.objects.count() == 1
    chase.raise_overdue_feedback(world.hunan, late, again=True, now=at(NEXT_DAY, 10))
    assert LedgerEntry.objects.count() == 2


def test_the_other_units_entry_is_its_own(world, directive, late):
    chase.raise_overdue_feedback(world.nanxian, late, now=at(NEXT_DAY, 9))
    other = directive.deliveries.get(unit=world.nanxian_home_2)
    assert chase.raise_overdue_feedback(world.nanxian, other, now=at(NEXT_DAY, 9)).unit == world.nanxian_home_2


def test_the_unit_itself_may_not_raise_and_a_stranger_does_not_see_it(world, late):
    with pytest.raises(PermissionDenied):
        chase.raise_overdue_feedback(world.home_reporter, late, now=at(NEXT_DAY, 9))
    with pytest.raises(Http404):
        chase.raise_overdue_feedback(world.cili, late, now=at(NEXT_DAY, 9))
    assert not LedgerEntry.objects.exists()


# --- the button ---------------------------------------------------------------------------------

def test_the_button_raises_and_opens_the_entry(world, late, client_for):
    answer = client_for(world.nanxian).post(reverse("command:delivery-raise", args=[late.pk]))
    entry = LedgerEntry.objects.get()
    assert answer.status_code == 302 and answer.url == reverse("ledger:detail", args=[entry.pk])


def test_a_second_click_is_refused_in_words_and_saves_nothing(world, late, client_for):
    c = client_for(world.nanxian)
    url = reverse("command:delivery-raise", args=[late.pk])
    c.post(url)
    again = c.post(url, {"next": "/ledger/"}, follow=True)
    assert again.status_code == 200 and "另登记一条" in again.content.decode()
    assert LedgerEntry.objects.count() == 1


def test_the_button_before_the_deadline_says_why(world, client_for):
    future = issue(world, issuer=world.nanxian_bureau, now=at(DAY, 9), title="明天反馈的通知",
                   sign_deadline=at(DAY, 12),
                   feedback_deadline=at(dt.date.today() + dt.timedelta(days=3), 9)).deliveries.first()
    answer = client_for(world.nanxian).post(reverse("command:delivery-raise", args=[future.pk]),
                                            {"next": "/ledger/"}, follow=True)
    assert answer.status_code == 200 and "尚未逾期" in answer.content.decode()
    assert not LedgerEntry.objects.exists()


def test_the_button_is_403_for_the_unit_and_404_for_a_stranger(world, late, client_for):
    url = reverse("command:delivery-raise", args=[late.pk])
    assert client_for(world.home_reporter).post(url).status_code == 403
    assert client_for(world.cili).post(url).status_code == 404
    assert client_for(world.cili).post(reverse("command:delivery-raise", args=[999999])).status_code == 404
    assert not LedgerEntry.objects.exists()


def test_the_row_actions_offer_the_button_to_the_issuer_only(world, directive, late):
    from tongxin.command.queries.chase import row_actions

    rows = list(directive.deliveries.select_related("directive__issuer"))
    before = row_actions(world.nanxian, rows, at(DAY, 23))
    assert not before[late.pk].overdue
    entry = chase.raise_overdue_feedback(world.nanxian, late, now=at(NEXT_DAY, 9))
    after = row_actions(world.hunan, rows, at(NEXT_DAY, 9))
    assert after[late.pk].overdue and after[late.pk].raised == [entry.number]
    assert row_actions(world.home_reporter, rows, at(NEXT_DAY, 9)) == {}


def test_the_row_template_shows_the_button_or_another_entry(world, late):
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    html = render_to_string("command/delivery_actions.html",
                            {"delivery": late, "overdue": True, "raised": []}, request=request)
    assert "逾期未反馈，登记到台账" in html and reverse("command:delivery-raise", args=[late.pk]) in html
    again = render_to_string("command/delivery_actions.html",
                             {"delivery": late, "overdue": True, "raised": ["430921-2021-0001"]}, request=request)
    assert 'name="again" value="1"' in again and "430921-2021-0001" in again


def test_the_directive_page_shows_the_button_on_overdue_rows(world, directive, late, client_for):
    url = reverse("command:directive-detail", args=[directive.pk])
    c = client_for(world.nanxian)
    html = c.get(url).content.decode()
    assert html.count("逾期未反馈，登记到台账") == 2
    answer = c.post(reverse("command:delivery-raise", args=[late.pk]), {"next": url})
    assert answer.status_code == 302
    html = c.get(url).content.decode()
    assert html.count("逾期未反馈，登记到台账") == 1 and "另登记一条" in html
