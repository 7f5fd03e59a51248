"""Checking uploaded images, storing them re-encoded, and making their WebP renditions."""

import hashlib
import io
import warnings
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}
JPEG_MODES = {"L", "RGB", "CMYK"}


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


def reencode(file):
    """The image in ``file`` encoded afresh, as ``(bytes, format)``, with no metadata.

    An accepted image (see ``validate_image_file``) is stored only as Pillow writes it
    again, in the same format: EXIF (the camera, the time, GPS positions), XMP, PNG text
    chunks and JPEG or GIF comments are dropped, so nothing hidden in them, a script or a
    reader's whereabouts, reaches the site. EXIF orientation is applied to the pixels
    first, so the picture still stands the right way up. The ICC colour profile is kept:
    it is needed to show the colours right, and says nothing about anyone. Only the first
    frame of an animated GIF or WebP is kept: posters and hero images are stills, as are
    their renditions, and a long animation is a way to exhaust memory. JPEG and WebP are
    re-encoded at quality 90.
    """
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    try:
        with Image.open(file) as source:
            image_format = source.format
            # A copy of the first frame, turned as EXIF says, without the source's info.
            image = ImageOps.exif_transpose(source)
    finally:
        file.seek(position)
    options = {}
    if icc_profile := image.info.get("icc_profile"):
        options["icc_profile"] = icc_profile
    if "transparency" in image.info:
        options["transparency"] = image.info["transparency"]
    image.info = {}
    if image_format == "JPEG":
        if image.mode not in JPEG_MODES:
            image = image.convert("RGB")
        options.update(quality=90, optimize=True)
    elif image_format == "WEBP":
        options.update(quality=90, method=4)
    elif image_format == "GIF":
        options.pop("icc_profile", None)
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue(), image_format


def store_clean_upload(instance, field_name):
    """Before an image just uploaded to this field is stored, re-encode it (``reencode``).

    The file keeps its name with the extension of its real format; the field's width and
    height are those of the stored picture. Call it in the model's ``save`` before the
    file is committed; an image already in storage is left alone.
    """
    field_file = getattr(instance, field_name)
    if not field_file or field_file._committed:
        return
    data, image_format = reencode(field_file.file)
    name = str(PurePosixPath(field_file.name).with_suffix(EXTENSIONS[image_format]))
    field_file.file = ContentFile(data, name=name)
    field_file.name = name
    field = instance._meta.get_field(field_name)
    with Image.open(io.BytesIO(data)) as stored:
        setattr(instance, field.width_field, stored.width)
        setattr(instance, field.height_field, stored.height)


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
