"""Checking uploaded images and making their WebP renditions."""

import hashlib
import io
import warnings
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from PIL import Image, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


def validate_image_file(file):
    """Refuse anything that is not a real JPEG, PNG, WebP or GIF of a reasonable size.

    The content is checked with Pillow, whatever the file is called; an image whose
    pixel count could exhaust memory when decoded (a decompression bomb) is refused.
    """
    if file.size > settings.IMAGE_MAX_UPLOAD_BYTES:
        raise ValidationError(
            "This file is %(size)s; images may be at most %(limit)s.",
            code="file_too_large",
            params={
                "size": filesizeformat(file.size),
                "limit": filesizeformat(settings.IMAGE_MAX_UPLOAD_BYTES),
            },
        )
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                image_format = image.format
                width, height = image.size
                if width * height > settings.IMAGE_MAX_PIXELS:
                    raise Image.DecompressionBombError
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            "This image has too many pixels to process safely (at most %(limit)s megapixels).",
            code="image_too_many_pixels",
            params={"limit": settings.IMAGE_MAX_PIXELS // 1_000_000},
        )
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(
            "This file is not an image: upload a JPEG, PNG, WebP or GIF picture.",
            code="not_an_image",
        )
    finally:
        file.seek(position)
    if image_format not in ACCEPTED_FORMATS:
        raise ValidationError(
            "This is a %(format)s image; upload a JPEG, PNG, WebP or GIF picture.",
            code="image_format",
            params={"format": image_format},
        )


def refresh_renditions(field_file, current):
    """The WebP renditions of an image at the configured widths narrower than the original.

    Returns ``[{"source", "width", "height", "name"}, ...]`` sorted by width. When
    ``current`` already describes this file's renditions it is returned as it is; a
    rendition already in storage is reused, not made again.
    """
    if not field_file:
        return []
    if current and all(entry.get("source") == field_file.name for entry in current):
        return current
    field_file.open("rb")
    try:
        with Image.open(field_file) as source:
            source.load()
            if source.mode not in ("RGB", "RGBA"):
                source = source.convert("RGBA" if "transparency" in source.info else "RGB")
            renditions = []
            stem = PurePosixPath(field_file.name).stem[:40]
            digest = hashlib.sha256(field_file.name.encode()).hexdigest()[:10]
            for width in settings.IMAGE_RENDITION_WIDTHS:
                if width >= source.width:
                    break
                height = round(source.height * width / source.width)
                name = f"renditions/{stem}-{digest}-{width}w.webp"
                if not default_storage.exists(name):
                    buffer = io.BytesIO()
                    source.resize((width, height), Image.Resampling.LANCZOS).save(
                        buffer, "WEBP", quality=80, method=4
                    )
                    default_storage.save(name, ContentFile(buffer.getvalue()))
                renditions.append(
                    {"source": field_file.name, "width": width, "height": height, "name": name}
                )
            return renditions
    finally:
        field_file.close()


def picture(field_file, width, height, renditions):
    """What a template needs to draw an image: its URL, size and WebP ``srcset``, or None."""
    if not field_file:
        return None
    sources = [(default_storage.url(r["name"]), r["width"]) for r in renditions]
    sources.append((field_file.url, width))
    return {
        "url": field_file.url,
        "width": width,
        "height": height,
        "srcset": ", ".join(f"{url} {w}w" for url, w in sources if w),
    }
