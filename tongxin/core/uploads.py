"""Evidence files (photos of a problem and of its fix, PDFs of rectification reports): take them
in without trusting them, hand them out only through a response that cannot be mis-read.

`store_attachment` guarantees that
- the size is checked before anything else is read (TONGXIN_UPLOAD_MAX_BYTES, 10 MiB by default);
- the type is decided by the content alone, never by the file's name or the browser's content
  type: a JPEG, PNG or WebP image that Pillow decodes completely, or a PDF that starts with
  ``%PDF-`` and ends with ``%%EOF``; anything else (a renamed program, SVG, GIF, HEIC, HTML, a
  truncated or corrupt image, a decompression bomb) is refused with words naming the problem,
  as ``ValidationError({"file": [...]})``;
- memory is bounded before a pixel is decoded: the header's size is checked first (MAX_PIXELS in
  all; MAX_DECODED_PIXELS for a PNG or WebP, which cannot be decoded reduced), a big JPEG is
  decoded at 1/2, 1/4 or 1/8 scale by libjpeg, and the picture is scaled down before it is turned,
  colour-converted and copied;
- an image is stored as freshly encoded pixels only, in its own format: the EXIF orientation is
  applied first, colours are converted to sRGB, and every piece of metadata (EXIF with GPS and
  camera, XMP, comments, PNG text, the colour profile) and anything appended after the image
  data are gone; an image larger than MAX_SIDE on its long side is scaled down, and a JPEG
  thumbnail of at most THUMBNAIL_SIDE is made;
- a PDF is stored byte for byte and is never opened, parsed or rendered on the server; the
  browser's own viewer shows it, served as application/pdf with nosniff;
- the stored file gets a random name under a date-based path (see `Attachment.file`), goes
  through Django's default storage (a local folder or an S3-compatible store, as STORAGES says),
  and `sha256`/`size` describe the bytes actually stored;
- a refused file leaves one REJECTED audit event (who, the file's name, why), kept even when the
  caller's transaction rolls back (`audit.record_refusal`);
- the record and its audit event are written in one transaction, and the stored files are
  deleted again if that fails. Should a caller's surrounding transaction roll back later, the
  files stay behind unreferenced: `delete_orphan_files` removes them (run it from a nightly job).

`open_attachment` builds the response a serving view returns after its own scope check; there
is deliberately no view or URL here.

This module imports no app of ours.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import transaction
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageCms

from tongxin.core import audit
from tongxin.core.models import Attachment

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a 48-megapixel phone photo fits; decoding more is a memory attack, not evidence
# The most pixels ever decoded at once: what bounds an upload's memory (about 4 bytes a pixel, a few
# copies). A JPEG above it is decoded reduced by libjpeg (1/2, 1/4, 1/8, `Image.draft`); a PNG or WebP
# cannot be, so one above it is refused from its header before any pixel is decoded. 24 megapixels
# holds a 6000×4000 screenshot or an A3 page scanned at 300 dpi; a 7000×7000 PNG (49 megapixels,
# 190 KB on disk) cost about 735 MB before this bound.
MAX_DECODED_PIXELS = 24_000_000
MAX_SIDE = 4096  # long side of a stored image; larger ones are scaled down
# Pillow's own decompression-bomb guard (a warning above, DecompressionBombError above twice this),
# for every image this process opens, also outside this module.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
THUMBNAIL_SIDE = 320
JPEG_QUALITY = WEBP_QUALITY = 85
THUMBNAIL_QUALITY = 80
PDF_TRAILER_WINDOW = 1024  # where readers look for %%EOF (PDF 32000-1 §7.5.5, as Acrobat tolerates)

PDF = "application/pdf"
# Pillow format -> (content type, file extension). Only these are ever decoded.
IMAGE_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
EXTENSIONS = {**{ct: ext for ct, ext in IMAGE_FORMATS.values()}, PDF: "pdf"}

_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_PDF_HEADER = re.compile(rb"%PDF-[12]\.\d")


@dataclass(frozen=True)
class _Prepared:
    """What goes to the storage: the file's bytes, its thumbnail's (images only) and what to record."""

    content: bytes
    content_type: str
    thumbnail: bytes | None = None
    width: int | None = None
    height: int | None = None


def _refuse(message: str) -> ValidationError:
    return ValidationError({"file": [message]})


def _max_bytes() -> int:
    return int(getattr(settings, "TONGXIN_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def _read_limited(uploaded_file: IO[bytes], max_bytes: int) -> bytes:
    """The file's bytes, refused if empty or over the limit (by its declared size, then by what was read)."""
    too_big = _("文件太大：最大 %(max)s，请压缩后再上传") % {"max": filesizeformat(max_bytes)}
    declared = getattr(uploaded_file, "size", None)
    if declared is not None and declared > max_bytes:
        raise _refuse(too_big)
    uploaded_file.seek(0)
    data = uploaded_file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _refuse(too_big)
    if not data:
        raise _refuse(_("文件是空的"))
    return data


