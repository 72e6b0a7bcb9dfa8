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
- a PDF is stored byte for byte and is never opened, parsed or rendered on the server; one
  naming JavaScript, a launch action or embedded files, in its bytes or its object streams, is
  refused (`_check_pdf_active_content`); it is served as a download (Content-Disposition:
  attachment), and every served file carries nosniff and a sandboxing Content-Security-Policy;
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

import base64
import datetime as dt
import hashlib
import io
import re
import unicodedata
import zlib
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
IMAGE_CONTENT_TYPES = frozenset(ct for ct, _ext in IMAGE_FORMATS.values()) | {"image/jpeg"}  # thumbnails
SERVED_FILE_CSP = "sandbox; default-src 'none'"  # an opened file runs no script and loads nothing
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
        _check_pdf_active_content(data)
        return _Prepared(content=data, content_type=PDF)
    raise _refuse(_unsupported_message(head))


# PDF names that make a document act rather than show: scripts, actions that start a program, and
# files carried inside it. A byte scan, documented as such (no PDF library; the file is never parsed
# or rendered here): such a name is a dictionary key or value, and a dictionary is either in the
# file's bytes or inside a compressed object stream (/Type /ObjStm, PDF 1.5; the stream's own
# dictionary is always in the bytes). So the raw bytes are scanned, and when the file has object
# streams every stream is inflated (zlib, also under ASCIIHex/ASCII85) and scanned as well, within
# PDF_MAX_INFLATED. Names are compared after undoing #xx escapes (/J#61vaScript is /JavaScript).
# An object stream that cannot be read (encrypted, or a filter not handled) is refused, unchecked.
PDF_FORBIDDEN_NAMES = frozenset({b"JavaScript", b"JS", b"Launch", b"EmbeddedFile", b"EmbeddedFiles"})
PDF_MAX_INFLATED = 256 * 1024 * 1024  # inflated in 1 MiB pieces, so this bounds time, not memory
_PDF_UNREADABLE_FILTERS = frozenset({b"Encrypt", b"Crypt", b"LZWDecode", b"LZW", b"RunLengthDecode", b"RL",
                                     b"JBIG2Decode"})  # JBIG2 is images only; refusing it only with ObjStm
_PDF_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]*)")
_PDF_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_STREAM = re.compile(rb"(?<!end)stream(?:\r\n|\n|\r)")
_PDF_HEX = re.compile(rb"[0-9A-Fa-f\s]*>?")
_PDF_A85 = re.compile(rb"[!-uz\s]*(?:~>)?")
_PDF_CHUNK = 1024 * 1024


class _PdfUnreadable(Exception):
    pass


def _pdf_names(data: bytes, *, final: bool = True) -> set[bytes]:
    """The names in `data`, unescaped; when not `final`, one that runs into the end may be cut short
    and is left for the next piece."""
    names = set()
    for match in _PDF_NAME.finditer(data):
        if not final and match.end() == len(data):
            continue
        raw = match.group(1)
        names.add(_PDF_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw) if b"#" in raw else raw)
    return names


def _inflated_names(body: bytes, budget: list[int]) -> set[bytes]:
    """The names in a zlib stream, inflated piece by piece (memory stays at about _PDF_CHUNK)."""
    inflater, names, tail, pending = zlib.decompressobj(), set(), b"", body
    while True:
        piece = inflater.decompress(pending, _PDF_CHUNK)
        pending = inflater.unconsumed_tail
        budget[0] -= len(piece)
        if budget[0] < 0:
            raise _PdfUnreadable
        buffer = tail + piece
        names |= _pdf_names(buffer, final=False)
        tail = buffer[-64:]  # longer than any forbidden name, even fully #-escaped
        if inflater.eof or not piece:
            break
    return names | _pdf_names(tail)


def _stream_names(body: bytes, budget: list[int]) -> set[bytes]:
    """Names inside one stream's body, decoded as far as we can: zlib, ASCIIHex or ASCII85 (then zlib)."""
    stripped = body.rstrip(b"\r\n\t\x0c ")
    for decode in (None, "hex", "a85"):
        data = stripped
        try:
            if decode == "hex":
                if not _PDF_HEX.fullmatch(stripped):
                    continue
                digits = re.sub(rb"[\s>]", b"", stripped)
                data = bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode())
            elif decode == "a85":
                if not _PDF_A85.fullmatch(stripped):
                    continue
                data = base64.a85decode(stripped.removesuffix(b"~>"), ignorechars=b" \t\n\r\x0b\x0c")
            if decode is not None:
                names = _pdf_names(data)
                if names & PDF_FORBIDDEN_NAMES:
                    return names
            return _inflated_names(data, budget)
        except (zlib.error, ValueError):
            continue
    return set()


def _check_pdf_active_content(data: bytes) -> None:
    """Refuse a PDF carrying JavaScript, a launch action or embedded files (PDF_FORBIDDEN_NAMES), in its
    bytes or in an object stream (see PDF_FORBIDDEN_NAMES above)."""
    active = _("PDF 含有脚本、启动程序的动作或嵌入的文件，不能上传：请用“打印为 PDF”重新生成后上传")
    unreadable = _("PDF 含有无法检查的压缩内容（可能已加密），不能上传：请用“打印为 PDF”重新生成后上传")
    names = _pdf_names(data)
    if names & PDF_FORBIDDEN_NAMES:
        raise _refuse(active)
    if b"ObjStm" not in names:
        return  # every dictionary is in the bytes just scanned
    if names & _PDF_UNREADABLE_FILTERS:
        raise _refuse(unreadable)
    budget = [PDF_MAX_INFLATED]
    try:
        for match in _PDF_STREAM.finditer(data):
            end = data.find(b"endstream", match.end())
            if end < 0:
                raise _PdfUnreadable
            if _stream_names(data[match.end():end], budget) & PDF_FORBIDDEN_NAMES:
                raise _refuse(active)
    except _PdfUnreadable:
        raise _refuse(unreadable) from None


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
        orientation = im.getexif().get(_ORIENTATION_TAG)
        turn = _TRANSPOSE.get(orientation) if isinstance(orientation, int) else None
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
    browser is told not to sniff, and a sandboxing CSP lets the file run and load nothing; only an
    image (pixels we encoded) is shown inline, every other file (a PDF) is served as a download; the
    file name shown is the sanitised original name with the true extension, with an ASCII fallback
    for old clients. A PDF has no thumbnail (Http404).
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
    # Only our own re-encoded pixels are shown in the page; anything else (a PDF) is downloaded and
    # opened outside the site's origin. Either way the response may run nothing and load nothing.
    inline = not as_attachment and content_type in IMAGE_CONTENT_TYPES
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = (
        f'{disposition}; filename="{_ascii_filename(display, fallback_stem, ext)}"; '
        f"filename*=UTF-8''{quote(utf8_name, safe='')}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SERVED_FILE_CSP
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
