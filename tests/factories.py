"""Builders for the tests' data: films, reviews, staff accounts, images and what the admin's
forms post. Plain functions; the fixtures in conftest.py (make_film, make_review, editor,
moderator) call them, and a test calls them directly for data a fixture does not give."""

import io
import itertools

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from reviews.models import Film, Review

_sequence = itertools.count(1)


# Films, reviews and staff


def create_film(**fields):
    """A film with a unique title and slug unless given."""
    n = next(_sequence)
    fields.setdefault("title", f"Film {n}")
    fields.setdefault("year", 2010)
    fields.setdefault("slug", f"film-{n}")
    return Film.objects.create(**fields)


def create_review(**fields):
    """A published review, of a film of its own unless given one."""
    n = next(_sequence)
    if "film" not in fields:
        fields["film"] = create_film()
    fields.setdefault("headline", f"Review {n}")
    fields.setdefault("slug", f"review-{n}")
    fields.setdefault("body", f"The text of review {n}.")
    fields.setdefault("status", Review.Status.PUBLISHED)
    return Review.objects.create(**fields)


def create_staff_user(username, group_name):
    """A staff account in one of the groups the data migration made (Editors, Moderators)."""
    user = get_user_model().objects.create_user(username, password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


# Images


def image_bytes(image_format="PNG", size=(64, 48), **options):
    """The contents of an image file: a plain picture, with Pillow's ``options`` (exif=...)."""
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, image_format, **options)
    return buffer.getvalue()


def upload(data, name="still.png"):
    """``data`` as a file a browser uploads, whatever the name says it is."""
    return SimpleUploadedFile(name, data, content_type="image/png")


def image_upload(name="still.png", size=(64, 48), image_format="PNG"):
    """A real image, uploaded."""
    return upload(image_bytes(image_format, size), name)


# What the admin's forms post


def management_form(prefix, total=0):
    """The management form of an inline formset, with ``total`` rows to follow."""
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def review_form(film, **fields):
    """What the admin's review form posts, the inlines' management forms included."""
    data = {
        "film": str(film.pk),
        "headline": "A quiet triumph of the everyday",
        "slug": "a-quiet-triumph",
        "critic": "",
        "byline": "",
        "publication_name": "",
        "publication_url": "",
        "original_url": "",
        "review_date": "",
        "status": Review.Status.DRAFT,
        "publish_at_0": "",
        "publish_at_1": "",
        "dek": "",
        "tagline": "",
        "body": "The film watches its people closely and lets them be.",
        "hero_alt": "",
        "hero_caption": "",
        "rating": "",
        "tags": "",
        **management_form("pull_quotes"),
        **management_form("further_reading"),
    }
    data.update(fields)
    return data


def film_form(**fields):
    """What the admin's film form posts, the inlines' management forms included."""
    data = {
        "title": "Late Spring",
        "year": "1949",
        "slug": "late-spring-1949",
        "synopsis": "",
        "based_on": "",
        "runtime_minutes": "",
        "tags": "",
        **management_form("credits"),
        **management_form("related_links"),
    }
    data.update(fields)
    return data