def _unsupported_message(head: bytes) -> str:
    """Words for a file that is none of the accepted types, naming the common look-alikes."""
    allowed = _("只能上传 JPEG、PNG、WebP 格式的照片或 PDF 文件")
    if head.startswith((b"GIF87a", b"GIF89a")):
        return _("不支持 GIF 图片：%(allowed)s") % {"allowed": allowed}
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif"):
        return _("不支持 HEIC/AVIF 照片：请在手机相机设置中选择“兼容性最佳”后重新拍摄，或截图后上传。%(allowed)s") % {
            "allowed": allowed
        }
    if head.startswith(b"BM") or head.startswith((b"II*\x00", b"MM\x00*")):
        return _("不支持 BMP/TIFF 图片：%(allowed)s") % {"allowed": allowed}
    return _("不支持这种文件（按文件内容判断，与扩展名无关）：%(allowed)s") % {"allowed": allowed}


def _prepare(data: bytes) -> _Prepared:
    head = data[:32]
    if head.startswith((_JPEG_MAGIC, _PNG_MAGIC)) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return _prepare_image(data)
    if _PDF_HEADER.match(head):
        if b"%%EOF" not in data[-PDF_TRAILER_WINDOW:]:
            raise _refuse(_("PDF 文件不完整或已损坏（缺少文件结尾）：请重新导出后上传"))
        return _Prepared(content=data, content_type=PDF)
    raise _refuse(_unsupported_message(head))


