"""The hand-over pages: 南县福利院 sends goods from stock; 南洲镇敬老院's own reporter sees them waiting
on the list, counts them on the detail page (a photo from the phone camera) and signs; a short
count opens a discrepancy the sender resolves; a correction replaces the record. Refused input
re-shows the page with words (400) and saves nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.donations import factories as f
from tests.donations.test_handovers_services import _photo
from tests.world import person
from tongxin.donations.models import Correction, Handover, HandoverStatus, Stock
from tongxin.units.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world):
    mask = f.item("口罩", "KN95", "只")
    f.donation(world.nanxian_home, [(mask, 1000, 2500)])
    receiver = person("nanzhou-home-01", world.nanxian_home_2, Role.REPORTER, "南洲镇敬老院填报员")
    return mask, receiver, Stock.objects.get(item=mask)


def _send(client, world, row, quantity="400"):
    return client.post(reverse("donations:handover-create"), {
        "recipient": world.nanxian_home_2.pk, "stock_1": row.pk, "quantity_1": quantity, "carrier": "社区干部随车送达"})


def test_send_wait_confirm_on_the_detail_page(world, client_for, setup):
    mask, receiver, row = setup
    sender = client_for(world.home_reporter)
    response = _send(sender, world, row)
    h = Handover.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("donations:handover-detail", args=[h.pk])
    assert Stock.objects.get(pk=row.pk).quantity == 600
    # the sender sees no signing form; the recipient sees the batch waiting, and the form
    assert "handover-confirm-form" not in sender.get(response["Location"]).content.decode()
    phone = client_for(receiver)
    listing = phone.get(reverse("donations:handovers")).content.decode()
    assert 'id="handovers-waiting"' in listing and "南县福利院 → 南县南洲镇敬老院" in listing
    page = phone.get(reverse("donations:handover-detail", args=[h.pk])).content.decode()
    assert 'capture="environment"' in page and 'accept="image/*' in page
    line = h.lines.get()
    response = phone.post(reverse("donations:handover-confirm", args=[h.pk]),
                          {f"count_{line.pk}": "400", "photos": _photo()})
    assert response.status_code == 302
    h.refresh_from_db()
    assert h.status == HandoverStatus.RECEIVED and h.evidence.count() == 1
    assert 'id="handovers-waiting"' not in phone.get(reverse("donations:handovers")).content.decode()


def test_a_short_count_opens_a_case_the_sender_resolves(world, client_for, setup):
    mask, receiver, row = setup
    sender = client_for(world.home_reporter)
    _send(sender, world, row)
    h = Handover.objects.get()
    line = h.lines.get()
    # without a photo or a note: words, nothing signed
    phone = client_for(receiver)
    refused = phone.post(reverse("donations:handover-confirm", args=[h.pk]), {f"count_{line.pk}": "390"})
    assert refused.status_code == 400
    after_input = refused.content.decode().split('id="handover-photos"', 1)[1]
    assert "请上传签收照片或回执" in after_input.split("</form>", 1)[0]  # beside the photo input, once
    assert refused.content.decode().count("请上传签收照片或回执") == 1
    h.refresh_from_db()
    assert h.status == HandoverStatus.SENT
    phone.post(reverse("donations:handover-confirm", args=[h.pk]), {f"count_{line.pk}": "390", "note": "少一盒"})
    h.refresh_from_db()
    assert h.status == HandoverStatus.DISPUTED
    page = sender.get(reverse("donations:handover-detail", args=[h.pk])).content.decode()
    assert 'id="handover-case"' in page and reverse("donations:handover-resolve", args=[h.pk]) in page
    empty = sender.post(reverse("donations:handover-resolve", args=[h.pk]), {"resolution": ""})
    assert empty.status_code == 400
    sender.post(reverse("donations:handover-resolve", args=[h.pk]), {"resolution": "运输途中破损一盒，已报损"})
    h.refresh_from_db()
    assert h.status == HandoverStatus.SETTLED


@pytest.mark.parametrize(("quantity", "words"), [("1001", "库存不足"), ("-3", "数量"), ("abc", "数量")])
def test_bad_sends_are_refused_with_words(world, client_for, setup, quantity, words):
    _mask, _receiver, row = setup
    response = _send(client_for(world.home_reporter), world, row, quantity)
    assert response.status_code == 400 and words in response.content.decode()
    assert not Handover.objects.exists() and Stock.objects.get(pk=row.pk).quantity == 1000


def test_a_recipient_outside_the_area_is_not_offered_and_refused(world, client_for, setup):
    _mask, _receiver, row = setup
    client = client_for(world.home_reporter)
    assert "慈利县零阳镇敬老院" not in client.get(reverse("donations:handover-create")).content.decode()
    response = client.post(reverse("donations:handover-create"),
                           {"recipient": world.cili_home.pk, "stock_1": row.pk, "quantity_1": "1"})
    assert response.status_code == 400 and not Handover.objects.exists()


def test_a_correction_from_the_page_replaces_the_record(world, client_for, setup):
    _mask, _receiver, row = setup
    sender = client_for(world.home_reporter)
    _send(sender, world, row)
    h = Handover.objects.get()
    line = h.lines.get()
    url = reverse("donations:handover-correct", args=[h.pk])
    refused = sender.post(url, {"reason": "", f"sent_{line.pk}": "450"})
    assert refused.status_code == 400 and not Correction.objects.exists()
    done = sender.post(url, {"reason": "少录 50 只", f"sent_{line.pk}": "450"})
    correction = Correction.objects.get()
    assert done["Location"] == reverse("donations:handover-detail", args=[correction.handover_after_id])
    old = sender.get(reverse("donations:handover-detail", args=[h.pk])).content.decode()
    assert 'id="handover-superseded"' in old and "少录 50 只" in old
    assert Stock.objects.get(pk=row.pk).quantity == 550


def test_an_allocation_is_handed_over_from_its_page_with_the_form_filled_in(world, client_for, setup):
    from django.utils import timezone

    from tongxin.donations.models import Basis
    from tongxin.donations.services import allocations

    _mask, _receiver, row = setup
    decision = allocations.decide(world.home_reporter, world.nanxian_home, appeal=None,
                                  recipient=world.nanxian_home_2, basis=Basis.REQUEST, basis_text="来函",
                                  decided_by="院长", decided_at=timezone.now(),
                                  lines=[{"item": row.item, "quantity": 300}])
    c = client_for(world.home_reporter)
    detail = c.get(reverse("donations:allocation-detail", args=[decision.pk])).content.decode()
    link = reverse("donations:handover-create") + f"?allocation={decision.pk}"
    assert link in detail
    form = c.get(link).content.decode()
    assert f'<option value="{world.nanxian_home_2.pk}" selected>' in form and 'value="300"' in form
    done = c.post(link, {"allocation": decision.pk, "recipient": world.nanxian_home_2.pk, "stock_1": row.pk,
                         "quantity_1": "300"})
    assert done.status_code == 302 and Handover.objects.get().allocation == decision
