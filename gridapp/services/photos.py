"""Photos people upload: checked from their bytes, cleaned, stored, and later resized.

Nothing a client says about a file is trusted: not its name, not its content type.
The type comes from the magic bytes, the size is counted while reading, the pixel
count is read from the header before anything is decoded (a small PNG can claim
20,000 × 20,000 pixels and take gigabytes to decode), and the whole image is then
decoded once to prove it is complete. What is stored is a re-encoded copy of the
pixels alone, turned upright, so no EXIF, GPS position or trailing payload survives.
All checks run before anything is written, so a refused upload leaves no trace.

Photos are decoded as little as they can be: a phone's 12 MP original is stored at most
PHOTO_MAX_SIDE pixels on its long side (nobody zooms a pothole past 2560 px, and it is a
quarter of the bytes), JPEGs are decoded in draft mode (libjpeg scales by 1/2, 1/4 or 1/8
while decoding, which is most of the cost saved), and the web and thumbnail sizes come from
one decode of the stored original.
"""
from __future__ import annotations

import hashlib
import io
import uuid
import warnings
from dataclasses import dataclass
from datetime import timedelta
from typing import BinaryIO, Callable, Iterable, TypeVar

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select

from gridapp.clock import now
from gridapp.errors import DomainError, NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import CasePhoto
from gridapp.services import idempotency
from gridapp.storage import media_storage
from gridapp.unit_of_work import in_unit_of_work, unit_of_work

MAX_PHOTOS = 9
WEB_SIZE = 1280
THUMB_SIZE = 320

# format → (content type, file extension, Pillow save options)
FORMATS = {
    "JPEG": ("image/jpeg", "jpg", {"quality": 88, "optimize": True}),
    "PNG": ("image/png", "png", {"optimize": True}),
    "WEBP": ("image/webp", "webp", {"quality": 88}),
}


class PhotoTooLarge(DomainError):
    status = 413
    code = "photo_too_large"


class PhotoTypeUnsupported(DomainError):
    status = 415
    code = "photo_type_unsupported"


class PhotoCorrupt(ValidationFailed):
    code = "photo_corrupt"


@dataclass(frozen=True)
class Upload:
    """An uploaded file's name and bytes, read with the byte limit already applied."""

    filename: str
    data: bytes

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class CleanPhoto:
    data: bytes
    format: str
    width: int
    height: int

    @property
    def content_type(self) -> str:
        return FORMATS[self.format][0]

    @property
    def extension(self) -> str:
        return FORMATS[self.format][1]

    @property
    def byte_size(self) -> int:
        return len(self.data)


def limits() -> tuple[int, int]:
    config = current_app.config
    return config["PHOTO_MAX_BYTES"], config["PHOTO_MAX_PIXELS"]


def max_side() -> int:
    return current_app.config["PHOTO_MAX_SIDE"]


def read_upload(stream: BinaryIO, filename: str | None) -> Upload:
    """Read at most the byte limit (plus one byte to notice more), never the whole of a huge file."""
    max_bytes, _ = limits()
    data = stream.read(max_bytes + 1)
    name = (filename or "photo")[:120]
    if len(data) > max_bytes:
        raise PhotoTooLarge(
            f"照片“{name}”超过 {max_bytes // (1024 * 1024)} MB，请压缩后重新上传",
            details={"filename": name, "max_bytes": max_bytes},
        )
    return Upload(name, data)


def sniff(data: bytes) -> str | None:
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def clean(upload: Upload) -> CleanPhoto:
    """Check one upload completely and return its re-encoded, metadata-free copy."""
    name = upload.filename
    if not upload.data:
        raise PhotoCorrupt(f"照片“{name}”是空文件", details={"filename": name})
    fmt = sniff(upload.data)
    if fmt is None:
        raise PhotoTypeUnsupported(
            f"“{name}”不是 JPEG、PNG 或 WebP 格式的照片", details={"filename": name, "allowed": sorted(FORMATS)}
        )
    _, max_pixels = limits()
    corrupt = PhotoCorrupt(f"照片“{name}”已损坏或不完整，请重新拍摄上传", details={"filename": name, "format": fmt})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Only the header is read here: the size is known before any pixel is decoded.
            with Image.open(io.BytesIO(upload.data), formats=[fmt]) as probe:
                width, height = probe.size
                if width * height > max_pixels:
                    raise _too_many_pixels(name, width, height, max_pixels)
                probe.verify()
            with Image.open(io.BytesIO(upload.data), formats=[fmt]) as image:
                longest = max_side()
                _decode_at_least(image, longest)  # a truncated file fails here, draft mode or not
                upright = ImageOps.exif_transpose(image)
                upright.thumbnail((longest, longest), Image.Resampling.LANCZOS)
                return _reencode(upright, fmt, image.info.get("icc_profile"))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(name, 0, 0, max_pixels) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise corrupt from None


