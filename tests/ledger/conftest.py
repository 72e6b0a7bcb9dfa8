"""Ledger fixtures: a photo as a phone would send it, and a 南县 problem on the ledger."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tongxin.ledger import services
from tongxin.units.services import grant_role

FOUND = dt.date(2021, 8, 1)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def photo(world):
    """photo(user, unit): a stored JPEG attachment uploaded by `user` for `unit`."""
    from PIL import Image

    from tongxin.core.uploads import store_attachment

    def make(user=None, unit=None):
        buffer = io.BytesIO()
        Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "JPEG")
        upload = SimpleUploadedFile("fix.jpg", buffer.getvalue(), content_type="image/jpeg")
        return store_attachment(upload, uploaded_by=user or world.nanxian, unit_id=(unit or world.nanxian_home).pk)

    return make


@pytest.fixture
def second_officer(world):
    """Another officer of 南县民政局, who can verify what `nanxian` fixed."""
    from tongxin.accounts.services import create_user

    user = create_user(None, username="nanxian-2", password="x" * 12, full_name="南县民政局 刘", check_password=False)
    grant_role(None, user, world.nanxian_bureau, "officer")
    return user


@pytest.fixture
def entry(world):
    return services.open_entry(
        world.nanxian, unit=world.nanxian_home, source="supervision", category="fire", severity="major",
        description="疏散通道堆放杂物", required_measure="清理通道", responsible_person="李敏",
        responsible_phone="13807371234", found_on=FOUND, deadline=FOUND + dt.timedelta(days=7))
