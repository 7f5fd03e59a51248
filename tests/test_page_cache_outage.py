"""Pages cached for readers while the shared cache fails and after it answers again: no
reader is shown a page from before the last committed change once the cache is back."""

import pytest
from django.test import Client

from core import pagecache
from tests.unreliable_cache import UnreliableCache


@pytest.fixture(autouse=True)
def unreliable_cache(settings, db):
    settings.PAGE_CACHE_SECONDS = 600
    settings.CACHES = {
        "default": {"BACKEND": "tests.unreliable_cache.UnreliableCache", "LOCATION": "outage"}
    }
    UnreliableCache.down = False
    forget_unwritten()
    pagecache.local_pages.clear()
    yield
    UnreliableCache.down = False
    forget_unwritten()


@pytest.fixture
def review(make_review, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return make_review(headline="Before the outage")


@pytest.fixture
def edit(django_capture_on_commit_callbacks):
    def edit(review, headline):
        with django_capture_on_commit_callbacks(execute=True):
            review.headline = headline
            review.save()

    return edit


def forget_unwritten():
    """As in a server process that starts."""
    pagecache.unwritten.keys.clear()


def page(url):
    response = Client().get(url)
    return response.get("X-Page-Cache") == "hit", response.text


def test_an_edit_made_while_the_cache_fails_is_shown_once_it_answers(review, edit):
    url = review.get_absolute_url()
    page(url)
    assert page(url)[0], "served from the cache before the outage"

    UnreliableCache.down = True
    edit(review, "Edited during the outage")
    during = page(url)
    UnreliableCache.down = False
    after = page(url)

    assert "Edited during the outage" in during[1]
    assert "Edited during the outage" in after[1]
    assert "Before the outage" not in after[1]


def test_pages_stored_before_an_outage_are_not_trusted_after_it(review, edit):
    """The process that lost the invalidation is gone; this one only saw the cache fail."""
    url = review.get_absolute_url()
    page(url)
    UnreliableCache.down = True
    edit(review, "Edited during the outage")
    forget_unwritten()  # that process died
    pagecache.local_pages.clear()
    page("/")  # this process asks the cache and gets no answer
    UnreliableCache.down = False

    hit, text = page(url)

    assert not hit
    assert "Edited during the outage" in text


def test_a_page_rendered_while_the_cache_fails_is_not_kept_in_the_process(review, edit):
    url = review.get_absolute_url()
    UnreliableCache.down = True
    page(url)
    edit(review, "Edited during the outage")

    hit, text = page(url)

    assert not hit
    assert "Edited during the outage" in text


def test_a_page_is_served_from_the_cache_again_after_the_outage(review, edit):
    url = review.get_absolute_url()
    UnreliableCache.down = True
    edit(review, "Edited during the outage")
    UnreliableCache.down = False
    page(url)

    hit, text = page(url)

    assert hit
    assert "Edited during the outage" in text
