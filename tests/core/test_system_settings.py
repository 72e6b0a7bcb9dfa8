"""System settings: typed, bounded, changed only by the system administrator, every change audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tongxin.accounts.services import temporary_password
from tongxin.core import system_settings
from tongxin.core.models import AuditEvent, SystemSetting

KEY = "reports.reminder_dedupe_minutes"


def test_a_setting_reads_its_default_until_changed(world):
    assert system_settings.get(KEY) == 30
    assert system_settings.change(world.sysadmin, KEY, "45") == 45
    assert system_settings.get(KEY) == 45


def test_a_change_is_audited_as_old_to_new(world):
    system_settings.change(world.sysadmin, KEY, "45")
    event = AuditEvent.objects.filter(object_type="core.systemsetting").get()
    assert event.actor_name == "sysadmin" and event.changes == {KEY: [30, 45]}
    system_settings.change(world.sysadmin, KEY, "45")  # the same value again: nothing to record
    assert AuditEvent.objects.filter(object_type="core.systemsetting").count() == 1


@pytest.mark.parametrize("who", ["secadmin", "auditor", "nanxian", "hunan", "home_reporter"])
def test_only_the_system_administrator_changes_settings(world, client_for, who):
    with pytest.raises(PermissionDenied):
        system_settings.change(getattr(world, who), KEY, "45")
    assert client_for(getattr(world, who)).get(reverse("system:settings")).status_code == 403
    assert not SystemSetting.objects.exists()


@pytest.mark.parametrize("raw", ["abc", "-1", "1441", "", "五十", "1e3"])
def test_a_bad_value_names_the_field_and_changes_nothing(world, client_for, raw):
    with pytest.raises(ValidationError) as exc:
        system_settings.change(world.sysadmin, KEY, raw)
    assert "value" in exc.value.message_dict
    response = client_for(world.sysadmin).post(reverse("system:settings"), {"key": KEY, "value": raw})
    assert response.status_code == 400
    assert not SystemSetting.objects.exists() and system_settings.get(KEY) == 30


def test_an_undeclared_key_is_refused(world, client_for):
    response = client_for(world.sysadmin).post(reverse("system:settings"), {"key": "no.such", "value": "1"})
    assert response.status_code == 400 and not SystemSetting.objects.exists()


def test_the_page_shows_every_setting_and_saves_one(world, client_for):
    client = client_for(world.sysadmin)
    page = client.get(reverse("system:settings")).content.decode()
    assert "催报间隔" in page and "临时密码长度" in page
    assert client.post(reverse("system:settings"), {"key": KEY, "value": "60"}).status_code == 302
    assert system_settings.get(KEY) == 60


def test_the_temporary_password_follows_its_setting(world):
    assert len(temporary_password()) == 12
    system_settings.change(world.sysadmin, "accounts.temporary_password_length", "16")
    assert len(temporary_password()) == 16


def test_the_system_administrators_navigation_offers_the_settings(world, client_for):
    keys = {i["key"] for i in client_for(world.sysadmin).get(reverse("home")).context["nav_items"]}
    assert "system" in keys
    keys = {i["key"] for i in client_for(world.secadmin).get(reverse("home")).context["nav_items"]}
    assert "system" not in keys
