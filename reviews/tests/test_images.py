import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from reviews.images import validate_image_file
from reviews.models import Review
from tests.factories import image_upload
from tests.task_queue import DUMMY_TASKS, TaskQueue


@pytest.mark.parametrize(
    ("name", "image_format"),
    [("a.jpg", "JPEG"), ("a.png", "PNG"), ("a.webp", "WEBP"), ("a.gif", "GIF")],
)
def test_real_images_are_accepted(name, image_format):
    validate_image_file(image_upload(name, (40, 30), image_format))


def test_a_script_named_jpg_is_refused():
    upload = SimpleUploadedFile("shell.jpg", b"<?php system($_GET['c']); ?>")
    with pytest.raises(ValidationError, match="not an image"):
        validate_image_file(upload)


def test_an_svg_is_refused():
    upload = SimpleUploadedFile(
        "logo.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    )
    with pytest.raises(ValidationError, match="not an image"):
        validate_image_file(upload)


def test_a_bmp_is_refused_even_though_pillow_reads_it():
    with pytest.raises(ValidationError, match="BMP image"):
        validate_image_file(image_upload("a.bmp", (10, 10), "BMP"))


def test_an_oversized_file_is_refused_with_the_limit(settings):
    settings.IMAGE_MAX_UPLOAD_BYTES = 1000
    with pytest.raises(ValidationError, match="images may be at most 1000"):
        validate_image_file(image_upload(size=(400, 400)))


def test_an_image_with_too_many_pixels_is_refused(settings):
    settings.IMAGE_MAX_PIXELS = 100 * 100
    with pytest.raises(ValidationError, match="too many pixels"):
        validate_image_file(image_upload(size=(200, 200)))


def test_renditions_are_made_once_in_webp_and_reused(make_review):
    review = make_review(hero_image=image_upload(size=(1200, 800)), hero_alt="A field")
    review.refresh_from_db()  # made by a task, which tests run at once
    assert (review.hero_width, review.hero_height) == (1200, 800)
    assert [r["width"] for r in review.hero_renditions] == [480, 960]
    first = review.hero_renditions[0]
    assert first["height"] == 320
    with default_storage.open(first["name"]) as rendition:
        assert Image.open(rendition).format == "WEBP"
    modified = default_storage.get_modified_time(first["name"])
    review.headline = "Edited"
    review.save()
    assert review.hero_renditions[0] == first
    assert default_storage.get_modified_time(first["name"]) == modified


def test_picture_offers_every_rendition_and_the_original_in_srcset(make_review):
    review = make_review(hero_image=image_upload(size=(1200, 800)), hero_alt="A field")
    review.refresh_from_db()
    picture = review.hero_picture
    assert (picture["width"], picture["height"]) == (1200, 800)
    assert picture["srcset"].count("w,") == 2
    assert picture["srcset"].endswith(f"{review.hero_image.url} 1200w")


def test_an_image_cut_short_is_refused_as_damaged_not_stored_broken():
    whole = image_upload("still.jpg", (400, 300), "JPEG").read()
    cut = SimpleUploadedFile("still.jpg", whole[: len(whole) // 2])
    with pytest.raises(ValidationError, match="damaged or incomplete") as refused:
        validate_image_file(cut)
    assert refused.value.code == "image_damaged"


def test_a_thin_image_saved_outside_the_admin_gets_renditions_one_pixel_high(make_film):
    film = make_film(poster=image_upload("strip.png", (2000, 2)))
    film.refresh_from_db()
    assert [(r["width"], r["height"]) for r in film.poster_renditions] == [
        (480, 1),
        (960, 1),
        (1600, 2),
    ]


def test_the_page_shows_the_original_until_the_task_has_made_the_renditions(settings, make_review):
    settings.TASKS = DUMMY_TASKS
    queue = TaskQueue()
    review = make_review(hero_image=image_upload(size=(1200, 800)), hero_alt="A field")

    before = Client().get(review.get_absolute_url()).text
    assert queue.run() == 1
    after = Client().get(review.get_absolute_url()).text

    original = f"{review.hero_image.url} 1200w"
    assert original in before and "480w" not in before
    assert original in after and "480w" in after and "960w" in after


def test_renditions_made_again_by_a_task_run_twice_are_not_made_twice(settings, make_review):
    settings.TASKS = DUMMY_TASKS
    queue = TaskQueue()
    review = make_review(hero_image=image_upload(size=(1200, 800)), hero_alt="A field")
    (task,) = queue.waiting()
    queue.run()
    review.refresh_from_db()
    names = [r["name"] for r in review.hero_renditions]
    modified = [default_storage.get_modified_time(name) for name in names]
    Review.objects.filter(pk=review.pk).update(hero_renditions=[])  # the worker died first

    task.task.call(*task.args)

    review.refresh_from_db()
    assert [r["name"] for r in review.hero_renditions] == names
    assert [default_storage.get_modified_time(name) for name in names] == modified


def test_a_save_that_changes_no_image_queues_no_renditions(settings, make_review):
    review = make_review(hero_image=image_upload(size=(1200, 800)), hero_alt="A field")
    review.refresh_from_db()
    settings.TASKS = DUMMY_TASKS

    review.headline = "Edited"
    review.save()

    assert TaskQueue().waiting() == []


def test_a_critics_photo_gets_its_renditions_and_their_page_is_made_stale(db):
    from core import pagecache
    from reviews import keys
    from reviews.models import Critic

    critic = Critic.objects.create(name="Ann Vell", slug="ann-vell")
    before = pagecache.current_versions([keys.critic(critic.pk)])
    critic.photo = image_upload(size=(1200, 800))
    critic.save()

    critic.refresh_from_db()  # made by a task, which tests run at once
    assert [r["width"] for r in critic.photo_renditions] == [480, 960]
    assert pagecache.current_versions([keys.critic(critic.pk)]) != before
