"""core.uploads: evidence files are judged by their content, stored clean, and served so they cannot be mis-read."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import struct
import zlib
from unittest import mock
from urllib.parse import unquote

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from PIL import Image, ImageCms, PngImagePlugin

from tongxin.accounts.services import create_user
from tongxin.core import uploads
from tongxin.core.models import Attachment, AuditEvent
from tongxin.core.uploads import delete_orphan_files, open_attachment, sanitise_name, store_attachment

NANXIAN_HOME_UNIT_ID = 4309210001
RED, BLUE = (255, 0, 0), (0, 0, 255)
GPS_IFD, ORIENTATION, MAKE, MODEL = 0x8825, 0x0112, 0x010F, 0x0110


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def reporter(db):
    return create_user(None, username="nanxian-home-01", password="x" * 12, check_password=False)


def files_in(folder) -> list:
    return [p for p in folder.rglob("*") if p.is_file()]


def two_colour(size=(60, 30), mode="RGB") -> Image.Image:
    """Left half red, right half blue, so a rotation can be seen."""
    im = Image.new(mode, size, BLUE)
    im.paste(RED, (0, 0, size[0] // 2, size[1]))
    return im


def image_bytes(im: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    im.save(out, fmt, **params)
    return out.getvalue()


def noisy(size=(256, 256)) -> Image.Image:
    return Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))


def phone_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # shot with the phone held upright: rotate 90° clockwise to view
    exif[MAKE] = "TongxinCam"
    exif[MODEL] = "Nanxian X1"
    exif[GPS_IFD] = {1: "N", 2: (29.0, 21.0, 36.0), 3: "E", 4: (112.0, 24.0, 0.0)}
    return exif


def upload(content: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def store(reporter, content: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> Attachment:
    return store_attachment(upload(content, name, content_type), uploaded_by=reporter, unit_id=NANXIAN_HOME_UNIT_ID)


def stored_bytes(field_file) -> bytes:
    with field_file.open("rb") as f:
        return f.read()


def refused(reporter, content: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> str:
    with pytest.raises(ValidationError) as info:
        store(reporter, content, name, content_type)
    messages = info.value.message_dict["file"]
    assert len(messages) == 1
    return messages[0]


def bomb_png(width: int, height: int) -> bytes:
    """A real 1×1 PNG whose header claims width×height, with the header's CRC fixed so it parses."""
    data = bytearray(image_bytes(Image.new("RGB", (1, 1), RED), "PNG"))
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


MINIMAL_PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


# --- photos are stored clean --------------------------------------------------------------------


def test_phone_photo_loses_gps_and_camera_data_and_is_stored_upright(media, reporter):
    original = image_bytes(two_colour(), "JPEG", exif=phone_exif(), comment=b"secret-comment",
                           xmp=b"<x:xmpmeta>GPSLatitude 29.36 secret-xmp</x:xmpmeta>")
    with Image.open(io.BytesIO(original)) as before:  # the test photo really carries what must go
        assert before.getexif().get_ifd(GPS_IFD)[1] == "N"
        assert before.getexif()[MAKE] == "TongxinCam"

    attachment = store(reporter, original, "整改前.jpg")

    content = stored_bytes(attachment.file)
    with Image.open(io.BytesIO(content)) as after:
        assert after.format == "JPEG"
        assert len(after.getexif()) == 0
        assert after.getexif().get_ifd(GPS_IFD) == {}
        assert not {"exif", "xmp", "comment", "icc_profile"} & set(after.info)
        assert after.size == (30, 60)  # orientation applied: the landscape sensor image now stands upright
        assert (attachment.width, attachment.height) == (30, 60)
        top, bottom = after.convert("RGB").getpixel((15, 5)), after.convert("RGB").getpixel((15, 55))
        assert top[0] > 200 and top[2] < 60  # the left (red) half went to the top, as a clockwise turn does
        assert bottom[2] > 200 and bottom[0] < 60
    for secret in (b"Exif", b"TongxinCam", b"Nanxian X1", b"secret-comment", b"secret-xmp", b"GPS"):
        assert secret not in content


