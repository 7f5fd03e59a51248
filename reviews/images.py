"""Checking uploaded images, storing them re-encoded, and making their WebP renditions.

An upload is checked and re-encoded in the request that saves it; its renditions are
made by a task (``make_renditions``), and until they exist its page shows the original.
"""

import hashlib
import io
import warnings
from pathlib import PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from django_tasks import task
from PIL import Image, ImageOps, UnidentifiedImageError

from core import pagecache

from . import keys

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}
JPEG_MODES = {"L", "RGB", "CMYK"}
DAMAGED_IMAGE = (
    "This image file is damaged or incomplete (perhaps cut short while it was copied): "
    "save or export it again and upload the new file."
)


def validate_image_file(file):
    """Refuse anything that is not a whole JPEG, PNG, WebP or GIF of a reasonable size.

    The content is checked with Pillow, whatever the file is called: its structure, then
    its pixels, decoded in full, so that a file cut short is refused here rather than
    failing when it is stored. An image whose pixel count could exhaust memory when
    decoded (a decompression bomb) is refused before anything is decoded.
    """
    if getattr(file, "_committed", False):
        # Stored, so checked when it was uploaded. Read again, it would be a closed file:
        # the model re-reads a stored image's dimensions when a form assigns it back.
        return
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
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image_format, size = verified_format(file)
            if image_format in ACCEPTED_FORMATS:
                refuse_strips(*size)
                decode_in_full(file)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            "This image has too many pixels to process safely (at most %(limit)s megapixels).",
            code="image_too_many_pixels",
            params={"limit": settings.IMAGE_MAX_PIXELS // 1_000_000},
        )
    finally:
        file.seek(position)
    if image_format not in ACCEPTED_FORMATS:
        raise ValidationError(
            "This is a %(format)s image; upload a JPEG, PNG, WebP or GIF picture.",
            code="image_format",
            params={"format": image_format},
        )


def verified_format(file):
    """The format of the image in ``file``, once its structure is checked and its pixel
    count is within the limit."""
    file.seek(0)
    try:
        with Image.open(file) as image:
            width, height = image.size
            if width * height > settings.IMAGE_MAX_PIXELS:
                raise Image.DecompressionBombError
            image.verify()
            return image.format, (width, height)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise ValidationError(
            "This file is not an image: upload a JPEG, PNG, WebP or GIF picture.",
            code="not_an_image",
        )


def refuse_strips(width, height):
    """Refuse an image too long and thin to show as a poster or a hero image (a 4000×4
    strip, or a script dressed up with an image's header), before anything is decoded."""
    limit = settings.IMAGE_MAX_ASPECT_RATIO
    if max(width, height) > limit * min(width, height):
        raise ValidationError(
            "This image is %(width)d × %(height)d pixels: too long and thin to show. Upload "
            "a picture at most %(limit)d times as wide as it is high, or as high as it is wide.",
            code="image_too_thin",
            params={"width": width, "height": height, "limit": limit},
        )


def decode_in_full(file):
    """Decode every pixel of the (first frame of the) image, as storing it will."""
    file.seek(0)
    try:
        with Image.open(file) as image:
            image.load()
    except (OSError, SyntaxError, ValueError, EOFError):
        raise ValidationError(DAMAGED_IMAGE, code="image_damaged")


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
    file is committed; an image already in storage is left alone. Returns whether there
    was a new upload.
    """
    field_file = getattr(instance, field_name)
    if not field_file or field_file._committed:
        return False
    data, image_format = reencode(field_file.file)
    name = str(PurePosixPath(field_file.name).with_suffix(EXTENSIONS[image_format]))
    field_file.file = ContentFile(data, name=name)
    field_file.name = name
    field = instance._meta.get_field(field_name)
    with Image.open(io.BytesIO(data)) as stored:
        setattr(instance, field.width_field, stored.width)
        setattr(instance, field.height_field, stored.height)
    return True


def refresh_renditions(field_file, current):
    """The WebP renditions of an image at the configured widths narrower than the original.

    Returns ``[{"source", "width", "height", "name"}, ...]`` sorted by width. When
    ``current`` already describes this file's renditions it is returned as it is; a
    rendition already in storage is reused, not made again. If one cannot be made, those
    made by this call are deleted before the error is raised.
    """
    if not field_file:
        return []
    if current and all(entry.get("source") == field_file.name for entry in current):
        return current
    made = []
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
                # A very wide, thin picture is still at least one pixel high.
                height = max(1, round(source.height * width / source.width))
                name = f"renditions/{stem}-{digest}-{width}w.webp"
                if not default_storage.exists(name):
                    made.append(store_rendition(source, (width, height), name))
                renditions.append(
                    {"source": field_file.name, "width": width, "height": height, "name": name}
                )
            return renditions
    except BaseException:
        for name in made:
            default_storage.delete(name)
        raise
    finally:
        field_file.close()


def renditions_are_current(field_file, width, current):
    """Whether ``current`` lists the renditions of this file, one per configured width
    narrower than the file's ``width``, so that there is nothing to make."""
    if not field_file:
        return not current
    wanted = [w for w in settings.IMAGE_RENDITION_WIDTHS if w < (width or 0)]
    return [entry.get("width") for entry in current] == wanted and all(
        entry.get("source") == field_file.name for entry in current
    )


# What shows each model's picture, whose cached copy is stale once it has renditions.
PAGE_KEYS = {
    "reviews.film": lambda pk: [keys.film(pk)],
    "reviews.review": keys.review_itself,
    "reviews.critic": lambda pk: [keys.critic(pk)],
}


@task()
def make_renditions(model, pk, image_field, renditions_field):
    """Make the renditions of the image in this field of this object, and list them on it.

    Nothing is made twice: a rendition already in storage (its name comes from the
    image's) is reused, as when the task runs again after its worker died. An image
    replaced meanwhile is left to the task its own save queued."""
    instance = apps.get_model(model).objects.filter(pk=pk).first()
    if instance is None:
        return
    field_file = getattr(instance, image_field)
    renditions = refresh_renditions(field_file, getattr(instance, renditions_field))
    same_image = {image_field: field_file.name}
    updated = (
        type(instance).objects.filter(pk=pk, **same_image).update(**{renditions_field: renditions})
    )
    if updated:
        pagecache.invalidate(*PAGE_KEYS[model](pk))


def store_rendition(source, size, name):
    """Store ``source`` resized to ``size`` as WebP under ``name``; returns the name stored."""
    buffer = io.BytesIO()
    source.resize(size, Image.Resampling.LANCZOS).save(buffer, "WEBP", quality=80, method=4)
    return default_storage.save(name, ContentFile(buffer.getvalue()))


def discard_stored_image(field_file):
    """Delete an image just stored, whose save failed, so that no file is left behind."""
    if field_file and field_file._committed:
        field_file.storage.delete(field_file.name)


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
