"""Uploaded images: what is refused, with a message on the field, and how what is accepted
is stored: encoded afresh, turned as its EXIF said, with no metadata left in it."""

import io
import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from PIL import ExifTags, Image, PngImagePlugin

from reviews import images as reviews_images
from reviews.forms import NOT_AN_IMAGE
from reviews.images import DAMAGED_IMAGE
from reviews.models import Film, Review
from tests.factories import film_form, image_bytes, image_upload, review_form, upload
from tests.form_errors import assert_refused_on
from tests.page_tree import parse_html

REVIEW_ADD = reverse("admin:reviews_review_add")
SCRIPT = b"<script>alert(document.cookie)</script>"
TOO_MANY_PIXELS = "This image has too many pixels to process safely (at most 40 megapixels)."


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width, height):
    """A PNG of a few hundred bytes whose header claims ``width`` x ``height`` pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + png_chunk(b"IEND", b"")
    )


def truncated_jpeg():
    """A real photo's JPEG cut off halfway, as an interrupted copy leaves it: its header
    says what it is and how large, and the picture data stops in the middle."""
    buffer = io.BytesIO()
    Image.effect_noise((400, 300), 64).convert("RGB").save(buffer, "JPEG")
    data = buffer.getvalue()
    return data[: len(data) // 2]


def gif_javascript_polyglot():
    """A GIF that is also a script: 10799 x 10 pixels is written ``/*`` and a newline, so a
    browser reading it as JavaScript skips the header as a comment and runs what follows."""
    buffer = io.BytesIO()
    Image.new("P", (10799, 10)).save(buffer, "GIF")
    data = buffer.getvalue()
    assert data[6:10] == b"/*\n\x00"
    return data + b"*/=alert(document.domain);//"


def files_in(folder):
    return sorted(path for path in Path(folder).rglob("*") if path.is_file())


def form_values(response):
    """What each box of the admin's form shows, by name, as the editor sees it again."""
    page = parse_html(response.content.decode())
    boxes = [node for node in page.find_all("input") if "name" in node.attrs]
    values = {node.attrs["name"]: node.attrs.get("value", "") for node in boxes}
    values |= {node.attrs["name"]: node.raw_text.strip("\n") for node in page.find_all("textarea")}
    return values