def _prepare_image(data: bytes) -> _Prepared:
    corrupt = _("图片已损坏或不完整：请重新拍摄或重新上传")
    try:
        with Image.open(io.BytesIO(data), formats=list(IMAGE_FORMATS)) as probe:
            _check_pixels(*probe.size)  # from the header: Image.open decodes no pixel
            probe.verify()  # structure and checksums (PNG's CRCs); the full decode below catches the rest
        with Image.open(io.BytesIO(data), formats=list(IMAGE_FORMATS)) as im:
            # MPO (a JPEG carrying extra pictures, from some phone cameras) is kept as its first picture.
            fmt = "JPEG" if im.format == "MPO" else im.format
            if fmt is None:  # opened by one of IMAGE_FORMATS, so never; but no format, no image
                raise _refuse(corrupt)
            if fmt == "JPEG":
                _draft_jpeg(im)
            _check_decoded_pixels(fmt, *im.size)
            im.load()
            pixels = _clean_pixels(im, fmt)
    except ValidationError:
        raise
    except Image.DecompressionBombError:
        raise _refuse(_("图片尺寸过大，不能上传（最大 %(max)s 万像素）") % {"max": MAX_PIXELS // 10_000}) from None
    except Exception:  # any decoder failure on untrusted bytes means "not a usable image", never a 500
        raise _refuse(corrupt) from None
    content_type, _ext = IMAGE_FORMATS[fmt]
    return _Prepared(
        content=_encode(pixels, fmt),
        content_type=content_type,
        thumbnail=_thumbnail(pixels),
        width=pixels.width,
        height=pixels.height,
    )


def _check_pixels(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise _refuse(
            _("图片尺寸过大（%(width)s×%(height)s 像素），最大 %(max)s 万像素：请缩小后再上传")
            % {"width": width, "height": height, "max": MAX_PIXELS // 10_000}
        )


def _check_decoded_pixels(fmt: str, width: int, height: int) -> None:
    """Refuse, before decoding, an image that would be decoded above MAX_DECODED_PIXELS (a PNG or WebP:
    a JPEG has been reduced by `_draft_jpeg` by then, so only one whose 1/8 is still too big)."""
    if width * height > MAX_DECODED_PIXELS:
        raise _refuse(
            _("图片尺寸过大（%(width)s×%(height)s 像素）：PNG、WebP 图片最大 %(max)s 万像素，"
              "请缩小后再上传，或另存为 JPEG")
            % {"width": width, "height": height, "max": MAX_DECODED_PIXELS // 10_000}
        )


def _draft_jpeg(im: Image.Image) -> None:
    """Have libjpeg decode a big photo at 1/2, 1/4 or 1/8 scale: the largest reduction that keeps the
    long side at least MAX_SIDE, or more when needed to stay within MAX_DECODED_PIXELS."""
    width, height = im.size
    scale = 1
    while scale < 8 and (max(width, height) // (scale * 2) >= MAX_SIDE
                         or width * height > MAX_DECODED_PIXELS * scale * scale):
        scale *= 2
    if scale > 1:
        # draft() takes the largest scale whose result is at least the requested size, on both sides.
        im.draft(im.mode, (max(1, width // scale), max(1, height // scale)))


_ORIENTATION_TAG = 0x0112
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _clean_pixels(im: Image.Image, fmt: str) -> Image.Image:
    """Upright, sRGB, at most MAX_SIDE, in a mode browsers show, and carrying no metadata at all.

    Scaled down first, so the turn, the colour conversion and the copy work on the small picture
    (scaling into a square box commutes with the EXIF turn)."""
    icc = im.info.get("icc_profile")
    try:
        turn = _TRANSPOSE.get(im.getexif().get(_ORIENTATION_TAG))
    except Exception:  # a mangled EXIF block: the pixels are still evidence, shown as they were shot
        turn = None
    upright = im
    if upright.mode == "I" or upright.mode.startswith("I;16"):  # 16-bit grey: scale, as convert() would clip
        upright = upright.convert("I").point(lambda v: v * (1 / 257)).convert("L")
    if upright.mode not in ("L", "LA", "RGB", "RGBA"):
        upright = upright.convert("RGBA" if upright.has_transparency_data else "RGB")
    if fmt == "JPEG" and upright.mode != "L":
        upright = upright.convert("RGB")
    upright.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    if turn is not None:
        upright = upright.transpose(turn)
    if icc and upright.mode in ("RGB", "RGBA"):
        upright = _to_srgb(upright, icc)
    # A new image has an empty `info`: nothing of the original (EXIF, XMP, comments, PNG text,
    # colour profile, transparency keys) can ride along into the encoder.
    clean = Image.new(upright.mode, upright.size)
    clean.paste(upright)
    return clean


def _to_srgb(im: Image.Image, icc: bytes) -> Image.Image:
    """Convert from the embedded colour profile to sRGB, so dropping the profile keeps the colours."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(im, source, ImageCms.createProfile("sRGB"), outputMode=im.mode) or im
    except Exception:  # an unreadable profile: keep the pixels as they are, browsers assume sRGB
        return im


def _encode(im: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        im.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    elif fmt == "PNG":
        im.save(out, "PNG", optimize=True)
    else:
        im.save(out, "WEBP", quality=WEBP_QUALITY)
    return out.getvalue()


def _thumbnail(im: Image.Image) -> bytes:
    """A small JPEG (shown by every browser, old intranet ones too); transparency goes on white."""
    thumb = im.copy()
    thumb.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    if thumb.mode in ("LA", "RGBA"):
        background = Image.new("RGB", thumb.size, "white")
        background.paste(thumb, mask=thumb.getchannel("A"))
        thumb = background
    elif thumb.mode != "L":
        thumb = thumb.convert("RGB")
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    return out.getvalue()


_UNSAFE_NAME_CHARS = re.compile(r'[\\/:*?"<>|]')


def sanitise_name(name: str | None, max_length: int = 255) -> str:
    """A file name fit for display: no folders, no control or direction-override characters, trimmed."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[\\/]", name)[-1]  # old browsers send the full client path
    name = "".join(" " if unicodedata.category(c).startswith(("C", "Z")) else c for c in name)
    name = _UNSAFE_NAME_CHARS.sub("_", name)
    name = " ".join(name.split()).strip(" .")
    if len(name) > max_length:
        stem, dot, suffix = name.rpartition(".")
        if dot and 0 < len(suffix) <= 10:
            name = stem[: max_length - len(suffix) - 1] + "." + suffix
        else:
            name = name[:max_length]
    return name


MAX_FILES = 10  # files one form may carry at once


def store_attachments(files: list[Any], *, uploaded_by: Any, unit_id: int, field: str = "files") -> list[Attachment]:
    """Store every uploaded file of one form (each as `store_attachment`) or refuse them all, with
    ValidationError({field: [...]}) naming each file refused, or saying there are more than MAX_FILES."""
    if len(files) > MAX_FILES:
        raise ValidationError({field: [_("一次最多上传 %(n)s 个文件") % {"n": MAX_FILES}]})
    stored = []
    for f in files:
        try:
            stored.append(store_attachment(f, uploaded_by=uploaded_by, unit_id=unit_id))
        except ValidationError as exc:
            raise ValidationError({field: [_("「%(name)s」：%(problem)s") % {"name": f.name, "problem": m}
                                           for m in exc.messages]}) from None
    return stored


def store_attachment(uploaded_file: IO[bytes], *, uploaded_by: Any, unit_id: int) -> Attachment:
    """Check, clean and store one uploaded evidence file; return its saved record.

    Raises ValidationError({"file": [message]}) when the file is refused; nothing is stored then, and the
    refusal is in the audit trail.
    On success the file (and a thumbnail for an image) is in default storage, the record is
    saved and the upload is in the audit trail, all or nothing (see the module docstring).
    """
    try:
        prepared = _prepare(_read_limited(uploaded_file, _max_bytes()))
    except ValidationError as exc:
        audit.record_refusal(actor=uploaded_by, object_repr=_("证明材料上传"), changes={
            "file": sanitise_name(getattr(uploaded_file, "name", "")), "errors": len(exc.messages),
            "first_errors": exc.messages[:5], "unit_id": unit_id})
        raise
    ext = EXTENSIONS[prepared.content_type]
    attachment = Attachment(
        content_type=prepared.content_type,
        size=len(prepared.content),
        sha256=hashlib.sha256(prepared.content).hexdigest(),
        original_name=sanitise_name(getattr(uploaded_file, "name", "")),
        width=prepared.width,
        height=prepared.height,
        unit_id=unit_id,
        uploaded_by=uploaded_by,
        uploaded_at=timezone.now(),
    )
    stored: list[tuple[Storage, str]] = []
    try:
        # The names passed here carry only the extension we chose; upload_to makes the random path.
        attachment.file.save(f"upload.{ext}", ContentFile(prepared.content), save=False)
        if attachment.file.name:  # set by save(): the name the storage chose
            stored.append((attachment.file.storage, attachment.file.name))
        if prepared.thumbnail is not None:
            attachment.thumbnail.save("thumbnail.jpg", ContentFile(prepared.thumbnail), save=False)
            if attachment.thumbnail.name:
                stored.append((attachment.thumbnail.storage, attachment.thumbnail.name))
        with transaction.atomic():
            attachment.save()
            audit.record(
                audit.Action.CREATE,
                actor=uploaded_by,
                obj=attachment,
                changes={
                    key: [None, value]
                    for key, value in (
                        ("file", attachment.file.name),
                        ("thumbnail", attachment.thumbnail.name if attachment.thumbnail else None),
                        ("content_type", attachment.content_type),
                        ("size", attachment.size),
                        ("sha256", attachment.sha256),
                        ("original_name", attachment.original_name),
                        ("unit_id", attachment.unit_id),
                    )
                },
            )
    except BaseException:
        for storage, name in stored:
            try:
                storage.delete(name)
            except Exception:  # the original error matters more; delete_orphan_files catches leftovers
                pass
        raise
    return attachment


def _ascii_filename(name: str, fallback_stem: str, ext: str) -> str:
    stem = name.rsplit(".", 1)[0] if "." in name else name
    ascii_stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._")
    if not re.search(r"[A-Za-z0-9]", ascii_stem):
        ascii_stem = fallback_stem
    return f"{ascii_stem[:100]}.{ext}"


def open_attachment(attachment: Attachment, *, thumbnail: bool = False, as_attachment: bool = False) -> FileResponse:
    """A streamed response for a stored attachment (or its thumbnail), to return after a scope check.

    The content type is the one recorded when the file was checked, never guessed again; the
    browser is told not to sniff; the file name shown is the sanitised original name with the
    true extension, with an ASCII fallback for old clients. A PDF has no thumbnail (Http404).
    """
    if thumbnail:
        if not attachment.thumbnail:
            raise Http404("no thumbnail")
        field_file, content_type, ext = attachment.thumbnail, "image/jpeg", "jpg"
    else:
        field_file, content_type = attachment.file, attachment.content_type
        ext = EXTENSIONS.get(content_type, "bin")
    fallback_stem = f"attachment-{attachment.pk}" + ("-thumbnail" if thumbnail else "")
    display = sanitise_name(attachment.original_name)
    display_stem = display.rsplit(".", 1)[0] if "." in display else display
    utf8_name = f"{display_stem or fallback_stem}.{ext}"
    response = FileResponse(field_file.open("rb"), content_type=content_type)
    disposition = "attachment" if as_attachment else "inline"
    response["Content-Disposition"] = (
        f'{disposition}; filename="{_ascii_filename(display, fallback_stem, ext)}"; '
        f"filename*=UTF-8''{quote(utf8_name, safe='')}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"  # the bytes behind a record never change
    return response


def delete_orphan_files(*, older_than: dt.timedelta = dt.timedelta(days=1)) -> list[str]:
    """Delete stored attachment files that no record names (a caller's transaction rolled back after
    `store_attachment`, or a record was deleted); only files older than `older_than`, so an upload in
    progress is never touched. Returns the deleted names."""
    field = Attachment._meta.get_field("file")
    storage = field.storage
    cutoff = timezone.now() - older_than
    known = set(Attachment.objects.values_list("file", flat=True))
    known |= set(Attachment.objects.exclude(thumbnail=None).values_list("thumbnail", flat=True))
    deleted: list[str] = []
    for name in _walk(storage, "attachments"):
        if name in known:
            continue
        try:
            if storage.get_modified_time(name) >= cutoff:
                continue
        except (NotImplementedError, OSError):
            continue
        storage.delete(name)
        deleted.append(name)
    return deleted


def _walk(storage: Storage, folder: str) -> Iterator[str]:
    try:
        folders, files = storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError):
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from _walk(storage, f"{folder}/{sub}")
