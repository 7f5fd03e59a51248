import itertools

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from reviews.models import Film, Review

_sequence = itertools.count(1)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("createcachetable", verbosity=0)


@pytest.fixture(autouse=True)
def media_root_per_test(settings, tmp_path):
    """Each test's uploads in a folder of its own, gone after the run.
    (How else the tests differ from the site: config/test_settings.py.)"""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def make_film(db):
    def make(**fields):
        n = next(_sequence)
        fields.setdefault("title", f"Film {n}")
        fields.setdefault("year", 2010)
        fields.setdefault("slug", f"film-{n}")
        return Film.objects.create(**fields)

    return make


@pytest.fixture
def make_review(db, make_film):
    def make(**fields):
        n = next(_sequence)
        if "film" not in fields:
            fields["film"] = make_film()
        fields.setdefault("headline", f"Review {n}")
        fields.setdefault("slug", f"review-{n}")
        fields.setdefault("body", f"The text of review {n}.")
        fields.setdefault("status", Review.Status.PUBLISHED)
        return Review.objects.create(**fields)

    return make


def _user_in_group(django_user_model, username, group_name):
    user = django_user_model.objects.create_user(username, password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def editor(db, django_user_model):
    return _user_in_group(django_user_model, "editor", "Editors")


@pytest.fixture
def moderator(db, django_user_model):
    return _user_in_group(django_user_model, "moderator", "Moderators")
