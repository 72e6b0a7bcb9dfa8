"""The donation correction page: a received gift of KN95 masks recorded as 1,000 was 10,000; the clerk
corrects it on the page with a reason; the old record is kept and points to the new one, stock moves by
the difference, and the public site shows the 更正说明. Bad input re-shows the page and changes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tongxin.donations.models import Correction, Donation, DonationStatus, Stock
from tongxin.donations.services import donations
from tongxin.donations.services.catalogue import item_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def gift(world):
    mask = item_for("口罩", "KN95", "只")
    return donations.record_donation(world.leshan_staff, world.leshan, {"donor_kind": "anonymous"}, [
        {"item": mask, "quantity": 1000, "valuation": "invoice", "unit_value": "2.20", "value": "2200"}])


def _form(gift, **kw):
    line = gift.lines.get()
    return {"reason": "发票为 10000 只，登记时少录一个 0", f"quantity_{line.pk}": "10000",
            f"valuation_{line.pk}": "invoice", f"unit_value_{line.pk}": "2.20", f"value_{line.pk}": "22000", **kw}


def test_a_correction_on_the_page_replaces_the_record(world, client_for, gift):
    c = client_for(world.leshan_staff)
    assert "donation-correct" in c.get(reverse("donations:donation-detail", args=[gift.pk])).content.decode()
    page = c.get(reverse("donations:donation-correct", args=[gift.pk])).content.decode()
    assert 'value="1000"' in page
    done = c.post(reverse("donations:donation-correct", args=[gift.pk]), _form(gift))
    correction = Correction.objects.get()
    assert done["Location"] == reverse("donations:donation-detail", args=[correction.donation_after_id])
    gift.refresh_from_db()
    assert gift.status == DonationStatus.SUPERSEDED and gift.lines.get().quantity == 1000
    assert Stock.objects.get(item__specification="KN95").quantity == 10000
    assert correction.changes[0]["before"] == "1000.00" and correction.changes[0]["after"] == "10000.00"
    public = c.get(reverse("portal:organisation", args=[world.leshan.pk])).content.decode()
    assert "发票为 10000 只" in public
    # the superseded record offers no second correction
    again = c.get(reverse("donations:donation-correct", args=[gift.pk]))
    assert again.status_code == 302


@pytest.mark.parametrize(("change", "words"), [
    ({"reason": ""}, "更正原因"),
    ({"QUANTITY": "-5"}, "数量"),
    ({"VALUE": "999"}, "不等于数量 × 单价"),
])
def test_bad_corrections_get_words_and_change_nothing(world, client_for, gift, change, words):
    line = gift.lines.get()
    change = {{"QUANTITY": f"quantity_{line.pk}", "VALUE": f"value_{line.pk}"}.get(k, k): v for k, v in change.items()}
    response = client_for(world.leshan_staff).post(reverse("donations:donation-correct", args=[gift.pk]),
                                                   _form(gift, **change))
    assert response.status_code == 400 and words in response.content.decode()
    assert not Correction.objects.exists() and Donation.objects.get().status == DonationStatus.RECEIVED
    assert Stock.objects.get(item__specification="KN95").quantity == 1000
