"""No exported cell is ever read as a formula (issue #12, CSV injection): one helper, every xlsx and CSV export."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from openpyxl import load_workbook

from tests.donations import factories as f
from tongxin.core.xlsx import neutralise, write_xlsx

EVIL = '=HYPERLINK("http://evil","x")'


@pytest.mark.parametrize("text", [EVIL, "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "-1e3"])
def test_text_that_could_be_a_formula_gets_a_leading_quote(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["南县福利院", "a=b", "", None, -5, Decimal("-12.50"), 3.5, "-5", "+3.5", "-0.25"])
def test_numbers_and_plain_text_pass_unchanged(value):
    assert neutralise(value) == value


def test_the_workbook_writes_formula_text_as_quoted_text_and_numbers_as_numbers():
    target = io.BytesIO()
    write_xlsx(target, EVIL, ["名称", "数量", "金额"], [[EVIL, -5, Decimal("-12.50")], ["@x", "-5", 3]])
    target.seek(0)
    ws = load_workbook(target).active
    assert ws["A1"].value == "'" + EVIL and ws["A1"].data_type == "s"  # the title row too
    assert ws["A3"].value == "'" + EVIL and ws["A3"].data_type == "s"
    assert ws["B3"].value == -5 and ws["B3"].data_type == "n"  # a negative number stays a number
    assert ws["C3"].value == Decimal("-12.50") or ws["C3"].value == -12.5
    assert ws["C3"].data_type == "n"
    assert ws["A4"].value == "'@x"
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def _csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def test_a_login_name_planted_as_a_formula_is_neutralised_in_the_audit_export(world, client, client_for):
    client.post(reverse("accounts:login"), {"username": EVIL, "password": "wrong"})  # no account needed
    rows = _csv_rows(client_for(world.auditor).get(reverse("audit:export"), {"action": "login_failed"}))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'" + EVIL in cells
    assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for cell in cells)


@pytest.fixture
def evil_appeal(world):
    cache.clear()
    a = f.appeal(world.nanxian_home, "=抗疫募捐倡议")
    f.donation(world.nanxian_home, [(f.cash(), 500)], appeal=a, donor=EVIL)
    yield a
    cache.clear()


def test_a_donor_named_as_a_formula_is_neutralised_in_the_public_csv(client, evil_appeal):
    rows = _csv_rows(client.get(f"/public/appeals/{evil_appeal.pk}/donations.csv"))
    assert rows[1][1] == "'" + EVIL


def test_a_donor_and_an_appeal_titled_as_formulas_are_neutralised_in_the_public_workbook(client, evil_appeal):
    response = client.get(f"/public/appeals/{evil_appeal.pk}/donations.xlsx")
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert ws["A1"].value == "'=抗疫募捐倡议"
    assert ws["B3"].value == "'" + EVIL
    assert isinstance(ws["H3"].value, (int, float, Decimal))  # the value column stays a number



@pytest.mark.parametrize("text", [EVIL, "-2+3", "'plain", "'-5", "''=x"])
def test_restore_undoes_neutralise_and_nothing_else(text):
    from tongxin.core.xlsx.formulas import restore

    assert restore(neutralise(text)) == text
    assert restore("'-5") == "'-5" and restore("'plain") == "'plain"
