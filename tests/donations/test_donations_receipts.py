"""Receipts: numbered per organisation and year, a lookup code without look-alikes, a PDF."""

import pytest

from tests.donations.factories import at
from tests.donations.gifts import cash, give
from tests.world import IN_SERVICE_FROM, person
from tongxin.donations.services import donations as services
from tongxin.donations.services import receipts
from tongxin.units import services as units
from tongxin.units.models import Kind, Role

pytestmark = pytest.mark.django_db


def test_receipts_are_numbered_per_organisation_and_year(world):
    other = units.create_unit(None, name="慈利县慈善会", kind=Kind.CHARITY, region_id="430821",
                              in_service_from=IN_SERVICE_FROM)
    staff = person("cishan", other, Role.SOCIAL_STAFF)
    first = give(world, [cash(1)], at=at("2021-08-02"))
    second = give(world, [cash(2)], at=at("2021-08-03"))
    elsewhere = services.record_donation(staff, other, {"donor_kind": "anonymous", "channel": "cash"}, [cash(3)],
                                         at=at("2021-08-03"))
    next_year = give(world, [cash(4)], at=at("2022-01-01", 0, 5))  # just after midnight, Beijing time
    assert first.receipt_number == f"{world.leshan.pk}-2021-000001"
    assert second.receipt_number == f"{world.leshan.pk}-2021-000002"
    assert elsewhere.receipt_number == f"{other.pk}-2021-000001"
    assert next_year.receipt_number == f"{world.leshan.pk}-2022-000001"


def test_a_lookup_code_has_eight_unambiguous_characters():
    codes = {receipts.new_lookup_code() for _i in range(200)}
    assert len(codes) == 200
    assert all(len(c) == 8 and not set(c) & set("0O1IL") for c in codes)


def test_a_pledge_has_no_receipt_until_it_is_received(world):
    d = give(world, [cash(10)], received=False)
    assert d.receipt_number is None and d.lookup_code == ""
    d = services.receive_pledge(world.leshan_staff, d)
    assert d.receipt_number.endswith("-000001") and len(d.lookup_code) == 8


def test_the_receipt_pdf_is_drawn(world):
    d = give(world, [cash(28000)])
    pdf = receipts.receipt_pdf(d)
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    assert receipts.lookup_url("https://tongxin.example").endswith("/public/lookup/")
    assert "王秀英" in receipts.donor_words(d)