def _too_many_pixels(name: str, width: int, height: int, max_pixels: int) -> PhotoTooLarge:
    return PhotoTooLarge(
        f"照片“{name}”像素过大（不超过 {max_pixels // 1_000_000} 百万像素）",
        code="photo_too_many_pixels",
        details={"filename": name, "width": width, "height": height, "max_pixels": max_pixels},
    )


def _reencode(image: Image.Image, fmt: str, icc_profile: bytes | None) -> CleanPhoto:
    if fmt == "JPEG":
        image = image.convert("RGB") if image.mode not in ("RGB", "L") else image
    elif fmt == "WEBP":
        image = image.convert("RGBA" if "A" in image.getbands() or image.mode == "P" else "RGB")
    elif image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
        image = image.convert("RGBA")
    # A fresh image holds the pixels and nothing else: no EXIF, XMP, text chunks or comments.
    bare = Image.new(image.mode, image.size)
    bare.paste(image)
    if image.mode == "P":
        bare.putpalette(image.getpalette())
    options = dict(FORMATS[fmt][2])
    if icc_profile:
        options["icc_profile"] = icc_profile  # colour, not personal data
    out = io.BytesIO()
    bare.save(out, format=fmt, **options)
    return CleanPhoto(out.getvalue(), fmt, bare.width, bare.height)


def _clean_all(uploads: Iterable[Upload], *, required: bool, uploaded: int) -> list[CleanPhoto]:
    uploads = list(uploads)
    if required and not uploads and not uploaded:
        raise ValidationFailed("请至少上传 1 张照片", code="photos_required", details={"photos": ["required"]})
    if len(uploads) + uploaded > MAX_PHOTOS:
        raise ValidationFailed(f"最多上传 {MAX_PHOTOS} 张照片", details={"photos": ["too_many"]})
    return [clean(upload) for upload in uploads]


def new_key(extension: str, suffix: str = "") -> str:
    today = now()
    return f"photos/{today:%Y}/{today:%m}/{uuid.uuid4().hex}{suffix}.{extension}"


def _store(photos: list[CleanPhoto]) -> list[str]:
    """Write the cleaned photos; stored_then discards them again if its unit of work fails."""
    storage = media_storage()
    keys: list[str] = []
    try:
        for photo in photos:
            key = new_key(photo.extension)
            storage.save(key, photo.data, photo.content_type)
            keys.append(key)
    except BaseException:
        discard(keys)
        raise
    return keys


T = TypeVar("T")
Stored = list[tuple[str, "CleanPhoto"]]


def stored_then(uploads: Iterable[Upload], record: Callable[[Stored], T], *, required: bool = True, uploaded: int = 0) -> T:
    """Clean and store photos first, then `record(stored)` them in a unit of work; files go again if it fails.

    Every upload comes through here. Files are written outside the database transaction
    (the store may be S3, and a SQLite write lock must not be held across it), so a
    failed transaction must not leave orphans behind; nor may a retry that only replays
    the first request's resource (idempotency.Replayed), whose photos are stored already.
    `uploaded` counts photos uploaded beforehand that `record` claims itself (services.uploads),
    so the limits apply to all the call's photos.
    """
    cleaned = _clean_all(uploads, required=required, uploaded=uploaded)
    release_read_snapshot()
    keys = _store(cleaned)
    try:
        result = record(list(zip(keys, cleaned)))
    except BaseException:
        discard(keys)
        raise
    if isinstance(result, idempotency.Replayed):
        discard(keys)
    return result


def discard(keys: Iterable[str]) -> None:
    storage = media_storage()
    for key in keys:
        storage.delete(key)


