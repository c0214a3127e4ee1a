"""Photo benchmark: what cleaning an upload and making its sizes costs, beside bare Pillow doing the least.

    python bench/photos.py [--runs 7]

For a 12 MP phone JPEG (4032 × 3024, held sideways, EXIF and GPS) and one a phone shrank to
2048 px before sending, it times gridapp's whole pipeline (services.photos.clean, which checks,
strips and stores at most PHOTO_MAX_SIDE px, then services.photos.sizes for the web and
thumbnail JPEGs) against the least Pillow must do for the same three files: one draft-mode
decode, turn upright, shrink and encode three times with the same settings. No database and no
storage: decoding and encoding are the cost. It also prints what one photo takes in storage.
"""
from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time

from harness import figure  # first: it puts the repository on sys.path
from PIL import ExifTags, Image, ImageFilter, ImageOps  # noqa: E402

from gridapp import create_app  # noqa: E402
from gridapp.services import photos  # noqa: E402

RATIO_TARGET = 1.3  # issue: our pipeline may cost at most 1.3 × the bare one
STORED_KB_TARGET = 1500  # original + web + thumbnail of a 12 MP photo


def phone_jpeg(width: int, height: int) -> bytes:
    """A photo-like JPEG: smooth light, texture and edges (noise alone or flat colour would compress unlike a photo)."""
    base = Image.radial_gradient("L").resize((width, height)).convert("RGB")
    texture = Image.effect_noise((width // 4, height // 4), 40).resize((width, height), Image.Resampling.BICUBIC)
    colour = Image.merge("RGB", (texture, base.getchannel(0), Image.linear_gradient("L").resize((width, height))))
    image = Image.blend(base, colour, 0.6).filter(ImageFilter.DETAIL)
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (39.0, 36.0, 12.5), 3: "E", 4: (109.0, 47.0, 1.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def bare(data: bytes, longest: int) -> list[bytes]:
    """The least work for the same three files: one draft decode, then shrink and encode."""
    outputs = []
    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (longest, longest))
        image = ImageOps.exif_transpose(image)
        for side, options in ((longest, {"quality": 88, "optimize": True}), (photos.WEB_SIZE, {}), (photos.THUMB_SIZE, {})):
            image.thumbnail((side, side), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            image.save(out, "JPEG", **(options or {"quality": 80, "optimize": True, "progressive": True}))
            outputs.append(out.getvalue())
    return outputs


def ours(data: bytes) -> list[bytes]:
    cleaned = photos.clean(photos.Upload("IMG_0001.jpg", data))
    made = photos.sizes(cleaned.data)
    return [cleaned.data, made["web"], made["thumb"]]


def median_ms(call, runs: int) -> float:
    call()  # warm up: first decodes load libraries
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as media:
        app = create_app({
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{media}/bench.sqlite3", "SECRET_KEY": "x" * 40,
            "GRIDAPP_ENV": "test", "MEDIA_ROOT": media,
        })  # fmt: skip
        with app.app_context():
            longest = photos.max_side()
            print(f"photos: our clean + sizes against bare Pillow (draft decode, 3 encodes), medians of {args.runs}")
            for label, (width, height) in (("12 MP phone photo, 4032×3024", (4032, 3024)), ("shrunk by the phone to 2048 px", (2048, 1536))):
                data = phone_jpeg(width, height)
                ours_ms, bare_ms = median_ms(lambda: ours(data), args.runs), median_ms(lambda: bare(data, longest), args.runs)
                print(f"  {label}: {len(data) / 1024:,.0f} KB uploaded; ours {ours_ms:,.0f} ms, bare Pillow {bare_ms:,.0f} ms")
                figure(f"{label}: ours ÷ bare Pillow", ours_ms / bare_ms, RATIO_TARGET, "×")
                stored = ours(data)
                sizes = " + ".join(f"{len(b) / 1024:,.0f}" for b in stored)
                figure(f"{label}: stored (original + web + thumbnail = {sizes} KB)", sum(map(len, stored)) / 1024, STORED_KB_TARGET, "KB")


if __name__ == "__main__":
    main()
