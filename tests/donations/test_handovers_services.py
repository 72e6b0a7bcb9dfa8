"""Hand-overs with both sides: 南县福利院 sends donated goods to 南县南洲镇敬老院, whose own staff count
what arrived; a difference opens a discrepancy the sender resolves."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from tests.donations import factories as f
from tests.world import person
from tongxin.core.models import Notification
from tongxin.donations.models import Discrepancy, Handover, HandoverStatus, Stock
from tongxin.donations.services import handovers
from tongxin.units.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def goods(world):
    """Masks and water in 南县福利院's stock, and the staff of the home that receives them."""
    mask, water = f.item("口罩", "KN95", "只"), f.item("矿泉水", "550ml×24瓶", "箱")
    f.donation(world.nanxian_home, [(mask, 1000, 2500), (water, 50, 1500)])
    receiver = person("nanzhou-home-01", world.nanxian_home_2, Role.REPORTER, "南洲镇敬老院填报员")
    return mask, water, receiver


def _photo():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 120, 30)).save(buffer, "JPEG")
    return SimpleUploadedFile("receipt.jpg", buffer.getvalue(), content_type="image/jpeg")


def _send(world, mask, water, **kw):
    return handovers.send(world.home_reporter, world.nanxian_home, recipient=world.nanxian_home_2,
                          lines=[{"item": mask, "quantity": "400"}, {"item": water, "quantity": 20}], **kw)


def _counts(h, **by_item):
    return {ln.pk: by_item.get(ln.item.name, ln.sent) for ln in h.lines.select_related("item")}


def test_sending_takes_goods_out_of_stock_and_tells_the_recipient(world, goods):
    mask, water, receiver = goods
    h = _send(world, mask, water, carrier="社区干部随车送达")
    assert h.status == HandoverStatus.SENT
    assert Stock.objects.get(item=mask).quantity == 600 and Stock.objects.get(item=water).quantity == 30
    assert Notification.objects.filter(recipient=receiver, key=handovers.SENT).exists()


def test_equal_counts_with_a_photo_are_received(world, goods):
    mask, water, receiver = goods
    h = _send(world, mask, water)
    handovers.confirm(receiver, h, counts=_counts(h), files=[_photo()])
    h.refresh_from_db()
    assert h.status == HandoverStatus.RECEIVED and h.received_by == receiver and h.evidence.count() == 1
    assert not Discrepancy.objects.exists()


def test_a_shortfall_opens_a_discrepancy_the_sender_resolves(world, goods):
    mask, water, receiver = goods
    h = _send(world, mask, water)
    handovers.confirm(receiver, h, counts=_counts(h, 口罩="380"), files=[_photo()])
    h.refresh_from_db()
    assert h.status == HandoverStatus.DISPUTED
    d = h.discrepancy
    assert "380" in d.note
    with pytest.raises(ValidationError):
        handovers.resolve(world.home_reporter, d, resolution="  ")
    handovers.resolve(world.home_reporter, d, resolution="清点时一箱漏计，复核后实为 400 只")
    h.refresh_from_db()
    assert h.status == HandoverStatus.SETTLED


def test_more_received_than_sent_needs_a_note(world, goods):
    mask, water, receiver = goods
    h = _send(world, mask, water)
    with pytest.raises(ValidationError) as refused:
        handovers.confirm(receiver, h, counts=_counts(h, 口罩="450"), files=[_photo()])
    assert "note" in refused.value.message_dict
    h.refresh_from_db()
    assert h.status == HandoverStatus.SENT and h.lines.filter(received__isnull=False).count() == 0
    handovers.confirm(receiver, h, counts=_counts(h, 口罩="450"), note="另有 50 只为同车捎带的社区捐赠",
                      files=[_photo()])
    h.refresh_from_db()
    assert h.status == HandoverStatus.DISPUTED


def test_beyond_stock_is_refused_and_nothing_is_saved(world, goods):
    mask, water, _receiver = goods
    with pytest.raises(ValidationError) as refused:
        handovers.send(world.home_reporter, world.nanxian_home, recipient=world.nanxian_home_2,
                       lines=[{"item": mask, "quantity": 100}, {"item": water, "quantity": 51}])
    assert "库存不足" in str(refused.value)
    assert not Handover.objects.exists()
    assert Stock.objects.get(item=mask).quantity == 1000


@pytest.mark.parametrize("quantity", ["-5", "0", "abc", "1000000000"])
def test_a_bad_quantity_is_refused(world, goods, quantity):
    mask, _water, _receiver = goods
    with pytest.raises(ValidationError):
        handovers.send(world.home_reporter, world.nanxian_home, recipient=world.nanxian_home_2,
                       lines=[{"item": mask, "quantity": quantity}])
    assert not Handover.objects.exists()


def test_a_recipient_outside_the_organisations_area_is_refused(world, goods):
    mask, _water, _receiver = goods
    with pytest.raises(ValidationError) as refused:
        handovers.send(world.home_reporter, world.nanxian_home, recipient=world.cili_home,
                       lines=[{"item": mask, "quantity": 1}])
    assert "服务范围" in str(refused.value)


def test_only_the_recipients_own_staff_confirm(world, goods):
    mask, water, _receiver = goods
    h = _send(world, mask, water)
    with pytest.raises(PermissionDenied):  # the sender cannot sign for the recipient
        handovers.confirm(world.home_reporter, h, counts=_counts(h), files=[_photo()])
    with pytest.raises(PermissionDenied):  # nor can the county bureau above both
        handovers.confirm(world.nanxian, h, counts=_counts(h), files=[_photo()])
    with pytest.raises(Http404):  # a stranger county does not learn it exists
        handovers.confirm(world.cili, h, counts=_counts(h), files=[_photo()])


