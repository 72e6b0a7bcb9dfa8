"""The ledger knows nothing of its sources: entries carry a kind + id (and a campaign as their
context), the raising app says how its records show themselves, and no ledger module imports one."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

import tongxin.ledger
from tests.ledger.conftest import FOUND
from tongxin.inspections import services as inspections
from tongxin.ledger import services, sources
from tongxin.regions.models import Region

LEDGER = Path(tongxin.ledger.__file__).parent
APPS_THAT_RAISE = ("tongxin.inspections", "tongxin.reports", "tongxin.command")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


@pytest.mark.parametrize("path", sorted(p for p in LEDGER.rglob("*.py") if "migrations" not in p.parts),
                         ids=lambda p: str(p.relative_to(LEDGER)))
def test_no_ledger_module_imports_an_app_that_raises_entries(path):
    assert not {m for m in imported_modules(path) if m.startswith(APPS_THAT_RAISE)}


def test_an_unregistered_source_kind_is_refused(world):
    with pytest.raises(ValidationError) as refused:
        services.open_entry(world.nanxian, unit=world.nanxian_home, source="rumour", category="fire",
                            severity="general", description="x", deadline=dt.date(2021, 8, 9),
                            found_on=dt.date(2021, 8, 1))
    assert "source" in refused.value.message_dict


def test_a_kind_registered_later_shows_its_label_and_link(world, client_for):
    # A kind no app of ours registers (the real ones, such as command's action_item, stay as they are).
    sources.register_source("drill_item", label="演练事项",
                            link=lambda pk: sources.Link(f"演练事项 #{pk}", f"/drills/items/{pk}/"))
    try:
        entry = services.open_entry(world.nanxian, unit=world.nanxian_home, source="drill_item", source_id=42,
                                    category="fire", severity="general", description="调度会交办：清理通道",
                                    deadline=dt.date(2021, 8, 9), found_on=dt.date(2021, 8, 1))
        html = client_for(world.nanxian).get(reverse("ledger:detail", args=[entry.pk])).content.decode()
        shown = html.split('id="entry-source"')[1].split("</dd>")[0]
        assert "演练事项" in shown and 'href="/drills/items/42/"' in shown and "演练事项 #42" in shown
    finally:
        sources._SOURCES.pop("drill_item")


def test_the_api_names_the_source_and_the_campaign(world, api_for, entry):
    body = api_for(world.nanxian).get(reverse("ledger-entry-detail", args=[entry.pk])).json()
    assert (body["source"], body["source_display"], body["source_id"], body["source_link"]) == (
        "supervision", "督导检查", None, None)
    assert (body["context_kind"], body["campaign"], body["context_link"]) == ("", None, None)


def test_a_campaign_the_user_cannot_see_is_404_in_the_api(world, api_for):
    cili_campaign = inspections.create_campaign(
        world.cili, name="慈利排查", issuer=world.cili_bureau, region=Region.objects.get(code="430821"),
        templates=[inspections.load_builtin_checklists()[0].template], start_date=FOUND,
        end_date=FOUND + dt.timedelta(days=10), self_inspection_deadline=FOUND + dt.timedelta(days=5))
    body = {"unit": world.nanxian_home.pk, "source": "other", "category": "fire", "severity": "general",
            "description": "x", "deadline": "2021-08-09", "found_on": "2021-08-01", "campaign": cili_campaign.pk}
    assert api_for(world.nanxian).post(reverse("ledger-entry-list"), body, format="json").status_code == 404
    body["campaign"] = 999999
    assert api_for(world.nanxian).post(reverse("ledger-entry-list"), body, format="json").status_code == 404
