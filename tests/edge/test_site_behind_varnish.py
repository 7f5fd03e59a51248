"""The real site behind Varnish with the site's VCL: what readers and editors see once both
sides of the edge contract are in place (the application's xkey headers and /_personal/
fragments come from core/pagecache.py)."""

import gzip
import re
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from comments.models import Comment
from reviews.models import Review
from tests.factories import create_film, create_review

pytestmark = pytest.mark.edge


def an_editor():
    """A staff account that may preview reviews. The live server's tests empty the
    database between them, groups made by data migrations included, so the permission
    (which Django makes again after each emptying) is given directly."""
    editor = get_user_model().objects.create_user("edge-editor", password="pw", is_staff=True)
    editor.user_permissions.add(
        Permission.objects.get(content_type__app_label="reviews", codename="view_review")
    )
    return editor


@pytest.fixture
def site(settings, varnish, purging, empty_cache):
    """Varnish in front of the site with its page cache on, emptied of earlier tests' pages."""
    settings.PAGE_CACHE_SECONDS = 600
    varnish.request("/", "PURGE", {"xkey-purge": "all"})
    return varnish


def test_publishing_a_review_purges_exactly_the_pages_showing_it(site, purging):
    first = create_review(headline="First light", film=create_film(title="Moon"))
    other = create_review(headline="Second sight", film=create_film(title="Her"))
    draft = create_review(
        headline="Fresh from the festival", film=first.film, status=Review.Status.DRAFT
    )
    pages = ["/", first.film.get_absolute_url(), other.get_absolute_url()]
    for page in pages:
        site.request(page)
    assert [site.request(page).cache for page in pages] == ["HIT", "HIT", "HIT"]

    draft.status = Review.Status.PUBLISHED
    draft.save()
    assert purging()

    home, film, unrelated = (site.request(page) for page in pages)
    assert (home.cache, film.cache, unrelated.cache) == ("MISS", "MISS", "HIT")
    assert "Fresh from the festival" in home.body
    assert "Fresh from the festival" in film.body
    assert "xkey" not in home.headers


def test_a_signed_in_editor_is_never_served_a_shared_page(site, live_server):
    review = create_review(headline="First light")
    draft = create_review(headline="Not yet", status=Review.Status.DRAFT)
    site.request(review.get_absolute_url())
    assert site.request(review.get_absolute_url()).cache == "HIT"
    editor = Client()
    editor.force_login(an_editor())
    signed_in = {"Cookie": f"sessionid={editor.cookies['sessionid'].value}"}

    page = site.request(review.get_absolute_url(), headers=signed_in)
    preview = site.request(draft.get_absolute_url(), headers=signed_in)

    assert page.cache == "MISS"
    assert "private" in page.headers["Cache-Control"]
    assert "Preview: this review is draft" in preview.body
    # What the editor was given was not stored for readers.
    assert site.request(draft.get_absolute_url()).status == 404
    assert site.request(review.get_absolute_url()).cache == "HIT"


def test_two_readers_share_a_compressed_review_page_and_a_post_sent_at_once_is_held(site):
    review = create_review(headline="First light")
    browser = {"Accept-Encoding": "gzip, deflate, br"}
    first = site.request(review.get_absolute_url(), headers=browser)
    second = site.request(review.get_absolute_url(), headers=browser)

    assert (first.cache, second.cache) == ("MISS", "HIT")
    assert first.headers["Content-Encoding"] == second.headers["Content-Encoding"] == "gzip"
    page = gzip.decompress(second.content).decode()
    assert page == gzip.decompress(first.content).decode()
    assert "<esi:include" not in page
    issued = re.search(r'name="issued" value="([^"]+)"', page).group(1)
    form = {"issued": issued, "author_name": "Cy", "author_email": "cy@example.com"}
    form["body"] = "Sent the moment the page came."
    posted = site.request(
        f"/reviews/{review.pk}/comments/",
        "POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": site.url},
        body=urlencode(form),
    )

    assert posted.status == 302
    assert list(Comment.objects.values_list("held_reason", flat=True)) == [Comment.Reason.TOO_FAST]