def test_confirming_needs_evidence_or_a_reason_and_happens_once(world, goods):
    mask, water, receiver = goods
    h = _send(world, mask, water)
    with pytest.raises(ValidationError) as refused:
        handovers.confirm(receiver, h, counts=_counts(h))
    assert "photos" in refused.value.message_dict
    handovers.confirm(receiver, h, counts=_counts(h), note="手机没电，纸质回执已交协会")
    with pytest.raises(ValidationError):
        handovers.confirm(receiver, h, counts=_counts(h), files=[_photo()])


def test_a_stranger_cannot_send_from_someone_elses_stock(world, goods):
    mask, water, _receiver = goods
    with pytest.raises(Http404):
        handovers.send(world.cili, world.nanxian_home, recipient=world.nanxian_home_2,
                       lines=[{"item": mask, "quantity": 1}])


# --- corrections: a hand-over is never edited; a new one replaces it -----------------------------

def test_a_correction_replaces_an_unconfirmed_hand_over_and_moves_stock_by_the_difference(world, goods):
    from tongxin.donations.models import Correction

    mask, water, receiver = goods
    h = _send(world, mask, water)
    c = handovers.correct_handover(world.home_reporter, h, reason="发出登记时口罩少录 100 只",
                                   lines=[{"item": mask, "quantity": "500"}, {"item": water, "quantity": 20}])
    h.refresh_from_db()
    new = c.handover_after
    assert h.status == HandoverStatus.SUPERSEDED and new.status == HandoverStatus.SENT
    assert [ln.sent for ln in h.lines.all()] == [400, 20]  # the old record is untouched
    assert Stock.objects.get(item=mask).quantity == 500 and Stock.objects.get(item=water).quantity == 30
    assert c.changes == [{"item_id": mask.pk, "item": str(mask), "measure": "只", "before": "400", "after": "500",
                          "sent_before": "400", "sent_after": "500", "received_before": None,
                          "received_after": None}]
    assert Correction.objects.count() == 1
    # the recipient confirms the corrected one; the superseded one can be neither confirmed nor corrected again
    handovers.confirm(receiver, new, counts=_counts(new), files=[_photo()])
    with pytest.raises(ValidationError):
        handovers.confirm(receiver, h, counts=_counts(h), files=[_photo()])
    with pytest.raises(ValidationError) as refused:
        handovers.correct_handover(world.home_reporter, h, reason="再改", lines=[{"item": mask, "quantity": 1}])
    assert "status" in refused.value.message_dict
    from tongxin.donations.services import stock

    before = list(Stock.objects.order_by("id").values_list("quantity", "handed_over"))
    stock.rebuild()
    assert list(Stock.objects.order_by("id").values_list("quantity", "handed_over")) == before


def test_correcting_a_disputed_count_keeps_the_recipients_count_and_closes_the_case(world, goods):
    mask, water, receiver = goods
    h = _send(world, mask, water)
    handovers.confirm(receiver, h, counts=_counts(h, 口罩="500"), note="实收 500 只，发出登记少了 100 只",
                      files=[_photo()])
    h.refresh_from_db()
    assert h.status == HandoverStatus.DISPUTED
    c = handovers.correct_handover(world.home_reporter, h, reason="核对后确为 500 只",
                                   lines=[{"item": mask, "quantity": 500}, {"item": water, "quantity": 20}])
    new = c.handover_after
    assert new.status == HandoverStatus.RECEIVED and new.received_by == receiver and new.evidence.count() == 1
    assert [ln.received for ln in new.lines.all()] == [500, 20]
    h.discrepancy.refresh_from_db()
    assert h.discrepancy.status == "resolved" and f"#{c.pk}" in h.discrepancy.resolution
    assert c.changes[0]["received_before"] == "500" and c.changes[0]["received_after"] == "500"


@pytest.mark.parametrize(("lines", "field", "words"), [
    (lambda m, w: [{"item": m, "quantity": 1001}, {"item": w, "quantity": 20}], "lines", "库存不足"),
    (lambda m, w: [{"item": m, "quantity": -3}], "lines", "数量"),
    (lambda m, w: [{"item": m, "quantity": 400}, {"item": w, "quantity": 20}], "lines", "无需更正"),
    (lambda m, w: [], "lines", "至少"),
])
def test_a_bad_correction_is_refused_and_nothing_changes(world, goods, lines, field, words):
    from tongxin.donations.models import Correction

    mask, water, _receiver = goods
    h = _send(world, mask, water)
    with pytest.raises(ValidationError) as refused:
        handovers.correct_handover(world.home_reporter, h, reason="更正", lines=lines(mask, water))
    assert words in "；".join(refused.value.message_dict[field])
    h.refresh_from_db()
    assert h.status == HandoverStatus.SENT and Handover.objects.count() == 1 and not Correction.objects.exists()
    assert Stock.objects.get(item=mask).quantity == 600


def test_only_the_senders_staff_correct_and_a_reason_is_needed(world, goods):
    mask, water, receiver = goods
    h = _send(world, mask, water)
    lines = [{"item": mask, "quantity": 450}, {"item": water, "quantity": 20}]
    with pytest.raises(ValidationError) as refused:
        handovers.correct_handover(world.home_reporter, h, reason=" ", lines=lines)
    assert "reason" in refused.value.message_dict
    with pytest.raises(Http404):
        handovers.correct_handover(receiver, h, reason="改", lines=lines)
    with pytest.raises(Http404):
        handovers.correct_handover(world.cili, h, reason="改", lines=lines)