def sized_key(original_key: str, size: str) -> str:
    """Derived deterministically from the original, so re-running the job overwrites, never duplicates."""
    stem = original_key.rsplit(".", 1)[0]
    return f"{stem}-{size}.jpg"


def _decode_at_least(image: Image.Image, longest: int) -> None:
    """Decode a JPEG at the smallest libjpeg scale that still covers `longest` on both sides; others fully.

    Draft mode only ever shrinks by a power of two while keeping the image at least the asked
    size, so the resize that follows sees no loss; the whole stream is still read, so a
    truncated file is still refused.
    """
    if image.format == "JPEG" and image.mode in ("RGB", "L", "CMYK", "YCbCr"):
        image.draft(image.mode, (longest, longest))
    image.load()


def sizes(data: bytes) -> dict[str, bytes]:
    """The web and thumbnail JPEGs of a stored original, both from one (draft-mode) decode."""
    with Image.open(io.BytesIO(data)) as image:
        _decode_at_least(image, WEB_SIZE)
        flat = _flat_rgb(image)
    web = flat.copy()
    web.thumbnail((WEB_SIZE, WEB_SIZE), Image.Resampling.LANCZOS)
    thumb = web.copy()
    thumb.thumbnail((THUMB_SIZE, THUMB_SIZE), Image.Resampling.LANCZOS)
    return {"web": _jpeg(web), "thumb": _jpeg(thumb)}


def _flat_rgb(image: Image.Image) -> Image.Image:
    """RGB for JPEG, with transparency laid on white (what a viewer would show behind it)."""
    if image.mode in ("RGBA", "LA", "P"):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image if image.mode == "RGB" else image.convert("RGB")


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80, optimize=True, progressive=True)
    return out.getvalue()


def release_read_snapshot() -> None:
    """End a read-only transaction before slow file work.

    On SQLite every transaction holds the one write lock (BEGIN IMMEDIATE), so reading
    the actor or a row and then spending a second on images or S3 would stall every
    other writer. Only done when nothing is pending, so no work can be lost: not inside an enclosing unit of work,
    whose earlier steps are flushed but not yet committed (a rollback here would silently drop them).
    """
    session = db.session()
    if in_unit_of_work():
        return
    if session.in_transaction() and not (session.new or session.dirty or session.deleted):
        session.rollback()


def make_sizes(city_id: int, photo_id: int) -> None:
    """The web and thumbnail sizes of one stored photo; does nothing when both exist already."""
    photo = db.session.scalar(select(CasePhoto).where(CasePhoto.city_id == city_id, CasePhoto.id == photo_id))
    if photo is None:
        raise NotFound("照片不存在")
    original_key, web_key, thumb_key = photo.original_key, photo.web_key, photo.thumb_key
    release_read_snapshot()
    storage = media_storage()
    if web_key and thumb_key and storage.exists(web_key) and storage.exists(thumb_key):
        return
    made = sizes(storage.read(original_key))
    web_key, thumb_key = sized_key(original_key, "web"), sized_key(original_key, "thumb")
    storage.save(web_key, made["web"], "image/jpeg")
    storage.save(thumb_key, made["thumb"], "image/jpeg")
    _record_sizes(city_id, photo_id, web_key, thumb_key)


def without_sizes(city_id: int, older_than: timedelta = timedelta(minutes=5), limit: int = 200) -> list[int]:
    """Photos whose sizes should exist by now (their job runs within seconds) but do not."""
    ids = list(
        db.session.scalars(
            select(CasePhoto.id)
            .where(
                CasePhoto.city_id == city_id,
                (CasePhoto.web_key.is_(None)) | (CasePhoto.thumb_key.is_(None)),
                CasePhoto.created_at <= now() - older_than,
            )
            .order_by(CasePhoto.id)
            .limit(limit)
        )
    )
    release_read_snapshot()
    return ids


@unit_of_work
def _record_sizes(city_id: int, photo_id: int, web_key: str, thumb_key: str) -> None:
    photo = db.session.scalar(select(CasePhoto).where(CasePhoto.city_id == city_id, CasePhoto.id == photo_id))
    photo.web_key, photo.thumb_key = web_key, thumb_key


def url(key: str | None) -> str | None:
    return media_storage().url(key) if key else None