def camera_exif():
    """EXIF as a phone writes it: turned a quarter, where it was taken, and a description."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # the picture must be turned 90° clockwise
    exif[ExifTags.Base.Make] = "Phone"
    exif[ExifTags.Base.ImageDescription] = SCRIPT.decode()
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (51.0, 30.0, 26.0),
        ExifTags.GPS.GPSLongitudeRef: "W",
        ExifTags.GPS.GPSLongitude: (0.0, 7.0, 39.0),
    }
    return exif


def stored_bytes(field_file):
    with default_storage.open(field_file.name) as stored:
        return stored.read()


def assert_no_metadata(data):
    """No EXIF, GPS, XMP, comment or text chunk in the stored file, and none of the script."""
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif()
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        leftovers = {"exif", "xmp", "XML:com.adobe.xmp", "comment", "Description", "Comment"}
        assert not leftovers & set(image.info)
        assert not getattr(image, "text", None)
    assert SCRIPT not in data
    assert b"Exif" not in data
    assert b"<script" not in data


def test_a_review_with_an_image_saves_again_without_a_new_upload(editor_client, make_film):
    film = make_film()
    editor_client.post(REVIEW_ADD, review_form(film, hero_image=image_upload(), hero_alt="A still"))
    review = Review.objects.get()
    stored_name = review.hero_image.name
    change = reverse("admin:reviews_review_change", args=[review.pk])
    data = review_form(film, slug=review.slug, hero_alt="A still", hero_caption="At dawn")
    assert editor_client.post(change, data).status_code == 302
    review.refresh_from_db()
    assert (review.hero_image.name, review.hero_caption) == (stored_name, "At dawn")


# What is refused, on the field, in the editors' form


@pytest.mark.parametrize(
    ("size", "message"),
    [((30_000, 30_000), TOO_MANY_PIXELS), ((8_000, 8_000), TOO_MANY_PIXELS)],
    ids=["beyond-pillows-own-limit", "beyond-the-sites-limit"],
)
def test_a_decompression_bomb_is_refused_as_one_on_the_image_field(
    editor_client, make_film, size, message
):
    bomb = upload(png_declaring(*size), "poster.png")
    assert bomb.size < 2_000

    response = editor_client.post(
        REVIEW_ADD, review_form(make_film(), hero_image=bomb, hero_alt="A still")
    )

    assert_refused_on(response, "hero_image", message)
    assert not Review.objects.exists()


def test_an_svg_is_refused_on_the_image_field(editor_client, make_film):
    svg = SimpleUploadedFile(
        "poster.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script>'
        b"</svg>",
        content_type="image/svg+xml",
    )

    response = editor_client.post(
        REVIEW_ADD, review_form(make_film(), hero_image=svg, hero_alt="A still")
    )

    assert_refused_on(response, "hero_image", NOT_AN_IMAGE)
    assert not Review.objects.exists()


def test_a_php_script_named_jpg_is_refused_on_the_image_field(editor_client, make_film):
    php = SimpleUploadedFile(
        "still.jpg", b"<?php echo shell_exec($_GET['c']); ?>", content_type="image/jpeg"
    )

    response = editor_client.post(
        REVIEW_ADD, review_form(make_film(), hero_image=php, hero_alt="A still")
    )

    assert_refused_on(response, "hero_image", NOT_AN_IMAGE)
    assert not Review.objects.exists()


def test_an_oversized_file_is_refused_on_the_image_field(editor_client, make_film, settings):
    settings.IMAGE_MAX_UPLOAD_BYTES = 2_000
    large = upload(image_bytes("PNG", (400, 400), compress_level=0))
    assert large.size > 2_000

    response = editor_client.post(
        REVIEW_ADD, review_form(make_film(), hero_image=large, hero_alt="A still")
    )

    assert_refused_on(
        response,
        "hero_image",
        f"This file is {filesizeformat(large.size)}; images may be at most 2.0\xa0KB.",
    )
    assert not Review.objects.exists()


def test_a_truncated_jpeg_is_refused_on_the_field_keeping_the_rest_and_storing_nothing(
    editor_client, make_film, settings
):
    film = make_film()
    typed = {"headline": "Cut short", "slug": "cut-short", "body": "Still here.", "hero_alt": "A"}

    response = editor_client.post(
        REVIEW_ADD, review_form(film, hero_image=upload(truncated_jpeg(), "still.jpg"), **typed)
    )

    assert_refused_on(response, "hero_image", DAMAGED_IMAGE)
    values = form_values(response)
    assert {name: values[name] for name in typed} == typed
    assert not Review.objects.exists()
    assert files_in(settings.MEDIA_ROOT) == []


def test_a_truncated_jpeg_is_refused_on_the_poster_field(editor_client, settings):
    response = editor_client.post(
        reverse("admin:reviews_film_add"),
        film_form(poster=upload(truncated_jpeg(), "poster.jpg"), synopsis="Typed."),
    )

    assert_refused_on(response, "poster", DAMAGED_IMAGE)
    assert form_values(response)["synopsis"] == "Typed."
    assert not Film.objects.exists()
    assert files_in(settings.MEDIA_ROOT) == []


@pytest.mark.parametrize(
    ("data", "name", "size"),
    [
        (image_bytes("PNG", (4000, 4)), "strip.png", "4000 × 4"),
        (gif_javascript_polyglot(), "polyglot.gif", "10799 × 10"),
    ],
    ids=["4000x4-png", "gif-javascript-polyglot"],
)
def test_a_very_thin_image_is_refused_on_the_field_keeping_the_rest_and_storing_nothing(
    editor_client, make_film, settings, data, name, size
):
    typed = {"headline": "A strip", "slug": "a-strip", "body": "Still here.", "hero_alt": "A"}

    response = editor_client.post(
        REVIEW_ADD, review_form(make_film(), hero_image=upload(data, name), **typed)
    )

    assert_refused_on(
        response,
        "hero_image",
        f"This image is {size} pixels: too long and thin to show. Upload a picture at most "
        "10 times as wide as it is high, or as high as it is wide.",
    )
    values = form_values(response)
    assert {name: values[name] for name in typed} == typed
    assert not Review.objects.exists()
    assert files_in(settings.MEDIA_ROOT) == []


def test_when_a_rendition_cannot_be_made_the_review_shows_the_original_and_no_part_is_left(
    editor_client, make_film, settings, monkeypatch
):
    made = []

    def disk_full_after_the_first(source, size, name):
        if made:
            raise OSError(28, "No space left on device")
        made.append(name)
        return original(source, size, name)

    original = reviews_images.store_rendition
    monkeypatch.setattr(reviews_images, "store_rendition", disk_full_after_the_first)
    photo = upload(image_bytes("PNG", (1200, 800)))

    editor_client.post(REVIEW_ADD, review_form(make_film(), hero_image=photo, hero_alt="A still"))

    assert made  # the first rendition was written, and then taken away again
    review = Review.objects.get()
    assert review.hero_renditions == []
    assert files_in(settings.MEDIA_ROOT) == [Path(review.hero_image.path)]


def test_a_bomb_as_a_films_poster_is_refused_on_the_poster_field(editor_client):
    bomb = upload(png_declaring(30_000, 30_000), "poster.png")

    response = editor_client.post(reverse("admin:reviews_film_add"), film_form(poster=bomb))

    assert_refused_on(response, "poster", TOO_MANY_PIXELS)
    assert not Film.objects.exists()


# How what is accepted is stored


def test_a_photo_is_stored_turned_upright_without_its_exif_gps_or_comment(editor_client, make_film):
    photo = image_bytes("JPEG", (64, 48), exif=camera_exif(), comment=SCRIPT)
    with Image.open(io.BytesIO(photo)) as original:
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test's photo has GPS

    response = editor_client.post(
        REVIEW_ADD,
        review_form(make_film(), hero_image=upload(photo, "holiday.jpg"), hero_alt="A still"),
    )

    assert response.status_code == 302
    review = Review.objects.get()
    data = stored_bytes(review.hero_image)
    assert_no_metadata(data)
    with Image.open(io.BytesIO(data)) as stored:
        assert stored.format == "JPEG"
        assert stored.size == (48, 64)  # turned upright
    assert (review.hero_width, review.hero_height) == (48, 64)
    assert review.hero_image.name.endswith(".jpg")


def test_text_chunks_and_exif_in_a_png_are_not_stored(make_review):
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", SCRIPT.decode())
    text.add_text("Description", SCRIPT.decode(), zip=True)
    text.add_itxt("XML:com.adobe.xmp", SCRIPT.decode())
    png = image_bytes("PNG", pnginfo=text, exif=camera_exif())
    assert SCRIPT in png

    review = make_review(hero_image=upload(png), hero_alt="A still")

    data = stored_bytes(review.hero_image)
    assert_no_metadata(data)
    assert b"tEXt" not in data and b"zTXt" not in data and b"iTXt" not in data
    assert (review.hero_width, review.hero_height) == (48, 64)


def test_exif_and_xmp_in_a_webp_are_not_stored(make_review):
    webp = image_bytes("WEBP", exif=camera_exif(), xmp=SCRIPT)
    assert SCRIPT in webp

    review = make_review(hero_image=upload(webp, "still.webp"), hero_alt="A still")

    data = stored_bytes(review.hero_image)
    assert_no_metadata(data)
    assert b"XMP " not in data
    with Image.open(io.BytesIO(data)) as stored:
        assert stored.format == "WEBP"


def test_an_animated_gif_is_stored_as_its_first_frame_without_its_comment(make_review):
    frames = [Image.new("P", (40, 30), colour) for colour in (1, 2, 3)]
    buffer = io.BytesIO()
    frames[0].save(
        buffer, "GIF", save_all=True, append_images=frames[1:], duration=100, comment=SCRIPT
    )

    review = make_review(hero_image=upload(buffer.getvalue(), "loop.gif"), hero_alt="A loop")

    data = stored_bytes(review.hero_image)
    assert_no_metadata(data)
    with Image.open(io.BytesIO(data)) as stored:
        assert (stored.format, stored.n_frames, stored.size) == ("GIF", 1, (40, 30))


def test_a_script_hidden_after_the_end_of_an_image_is_not_stored(make_review):
    polyglot = image_bytes("GIF") + b"<?php echo shell_exec($_GET['c']); ?>" + SCRIPT

    review = make_review(hero_image=upload(polyglot, "still.gif"), hero_alt="A still")

    data = stored_bytes(review.hero_image)
    assert b"<?php" not in data
    assert_no_metadata(data)


def test_a_png_named_jpg_is_stored_under_the_extension_of_its_format(make_review):
    review = make_review(hero_image=upload(image_bytes("PNG"), "still.jpg"), hero_alt="A still")

    assert review.hero_image.name.endswith(".png")
    with Image.open(io.BytesIO(stored_bytes(review.hero_image))) as stored:
        assert stored.format == "PNG"


def test_a_transparent_png_keeps_its_transparency(make_review):
    buffer = io.BytesIO()
    Image.new("RGBA", (20, 10), (255, 0, 0, 0)).save(buffer, "PNG")

    review = make_review(hero_image=upload(buffer.getvalue()), hero_alt="Nothing")

    with Image.open(io.BytesIO(stored_bytes(review.hero_image))) as stored:
        assert stored.mode == "RGBA"
        assert stored.getpixel((0, 0))[3] == 0


def test_a_posters_exif_is_not_stored_and_its_renditions_are_upright(make_film):
    photo = image_bytes("JPEG", (1200, 800), exif=camera_exif())

    film = make_film(poster=upload(photo, "poster.jpg"))
    film.refresh_from_db()

    assert_no_metadata(stored_bytes(film.poster))
    assert (film.poster_width, film.poster_height) == (800, 1200)
    assert [(r["width"], r["height"]) for r in film.poster_renditions] == [(480, 720)]


def test_an_image_already_stored_is_not_encoded_again_on_a_later_save(make_review):
    review = make_review(hero_image=upload(image_bytes("JPEG"), "still.jpg"), hero_alt="A still")
    name, data = review.hero_image.name, stored_bytes(review.hero_image)

    review.headline = "Edited"
    review.save()

    review.refresh_from_db()
    assert review.hero_image.name == name
    assert stored_bytes(review.hero_image) == data