def test_png_text_chunks_and_exif_are_dropped(media, reporter):
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret-text")
    info.add_itxt("Description", "secret-itxt", zip=True)
    exif = Image.Exif()
    exif[MAKE] = "TongxinCam"
    original = image_bytes(two_colour(mode="RGBA"), "PNG", pnginfo=info, exif=exif)

    attachment = store(reporter, original, "截图.png", "image/png")

    content = stored_bytes(attachment.file)
    with Image.open(io.BytesIO(content)) as after:
        assert after.format == "PNG" and after.mode == "RGBA"
        assert "Comment" not in after.info and "Description" not in after.info
        assert len(after.getexif()) == 0
    for secret in (b"secret-text", b"tEXt", b"iTXt", b"zTXt", b"eXIf", b"TongxinCam"):
        assert secret not in content
    assert attachment.content_type == "image/png"


def test_webp_stays_webp_without_metadata(media, reporter):
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: (29.0, 21.0, 36.0)}
    original = image_bytes(two_colour(), "WEBP", exif=exif, quality=90)

    attachment = store(reporter, original, "photo.webp", "image/webp")

    with Image.open(io.BytesIO(stored_bytes(attachment.file))) as after:
        assert after.format == "WEBP"
        assert after.getexif().get_ifd(GPS_IFD) == {}
    assert attachment.content_type == "image/webp"
    assert attachment.file.name.endswith(".webp")


def test_colour_profile_is_converted_and_dropped(media, reporter):
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    attachment = store(reporter, image_bytes(two_colour(), "JPEG", icc_profile=srgb, quality=95))

    with Image.open(io.BytesIO(stored_bytes(attachment.file))) as after:
        assert "icc_profile" not in after.info
        red = after.getpixel((15, 5))
        assert red[0] > 200 and red[1] < 60 and red[2] < 60


def test_unreadable_colour_profile_does_not_cost_the_photo(media, reporter):
    attachment = store(reporter, image_bytes(two_colour(), "JPEG", icc_profile=b"not a profile", quality=95))

    with Image.open(io.BytesIO(stored_bytes(attachment.file))) as after:
        assert "icc_profile" not in after.info
        assert after.getpixel((15, 5))[0] > 200


def test_sixteen_bit_grey_png_keeps_its_brightness(media, reporter):
    attachment = store(reporter, image_bytes(Image.new("I;16", (20, 20), 32896), "PNG"), "scan.png", "image/png")

    with Image.open(io.BytesIO(stored_bytes(attachment.file))) as after:
        assert after.mode == "L" and after.getpixel((5, 5)) == 128


def test_type_comes_from_the_content_not_the_name_or_the_browser(media, reporter):
    png = image_bytes(two_colour(), "PNG")

    attachment = store(reporter, png, "photo.jpg", "image/jpeg")

    assert attachment.content_type == "image/png"
    assert attachment.file.name.endswith(".png")


def test_data_hidden_after_the_image_is_not_stored(media, reporter):
    payload = b"<html><script>alert('polyglot')</script></html>" + b"PK\x03\x04zip-payload"
    attachment = store(reporter, image_bytes(two_colour(), "JPEG") + payload)

    content = stored_bytes(attachment.file)
    assert b"polyglot" not in content and b"zip-payload" not in content


def test_big_photo_is_scaled_down_to_the_long_side_limit(media, reporter):
    attachment = store(reporter, image_bytes(Image.new("RGB", (5000, 1000), BLUE), "JPEG"))

    assert (attachment.width, attachment.height) == (uploads.MAX_SIDE, 819)
    with Image.open(io.BytesIO(stored_bytes(attachment.file))) as after:
        assert after.size == (uploads.MAX_SIDE, 819)


def test_thumbnail_is_a_small_jpeg(media, reporter):
    original = image_bytes(noisy((1600, 1200)), "JPEG", quality=95)

    attachment = store(reporter, original)

    thumb = stored_bytes(attachment.thumbnail)
    with Image.open(io.BytesIO(thumb)) as im:
        assert im.format == "JPEG"
        assert max(im.size) == uploads.THUMBNAIL_SIDE and im.size == (320, 240)
        assert len(im.getexif()) == 0
    assert len(thumb) < len(stored_bytes(attachment.file)) / 4
    assert re.fullmatch(r"attachments/thumbs/\d{4}/\d{2}/\d{2}/[0-9a-f]{32}\.jpg", attachment.thumbnail.name)


