"""Refused files stay on record: a rejected evidence upload is one REJECTED audit event (who, which file,
why), even when the write it came with rolls back."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.ledger.test_web import freeze, jpeg, post, put  # noqa: F401 (freeze is a fixture)
from tongxin.core.models import Attachment, AuditEvent
from tongxin.core.uploads import store_attachment


def rejections():
    return AuditEvent.objects.filter(action=AuditEvent.Action.REJECTED)


def fake_photo(name="photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"MZ\x90\x00 this is a program, not a photo", content_type="image/jpeg")


def test_a_refused_evidence_file_is_recorded_with_its_name_and_reason(world):
    try:
        store_attachment(fake_photo("现场照片.jpg"), uploaded_by=world.home_reporter, unit_id=world.nanxian_home.pk)
    except ValidationError:
        pass
    (event,) = rejections()
    assert event.actor_id == world.home_reporter.pk and event.changes["file"] == "现场照片.jpg"
    assert event.changes["errors"] == 1 and "不支持" in event.changes["first_errors"][0]
    assert event.region_code.startswith("430921")


def test_a_refused_file_on_a_ledger_step_is_recorded_although_the_step_rolled_back(world, client_for, freeze):  # noqa: F811
    entry = put(world.nanxian, world.nanxian_home)
    client = client_for(world.home_reporter)
    post(client, entry, "start")
    before = Attachment.objects.count()
    response = post(client, entry, "submit_fix", "已整改", [jpeg(), fake_photo()])
    assert response.status_code == 400 and Attachment.objects.count() == before
    (event,) = rejections()
    assert event.actor_name == "nanxian-home-01" and event.changes["file"] == "photo.jpg"


def test_a_good_upload_records_no_refusal(world):
    store_attachment(jpeg(), uploaded_by=world.home_reporter, unit_id=world.nanxian_home.pk)
    assert not rejections().exists()
