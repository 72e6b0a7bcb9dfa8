"""Personal data follows one policy (units.personal.may_see_personal): a person's mobile or ID number is
shown in full to the staff of the person's own unit and to the officers of the bureau that directly
supervises it; everyone else, the city and province and the three administrators included, sees it
masked — on the page, in the API and in the export alike. A unit's own work phone stays visible."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse

from tests.world import person
from tongxin.ledger import services as ledger
from tongxin.units import services as units
from tongxin.units.models import Kind, Role
from tongxin.units.personal import may_see_personal, shown, supervising_bureaus

FOUND = dt.date(2021, 8, 1)
PHONES = {"nanxian_home": "13807371234", "cili_home": "13907445678", "city_home": "13607379999"}
FULL, MASKED, UNSEEN, NEVER_FULL = "full", "masked", "unseen", "never full"


@pytest.fixture
def yiyang(world):
    """An officer of 益阳市民政局, the city between 南县 and the province."""
    return person("yiyang", world.yiyang, Role.OFFICER, "益阳市民政局")


@pytest.fixture
def city_home(world):
    """A home that sits in 南县 but is run by the city: its supervisor is 益阳市民政局."""
    return units.create_unit(None, name="益阳市社会福利院南县分院", kind=Kind.ELDERLY_CARE, region_id="430921",
                             supervisor=world.yiyang)


@pytest.fixture
def entries(world, city_home):
    homes = {"nanxian_home": world.nanxian_home, "cili_home": world.cili_home, "city_home": city_home}
    return {key: ledger.open_entry(None, unit=unit, source="supervision", category="fire", severity="major",
                                   description="疏散通道堆放杂物", responsible_person="李敏",
                                   responsible_phone=PHONES[key], found_on=FOUND, deadline=FOUND)
            for key, unit in homes.items()}


# (persona, whose entry, what the persona sees of the responsible person's phone)
MATRIX = [
    ("nanxian", "nanxian_home", FULL),          # the bureau that directly supervises the home
    ("home_reporter", "nanxian_home", FULL),    # the home's own staff
    ("yiyang", "nanxian_home", MASKED),         # the city above: masked
    ("hunan", "nanxian_home", MASKED),          # the province above: masked
    ("cili", "nanxian_home", UNSEEN),           # a stranger county does not see the entry at all
    ("cili", "cili_home", FULL),
    ("hunan", "cili_home", MASKED),
    ("yiyang", "city_home", FULL),              # supervisor FK: the city runs this home
    ("nanxian", "city_home", MASKED),           # ... so the county, though the home is in it, sees it masked
    ("hunan", "city_home", MASKED),
    # The administrators see no personal data: masked, or (once they lose business data) not at all.
    ("sysadmin", "nanxian_home", NEVER_FULL),
    ("secadmin", "nanxian_home", NEVER_FULL),
    ("auditor", "nanxian_home", NEVER_FULL),
]
IDS = [f"{who}-{whose}" for who, whose, _e in MATRIX]


def masked(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}"


def actor(world, yiyang, who):
    return yiyang if who == "yiyang" else getattr(world, who)


def judge(seen: str | None, phone: str) -> str:
    if seen is None:
        return UNSEEN
    assert seen in (phone, masked(phone)), seen
    return FULL if seen == phone else MASKED


def agrees(answer: str, expected: str) -> bool:
    return answer != FULL if expected == NEVER_FULL else answer == expected


@pytest.mark.parametrize(("who", "whose", "expected"), MATRIX, ids=IDS)
def test_the_entry_page_shows_the_phone_as_the_policy_says(world, yiyang, entries, client_for, who, whose, expected):
    import re

    response = client_for(actor(world, yiyang, who)).get(reverse("ledger:detail", args=[entries[whose].pk]))
    seen = None
    if response.status_code == 200:
        html = response.content.decode()
        seen = re.search(r'id="responsible-phone">([^<]*)<', html).group(1)
        if seen != PHONES[whose]:
            assert f"tel:{PHONES[whose]}" not in html and PHONES[whose] not in html
    else:
        assert response.status_code == 404
    assert agrees(judge(seen, PHONES[whose]), expected)


@pytest.mark.parametrize(("who", "whose", "expected"), MATRIX, ids=IDS)
def test_the_api_shows_the_phone_as_the_policy_says(world, yiyang, entries, api_for, who, whose, expected):
    client = api_for(actor(world, yiyang, who))
    entry = entries[whose]
    detail = client.get(reverse("ledger-entry-detail", args=[entry.pk]))
    seen = detail.json()["responsible_phone"] if detail.status_code == 200 else None
    assert agrees(judge(seen, PHONES[whose]), expected)
    listed = client.get(reverse("ledger-entry-list"), {"q": entry.number})
    rows = [r for r in listed.json()["results"] if r["id"] == entry.pk] if listed.status_code == 200 else []
    assert agrees(judge(rows[0]["responsible_phone"] if rows else None, PHONES[whose]), expected)


@pytest.mark.parametrize(("who", "whose", "expected"), MATRIX, ids=IDS)
def test_the_export_shows_the_phone_as_the_policy_says(world, yiyang, entries, client_for, who, whose, expected):
    response = client_for(actor(world, yiyang, who)).get(reverse("ledger:export"))
    seen = None
    if response.status_code == 200:
        ws = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
        headers = [c.value for c in ws[2]]
        number, phone = headers.index("台账编号"), headers.index("联系电话")
        row = [r for r in ws.iter_rows(min_row=3, values_only=True) if r[number] == entries[whose].number]
        seen = row[0][phone] if row else None
    else:
        assert response.status_code in (403, 404)
    assert agrees(judge(seen, PHONES[whose]), expected)


# --- the policy itself ---------------------------------------------------------------------------------

def test_the_bureau_directly_supervising_a_home_is_its_countys_unless_it_names_one(world, city_home):
    assert supervising_bureaus(world.nanxian_home) == {world.nanxian_bureau.pk}
    assert supervising_bureaus(city_home) == {world.yiyang.pk}
    assert supervising_bureaus(world.nanxian_bureau) == {world.yiyang.pk}  # a bureau: the one above it
    assert supervising_bureaus(world.yiyang) == {world.province.pk}


def test_a_unit_in_a_county_without_a_bureau_falls_to_the_one_above(world, yiyang):
    home = units.create_unit(None, name="赫山区敬老院", kind=Kind.ELDERLY_CARE, region_id="430903")
    assert supervising_bureaus(home) == {world.yiyang.pk}
    assert may_see_personal(yiyang, home) and not may_see_personal(world.hunan, home)


def test_staff_of_another_home_in_the_same_county_see_it_masked(world):
    other = person("nanzhou-01", world.nanxian_home_2, Role.REPORTER)
    assert not may_see_personal(other, world.nanxian_home)
    assert may_see_personal(other, world.nanxian_home_2)


@pytest.mark.parametrize("who", ["sysadmin", "secadmin", "auditor"])
def test_the_administrators_see_nobody_in_full_not_even_at_their_own_bureau(world, who):
    admin = getattr(world, who)
    assert not any(may_see_personal(admin, u) for u in (world.province, world.yiyang, world.nanxian_home))


def test_id_numbers_are_masked_by_the_same_policy(world):
    number = "430921199001011234"
    assert shown(world.nanxian, number, world.nanxian_home, "id_number") == number
    assert shown(world.hunan, number, world.nanxian_home, "id_number") == "4309**********1234"
    assert shown(None, number, world.nanxian_home, "id_number") == "4309**********1234"
    assert shown(world.hunan, "", world.nanxian_home) == ""


def test_a_units_own_work_phone_stays_visible_to_whoever_sees_the_unit(world, client_for):
    html = client_for(world.hunan).get(reverse("units:detail", args=[world.nanxian_home.pk])).content.decode()
    assert "13807371234" in html and "李敏" in html


def test_the_audit_trail_shows_the_auditor_a_persons_number_masked_and_keeps_it_true(world, entries, client_for):
    """The trail stores what was written; its page and its export show a person's number masked."""
    from tongxin.core.models import AuditEvent

    phone = PHONES["nanxian_home"]
    stored = AuditEvent.objects.filter(object_type="ledger.ledgerentry", changes__has_key="responsible_phone")
    assert any(phone in e.changes["responsible_phone"] for e in stored)  # the trail itself is unchanged
    client = client_for(world.auditor)
    for response in (client.get("/audit/?object_type=ledger.ledgerentry"),
                     client.get("/audit/export.csv?object_type=ledger.ledgerentry")):
        assert response.status_code == 200
        text = response.content.decode() if hasattr(response, "content") else b"".join(
            response.streaming_content).decode()
        assert phone not in text
        assert masked(phone) in text
