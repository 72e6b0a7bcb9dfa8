"""The account pages in English: no Chinese left but the data."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.core.test_i18n import assert_english
from tongxin.units import administration


@pytest.fixture
def english_secadmin(world, client_for):
    client = client_for(world.secadmin)
    client.cookies["django_language"] = "en"
    return client


def test_the_account_list_in_english(world, english_secadmin):
    html = english_secadmin.get(reverse("users:list")).content.decode()
    assert_english(html, ["Accounts", "New account", "Username", "Role", "Active", "Reporter"])


def test_the_account_form_and_its_errors_in_english(world, english_secadmin):
    assert_english(english_secadmin.get(reverse("users:create")).content.decode(),
                   ["New account", "Initial password", "Create account"])
    html = english_secadmin.post(reverse("users:create"), {"username": "nanxian", "full_name": "x",
                                                           "unit": "无此单位", "role": "reporter"}).content.decode()
    assert "No unit" in html
    html = english_secadmin.post(reverse("users:create"), {"username": "nanxian", "full_name": "x",
                                                           "unit": "南县福利院", "role": "reporter"}).content.decode()
    assert "is already taken" in html


def test_the_account_detail_and_reset_result_in_english(world, english_secadmin):
    administration.change_state(world.secadmin, world.home_reporter, "lock", reason="")
    html = english_secadmin.get(reverse("users:detail", args=[world.home_reporter.pk])).content.decode()
    assert_english(html, ["Unlock", "Reset password", "Grant a role", "Revoke", "Locked"])
    html = english_secadmin.post(reverse("users:reset", args=[world.home_reporter.pk])).content.decode()
    assert_english(html, ["Password reset", "Temporary password", "shown only this once"])


def test_the_password_page_and_settings_in_english(world, client_for):
    client = client_for(world.nanxian)
    client.cookies["django_language"] = "en"
    assert_english(client.get(reverse("accounts:password")).content.decode(),
                   ["Change password", "Current password", "New password again"])
    client = client_for(world.sysadmin)
    client.cookies["django_language"] = "en"
    assert_english(client.get(reverse("system:settings")).content.decode(),
                   ["System settings", "Reminder interval (minutes)", "Temporary password length"])