def test_transparent_png_thumbnail_is_on_white(media, reporter):
    attachment = store(reporter, image_bytes(Image.new("RGBA", (40, 40), (0, 0, 0, 0)), "PNG"), "x.png", "image/png")

    with Image.open(io.BytesIO(stored_bytes(attachment.thumbnail))) as im:
        assert min(im.convert("RGB").getpixel((20, 20))) > 240


def test_stored_under_a_random_dated_name_never_the_users(media, reporter):
    attachment = store(reporter, image_bytes(two_colour(), "JPEG"), "../../南县福利院 后厨.jpg")

    assert re.fullmatch(r"attachments/\d{4}/\d{2}/\d{2}/[0-9a-f]{32}\.jpg", attachment.file.name)
    assert attachment.file.name.startswith(f"attachments/{dt.date.today():%Y}/")
    assert all("福利院" not in str(p) for p in files_in(media))
    assert (media / attachment.file.name).is_file()  # the default storage writes under MEDIA_ROOT
    assert attachment.original_name == "南县福利院 后厨.jpg"


def test_sha256_and_size_describe_the_stored_bytes(media, reporter):
    attachment = store(reporter, image_bytes(noisy(), "JPEG"))

    content = (media / attachment.file.name).read_bytes()
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert attachment.size == len(content)


def test_upload_is_recorded_with_its_uploader_and_unit(media, reporter):
    attachment = store(reporter, image_bytes(two_colour(), "JPEG"))

    attachment.refresh_from_db()
    assert attachment.uploaded_by == reporter and attachment.unit_id == NANXIAN_HOME_UNIT_ID
    event = AuditEvent.objects.get(object_type="core.attachment", object_id=str(attachment.pk))
    assert event.action == "create" and event.actor_id == reporter.pk
    assert event.changes["sha256"] == [None, attachment.sha256]
    assert event.changes["unit_id"] == [None, NANXIAN_HOME_UNIT_ID]


# --- PDFs ---------------------------------------------------------------------------------------


def test_pdf_is_stored_as_it_is_without_a_thumbnail(media, reporter):
    attachment = store(reporter, MINIMAL_PDF, "整改报告.pdf", "application/octet-stream")

    assert attachment.content_type == "application/pdf"
    assert stored_bytes(attachment.file) == MINIMAL_PDF
    assert attachment.sha256 == hashlib.sha256(MINIMAL_PDF).hexdigest()
    assert not attachment.thumbnail and attachment.thumbnail.name is None
    assert attachment.width is None and attachment.height is None
    assert attachment.file.name.endswith(".pdf")
    assert len(files_in(media)) == 1


def test_pdf_cut_short_is_refused(media, reporter):
    message = refused(reporter, MINIMAL_PDF[:-8], "整改报告.pdf", "application/pdf")

    assert "PDF" in message and "不完整" in message
    assert files_in(media) == []


