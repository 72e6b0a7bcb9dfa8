"""Reading and searching the audit trail is itself audited (issue #12): who read it, and what they searched for."""

from __future__ import annotations

from django.urls import reverse

from tests.core.test_audit import _audit_rows
from tongxin.core.models import AuditEvent


def _reads(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_each_page_of_the_log_records_who_read_it_and_the_search(world, client_for):
    c = client_for(world.auditor)
    c.get(reverse("audit:list"))
    c.get(reverse("audit:list"), {"q": "南县福利院", "action": "update", "date_from": "2021-08-01", "page": "1"})
    first, second = _reads("view")
    assert first.actor_id == world.auditor.pk and first.actor_name == "auditor" and first.changes == {}
    assert second.changes == {"q": "南县福利院", "action": "update", "date_from": "2021-08-01", "page": "1"}


def test_an_export_records_who_exported_and_the_search(world, client_for):
    response = client_for(world.auditor).get(reverse("audit:export"), {"action": "update", "q": "南县"})
    b"".join(response.streaming_content)
    (event,) = _reads("export")
    assert event.actor_name == "auditor" and event.changes == {"action": "update", "q": "南县"}


def test_a_refused_reader_leaves_no_read_record(world, client_for):
    assert client_for(world.nanxian).get(reverse("audit:list")).status_code == 403
    assert _reads("view") == []


def test_the_read_is_shown_in_words_in_the_log(world, client_for):
    c = client_for(world.auditor)
    c.get(reverse("audit:list"), {"q": "华阁"})
    rows = _audit_rows(c.get(reverse("audit:list"), {"action": "view"}).content.decode())
    assert "查阅 auditor 审计日志查阅" in rows[1] and "关键词 ： 华阁" in rows[1]
    assert "操作 ： 查阅" in rows[0]  # the action searched for, by its label
