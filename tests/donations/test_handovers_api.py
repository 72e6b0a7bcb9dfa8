"""The hand-over API: send, the recipient's confirmation (JSON, or multipart with a photo), the
discrepancy and its resolution, a correction; errors field by field, never a 500."""

from __future__ import annotations

import json

import pytest

from tests.donations import factories as f
from tests.donations.test_handovers_services import _photo
from tests.world import person
from tongxin.donations.models import Handover, HandoverStatus, Stock
from tongxin.units.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world, api_for):
    mask = f.item("口罩", "KN95", "只")
    f.donation(world.nanxian_home, [(mask, 1000, 2500)])
    receiver = person("nanzhou-home-01", world.nanxian_home_2, Role.REPORTER, "南洲镇敬老院填报员")
    return mask, api_for(world.home_reporter), api_for(receiver)


def _send(world, api, mask, quantity="400"):
    return api.post("/api/donations/handovers/", {"unit": world.nanxian_home.pk, "recipient": world.nanxian_home_2.pk,
                                                  "lines": [{"item": mask.pk, "quantity": quantity}]}, format="json")


def test_send_and_confirm_with_a_photo(world, setup):
    mask, sender, receiver = setup
    sent = _send(world, sender, mask)
    assert sent.status_code == 201 and sent.json()["status"] == "sent"
    line = sent.json()["lines"][0]
    # the sender may not sign for it
    assert sender.post(f"/api/donations/handovers/{sent.json()['id']}/confirm/",
                       {"counts": {str(line["id"]): "400"}, "note": "x"}, format="json").status_code == 403
    done = receiver.post(f"/api/donations/handovers/{sent.json()['id']}/confirm/",
                         {"counts": json.dumps({str(line["id"]): "400"}), "photos": [_photo()]}, format="multipart")
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "received" and len(done.json()["evidence"]) == 1


def test_a_short_count_is_a_discrepancy_resolved_by_the_sender(world, setup):
    mask, sender, receiver = setup
    sent = _send(world, sender, mask).json()
    receiver.post(f"/api/donations/handovers/{sent['id']}/confirm/",
                  {"counts": {str(sent["lines"][0]["id"]): "398"}, "note": "少 2 只"}, format="json")
    cases = sender.get("/api/donations/discrepancies/?status=open").json()["results"]
    assert [c["handover"] for c in cases] == [sent["id"]]
    assert receiver.post(f"/api/donations/discrepancies/{cases[0]['id']}/resolve/",
                         {"resolution": "x"}, format="json").status_code == 404
    done = sender.post(f"/api/donations/discrepancies/{cases[0]['id']}/resolve/", {"resolution": "破损 2 只"},
                       format="json")
    assert done.status_code == 200 and Handover.objects.get().status == HandoverStatus.SETTLED


@pytest.mark.parametrize(("body", "field"), [
    ({"counts": "not json"}, "counts"),
    ({"counts": ["400"]}, "counts"),
    ({"counts": {}}, "counts"),
    ({"counts": {"LINE": "-1"}, "note": "x"}, "counts"),
    ({"counts": {"LINE": "400"}}, "photos"),
])
def test_bad_confirmations_get_words_and_change_nothing(world, setup, body, field):
    mask, sender, receiver = setup
    sent = _send(world, sender, mask).json()
    line = str(sent["lines"][0]["id"])
    if isinstance(body["counts"], dict):
        body = {**body, "counts": {line if k == "LINE" else k: v for k, v in body["counts"].items()}}
    response = receiver.post(f"/api/donations/handovers/{sent['id']}/confirm/", body, format="json")
    assert response.status_code == 400 and field in json.dumps(response.json())
    assert Handover.objects.get().status == HandoverStatus.SENT


def test_beyond_stock_and_a_correction(world, setup):
    mask, sender, _receiver = setup
    refused = _send(world, sender, mask, "5000")
    assert refused.status_code == 400 and "库存不足" in json.dumps(refused.json(), ensure_ascii=False)
    sent = _send(world, sender, mask).json()
    fixed = sender.post(f"/api/donations/handovers/{sent['id']}/correct/",
                        {"reason": "少录", "lines": [{"item": mask.pk, "quantity": "450"}]}, format="json")
    assert fixed.status_code == 201 and fixed.json()["lines"][0]["sent"] == "450.00"
    assert sender.get(f"/api/donations/handovers/{sent['id']}/").json()["replaced_by"] == fixed.json()["id"]
    assert Stock.objects.get(item=mask).quantity == 550