def pdf_with(*objects: bytes) -> bytes:
    """A small PDF whose catalog is followed by `objects` (each a full `N 0 obj … endobj`)."""
    return (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" + b"".join(objects)
            + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")


def object_stream(body: bytes, *, filters: bytes = b"/FlateDecode", encode=zlib.compress) -> bytes:
    """An object stream (/Type /ObjStm, PDF 1.5) carrying `body`: dictionaries invisible in the raw bytes."""
    data = encode(body)
    return (b"5 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter " + filters + b" /Length "
            + str(len(data)).encode() + b" >>\nstream\n" + data + b"\nendstream\nendobj\n")


OPEN_ACTION_JS = b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"


@pytest.mark.parametrize(
    "pdf",
    [
        pytest.param(pdf_with(b"3 0 obj\n" + OPEN_ACTION_JS + b"\nendobj\n"), id="javascript-action"),
        pytest.param(pdf_with(b"3 0 obj\n<< /S /J#61va#53cript /J#53 (x) >>\nendobj\n"), id="escaped-names"),
        pytest.param(pdf_with(b"3 0 obj\n<< /Names << /JavaScript 4 0 R >> >>\nendobj\n"), id="document-js"),
        pytest.param(pdf_with(b"3 0 obj\n<< /S /Launch /F (cmd.exe) >>\nendobj\n"), id="launch"),
        pytest.param(pdf_with(b"3 0 obj\n<< /Names << /EmbeddedFiles 4 0 R >> >>\nendobj\n"), id="embedded-files"),
        pytest.param(pdf_with(b"4 0 obj\n<< /Type /EmbeddedFile /Length 2 >>\nstream\nMZ\nendstream\nendobj\n"),
                     id="embedded-file"),
        pytest.param(pdf_with(object_stream(b"3 0 " + OPEN_ACTION_JS)), id="js-in-object-stream"),
        pytest.param(pdf_with(object_stream(b"3 0 << /S /Launch >>", filters=b"[/ASCIIHexDecode /FlateDecode]",
                                            encode=lambda b: zlib.compress(b).hex().encode() + b">")),
                     id="launch-in-hex-object-stream"),
    ],
)
def test_pdf_that_can_run_script_or_carry_files_is_refused(media, reporter, pdf):
    message = refused(reporter, pdf, "整改报告.pdf", "application/pdf")

    assert "PDF" in message and "脚本" in message
    assert files_in(media) == []


def test_pdf_with_an_object_stream_that_cannot_be_checked_is_refused(media, reporter):
    pdf = pdf_with(b"9 0 obj\n<< /Filter /Standard >>\nendobj\n", object_stream(b"\x13\x37" * 40, filters=b"/LZWDecode",
                                                                                encode=lambda b: b))

    assert "无法检查" in refused(reporter, pdf, "r.pdf", "application/pdf")


def test_an_ordinary_pdf_with_object_streams_and_images_is_taken(media, reporter):
    image = b"4 0 obj\n<< /Type /XObject /Subtype /Image /Filter /FlateDecode >>\nstream\n" + zlib.compress(
        os.urandom(50_000)) + b"\nendstream\nendobj\n"
    pdf = pdf_with(object_stream(b"2 0 << /Type /Pages /Kids [] /Count 0 >>"), image)

    assert store(reporter, pdf, "r.pdf", "application/pdf").content_type == "application/pdf"


# --- refusals -----------------------------------------------------------------------------------


def truncated_jpeg() -> bytes:
    whole = image_bytes(noisy(), "JPEG", quality=95)
    return whole[: len(whole) * 2 // 3]


@pytest.mark.parametrize(
    ("content", "name", "content_type", "words"),
    [
        pytest.param(b"just some notes, not a photo\n" * 10, "photo.jpg", "image/jpeg", "不支持这种文件",
                     id="text-as-jpg"),
        pytest.param(b"MZ\x90\x00\x03" + b"\x00" * 59 + b"This program cannot be run in DOS mode", "photo.jpg",
                     "image/jpeg", "不支持这种文件", id="exe-as-jpg"),
        pytest.param(b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", "report.pdf",
                     "application/pdf", "不支持这种文件", id="html"),
        pytest.param(b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
                     "drawing.svg", "image/svg+xml", "不支持这种文件", id="svg"),
        pytest.param(image_bytes(Image.new("RGB", (10, 10), RED), "GIF"), "anim.gif", "image/gif", "GIF", id="gif"),
        pytest.param(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64, "IMG_0001.HEIC",
                     "image/heic", "HEIC", id="heic"),
        pytest.param(truncated_jpeg(), "photo.jpg", "image/jpeg", "损坏或不完整", id="truncated-jpeg"),
        pytest.param(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"garbage!" * 200, "photo.jpg", "image/jpeg",
                     "损坏或不完整", id="jpeg-header-then-garbage"),
        pytest.param(image_bytes(two_colour(), "PNG")[:-30], "shot.png", "image/png", "损坏或不完整",
                     id="truncated-png"),
    ],
)
def test_files_that_are_not_evidence_are_refused_with_words_and_leave_nothing(media, reporter, content, name,
                                                                              content_type, words):
    message = refused(reporter, content, name, content_type)

    assert words in message
    assert files_in(media) == []
    assert not Attachment.objects.exists()


def test_file_over_the_size_limit_is_refused_before_it_is_read(media, reporter, settings):
    settings.TONGXIN_UPLOAD_MAX_BYTES = 1000
    big = upload(image_bytes(noisy(), "JPEG"))
    big.file = mock.Mock(wraps=big.file)

    with pytest.raises(ValidationError) as info:
        store_attachment(big, uploaded_by=reporter, unit_id=NANXIAN_HOME_UNIT_ID)

    big.file.read.assert_not_called()
    assert "文件太大" in info.value.message_dict["file"][0]
    assert "1000" in info.value.message_dict["file"][0]
    assert files_in(media) == []


def test_file_that_understates_its_size_is_still_refused(media, reporter, settings):
    settings.TONGXIN_UPLOAD_MAX_BYTES = 1000
    lying = upload(image_bytes(noisy(), "JPEG"))
    lying.size = 10

    with pytest.raises(ValidationError, match="文件太大"):
        store_attachment(lying, uploaded_by=reporter, unit_id=NANXIAN_HOME_UNIT_ID)


def test_empty_file_is_refused(media, reporter):
    assert "空" in refused(reporter, b"")


def test_decompression_bomb_is_refused_not_a_crash(media, reporter):
    message = refused(reporter, bomb_png(100_000, 100_000), "tiny.png", "image/png")

    assert "尺寸过大" in message
    assert files_in(media) == []


def test_image_over_the_pixel_limit_below_pillows_own_is_refused(media, reporter):
    message = refused(reporter, bomb_png(8000, 8000), "tiny.png", "image/png")  # 64 megapixels

    assert "8000×8000" in message
    assert files_in(media) == []


def grey_png(width: int, height: int) -> bytes:
    """A real, valid width×height grey PNG, built row by row so the test never holds its pixels."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    packer, row = zlib.compressobj(9), b"\x00" * (width + 1)  # filter byte 0, then black pixels
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def test_png_too_big_to_decode_is_refused_from_its_header_before_any_pixel_is_decoded(media, reporter):
    content = grey_png(7000, 7000)  # 49 megapixels, under MAX_PIXELS: it once cost ~735 MB to take in
    assert len(content) < 200_000
    with Image.open(io.BytesIO(content)) as im:
        assert im.size == (7000, 7000)  # a real image Pillow reads, not a forged header

    with mock.patch("PIL.ImageFile.ImageFile.load", side_effect=AssertionError("pixels decoded")):
        message = refused(reporter, content, "shot.png", "image/png")

    assert "7000×7000" in message and "尺寸过大" in message and "JPEG" in message
    assert files_in(media) == []


def test_png_within_the_decode_budget_is_taken(media, reporter):
    attachment = store(reporter, grey_png(6000, 4000), "scan.png", "image/png")  # 24 megapixels

    assert (attachment.width, attachment.height) == (uploads.MAX_SIDE, 2731)


def test_big_jpeg_is_decoded_reduced_not_at_full_size(media, reporter):
    content = image_bytes(Image.new("L", (8000, 6000), 128), "JPEG")  # a 48-megapixel phone photo
    decoded = []
    real_clean = uploads._clean_pixels

    def spy(im, fmt):
        decoded.append(im.size)
        return real_clean(im, fmt)

    with mock.patch("tongxin.core.uploads._clean_pixels", side_effect=spy):
        attachment = store(reporter, content)

    assert decoded == [(4000, 3000)]  # libjpeg decoded it at 1/2: a quarter of the pixels
    assert decoded[0][0] * decoded[0][1] <= uploads.MAX_DECODED_PIXELS
    assert (attachment.width, attachment.height) == (4000, 3000)


def test_normal_phone_photo_is_taken_at_its_size(media, reporter):
    attachment = store(reporter, image_bytes(Image.new("RGB", (4000, 3000), BLUE), "JPEG"))

    assert (attachment.width, attachment.height) == (4000, 3000)


def test_pillows_own_bomb_guard_is_on_at_our_limit():
    assert Image.MAX_IMAGE_PIXELS == uploads.MAX_PIXELS


def test_no_file_is_left_behind_when_the_record_cannot_be_saved(media, reporter):
    with mock.patch("tongxin.core.uploads.audit.record", side_effect=RuntimeError("database went away")):
        with pytest.raises(RuntimeError):
            store(reporter, image_bytes(two_colour(), "JPEG"))

    assert files_in(media) == []
    assert not Attachment.objects.exists()


def test_orphans_of_a_rolled_back_caller_are_swept(media, reporter):
    kept = store(reporter, image_bytes(two_colour(), "JPEG"))
    orphan = media / "attachments" / "2021" / "08" / "01" / ("0" * 32 + ".jpg")
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"left behind")
    os.utime(orphan, (0, 0))
    fresh = media / "attachments" / "fresh.jpg"
    fresh.write_bytes(b"an upload in progress")

    deleted = delete_orphan_files()

    assert deleted == ["attachments/2021/08/01/" + "0" * 32 + ".jpg"]
    assert not orphan.exists() and fresh.exists()
    assert (media / kept.file.name).exists() and (media / kept.thumbnail.name).exists()


# --- names and serving --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("整改后.JPG", "整改后.JPG"),
        ("C:\\Users\\张三\\Desktop\\后厨 照片.jpg", "后厨 照片.jpg"),
        ("../../etc/passwd", "passwd"),
        ("invoice\u202egpj.exe", "invoice gpj.exe"),  # a right-to-left override cannot disguise the name
        ("a\x00b\nc\td.pdf", "a b c d.pdf"),
        ('<img src=x onerror="x">.png', "_img src=x onerror=_x__.png"),
        ("", ""),
        (None, ""),
    ],
)
def test_original_name_is_sanitised_for_display(given, kept):
    assert sanitise_name(given) == kept


def test_long_original_name_keeps_its_extension():
    name = sanitise_name("现场" * 200 + ".jpeg")
    assert len(name) == 255 and name.endswith(".jpeg")


def test_open_attachment_serves_the_recorded_type_inline_without_sniffing(media, reporter):
    attachment = store(reporter, image_bytes(two_colour(), "PNG"), "整改后 照片.png", "text/html")

    response = open_attachment(attachment)
    try:
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
        disposition = response["Content-Disposition"]
        assert disposition.startswith("inline; ")
        assert f'filename="attachment-{attachment.pk}.png"' in disposition
        encoded = re.search(r"filename\*=UTF-8''(\S+)", disposition).group(1)
        assert unquote(encoded) == "整改后 照片.png"
        assert disposition.isascii()
        assert b"".join(response.streaming_content) == stored_bytes(attachment.file)
    finally:
        response.close()


def test_a_pdf_is_always_served_as_a_download_in_a_sandbox(media, reporter):
    attachment = store(reporter, MINIMAL_PDF, "整改报告.pdf", "application/pdf")

    response = open_attachment(attachment)  # asked for inline: a PDF is never shown from our origin
    try:
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment; ")
        assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
        assert response["X-Content-Type-Options"] == "nosniff"
    finally:
        response.close()


def test_an_image_and_its_thumbnail_are_inline_but_sandboxed(media, reporter):
    attachment = store(reporter, image_bytes(two_colour(), "JPEG"))

    for response in (open_attachment(attachment), open_attachment(attachment, thumbnail=True)):
        try:
            assert response["Content-Disposition"].startswith("inline; ")
            assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
        finally:
            response.close()


def test_open_attachment_uses_the_true_extension_and_an_ascii_name_when_it_has_one(media, reporter):
    attachment = store(reporter, MINIMAL_PDF, "site report.html", "text/html")

    response = open_attachment(attachment, as_attachment=True)
    try:
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith('attachment; filename="site_report.pdf"; ')
    finally:
        response.close()


def test_open_attachment_serves_a_thumbnail_and_a_pdf_has_none(media, reporter):
    photo = store(reporter, image_bytes(two_colour(), "WEBP"), "p.webp", "image/webp")
    pdf = store(reporter, MINIMAL_PDF, "r.pdf", "application/pdf")

    response = open_attachment(photo, thumbnail=True)
    try:
        assert response["Content-Type"] == "image/jpeg"
        assert b"".join(response.streaming_content) == stored_bytes(photo.thumbnail)
    finally:
        response.close()
    with pytest.raises(Http404):
        open_attachment(pdf, thumbnail=True)


def test_the_nightly_sweep_command_runs(db, settings, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    settings.MEDIA_ROOT = tmp_path
    out = StringIO()
    call_command("delete_orphan_files", "--days", "1", stdout=out)
    assert "orphan files deleted: 0" in out.getvalue()
