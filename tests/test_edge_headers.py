"""Pages every anonymous reader shares, as an edge cache (Varnish, a CDN) is told to keep
them: the same bytes for everyone, the reader's own values as ESI includes, the keys to
purge them by; and every page made for one reader private."""

import re
import time
from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from comments.forms import TIMESTAMP_SALT
from comments.models import Comment
from core import pagecache
from reviews.models import Review

EDGE = {"Surrogate-Capability": 'varnish="ESI/1.0"'}
ISSUED_INCLUDE = '<esi:include src="/_personal/comments.issued/"/>'


pytestmark = pytest.mark.usefixtures("page_cache")


@pytest.fixture
def review(make_film, make_review, committed):
    with committed():
        return make_review(headline="First light", film=make_film(title="Moon"))


def hidden_value(page, name):
    return re.search(rf'name="{name}" value="([^"]+)"', page.content.decode()).group(1)


def keys(response):
    return response["xkey"].split()


def edge_fragment(client, page):
    """What the edge puts in place of the page's ``<esi:include>``: the fragment it names."""
    return client.get(re.search(r'<esi:include src="([^"]+)"/>', page.content.decode()).group(1))


def stamp_in(fragment):
    return hidden_value(fragment, "issued")


def post_from(client, review, issued):
    return client.post(
        f"/reviews/{review.pk}/comments/",
        {
            "issued": issued,
            "author_name": "Cy",
            "author_email": f"cy{time.monotonic_ns()}@example.com",
            "body": f"Sent at once {time.monotonic_ns()}.",
        },
        headers={"Origin": "http://testserver"},
    )


def test_two_anonymous_readers_get_the_same_bytes_of_a_review_page_at_the_edge(review):
    first = Client().get(review.get_absolute_url(), headers=EDGE)  # rendered
    second = Client().get(review.get_absolute_url(), headers=EDGE)  # from the cache
    assert second["X-Page-Cache"] == "hit"
    assert first.content == second.content
    # The whole hidden field comes from the edge: an include cannot stand in an attribute.
    form = re.search(r"<form method=\"post\".*?</form>", first.content.decode(), re.DOTALL).group()
    assert ISSUED_INCLUDE in form and 'name="issued"' not in form
    for answer in (first, second):
        assert answer["Surrogate-Control"] == 'content="ESI/1.0"'
        # Its only include is everyone's for a second: so is the page with it put in.
        assert answer["Assembled-Max-Age"] == "1"


def test_a_page_with_a_value_made_for_each_reader_may_not_be_kept_assembled(monkeypatch):
    monkeypatch.setattr(pagecache, "_per_reader_makers", {**pagecache._per_reader_makers})
    pagecache.register_per_reader("tests.greeting", lambda request: "Hello")
    parts = [b"<p>", "comments.issued", b"</p><p>", "tests.greeting", b"</p>"]

    assert dict(pagecache.esi_headers(parts))["Assembled-Max-Age"] == "0"
    assert dict(pagecache.esi_headers(parts[:3]))["Assembled-Max-Age"] == "1"


def test_two_anonymous_readers_get_the_same_bytes_of_a_page_without_a_form(review):
    for headers in (EDGE, {}):
        first, second = Client().get("/", headers=headers), Client().get("/", headers=headers)
        assert first.content == second.content
        assert "Surrogate-Control" not in first
        assert first["Cache-Control"].startswith("public")


def test_each_reader_at_the_edge_gets_a_working_form_and_a_post_at_once_is_held_as_too_fast(
    review,
):
    Client().get(review.get_absolute_url(), headers=EDGE)
    for _ in range(2):
        reader = Client(enforce_csrf_checks=True)
        page = reader.get(review.get_absolute_url(), headers=EDGE)
        assert page["X-Page-Cache"] == "hit"
        issued = stamp_in(edge_fragment(reader, page))

        assert post_from(reader, review, issued).status_code == 302

    held = Comment.objects.values_list("held_reason", flat=True)
    assert list(held) == [Comment.Reason.TOO_FAST] * 2


def test_each_reader_without_an_edge_gets_their_own_stamp_in_the_page_and_can_post(review):
    Client().get(review.get_absolute_url())
    stamps = []
    for _ in range(2):
        reader = Client(enforce_csrf_checks=True)
        page = reader.get(review.get_absolute_url())
        stamps.append(hidden_value(page, "issued"))
        assert post_from(reader, review, stamps[-1]).status_code == 302
    assert stamps[0] != stamps[1]
    assert Comment.objects.filter(held_reason=Comment.Reason.TOO_FAST).count() == 2


def test_the_personal_fragment_is_a_fresh_signed_stamp_an_edge_keeps_a_second_at_most(client):
    fragment = client.get("/_personal/comments.issued/")
    assert fragment.content.decode().startswith('<input type="hidden" name="issued"')
    issued = signing.loads(stamp_in(fragment), salt=TIMESTAMP_SALT, max_age=60)
    assert time.time() - issued < 60
    # Browsers never keep it; an edge shares it for a second, a stamp of that second.
    assert fragment["Cache-Control"] == "public, max-age=0, s-maxage=1"
    assert fragment["Content-Type"].startswith("text/html")
    assert not fragment.cookies


@pytest.mark.parametrize("name", ["csrf", "nothing", "comments.issued.x"])
def test_only_registered_personal_values_are_answered(client, name):
    assert client.get(f"/_personal/{name}/").status_code == 404


def test_one_stored_page_serves_readers_with_and_without_an_edge(review):
    at_edge = Client().get(review.get_absolute_url(), headers=EDGE)
    direct = Client().get(review.get_absolute_url())
    again_at_edge = Client().get(review.get_absolute_url(), headers=EDGE)
    assert direct["X-Page-Cache"] == again_at_edge["X-Page-Cache"] == "hit"
    signing.loads(hidden_value(direct, "issued"), salt=TIMESTAMP_SALT)
    assert "esi:include" not in direct.content.decode()
    assert again_at_edge.content == at_edge.content


@pytest.mark.parametrize("served", ["rendered", "from the cache"])
def test_a_shared_page_tells_shared_caches_how_long_to_keep_it_and_its_keys(review, served):
    if served == "from the cache":
        Client().get(review.get_absolute_url(), headers=EDGE)
    page = Client().get(review.get_absolute_url(), headers=EDGE)
    assert re.fullmatch(
        r"public, max-age=0, must-revalidate, s-maxage=(600|599)", page["Cache-Control"]
    )
    assert {f"review:{review.pk}", f"film:{review.film_id}", "all"} <= set(keys(page))
    assert "site" not in keys(page)
    assert page["Surrogate-Key"] == page["xkey"]
    assert page["Cache-Tag"].split(",") == keys(page)
    assert "cookie" not in page.get("Vary", "").lower()
    assert not page.cookies
    assert page["ETag"]


def test_a_listing_with_a_scheduled_review_is_kept_at_the_edge_until_it_is_published(
    review, make_review, committed
):
    with committed():
        make_review(
            headline="Right on time",
            status=Review.Status.SCHEDULED,
            publish_at=timezone.now() + timedelta(seconds=120),
        )
    page = Client().get("/", headers=EDGE)
    seconds = int(page["Cache-Control"].rpartition("s-maxage=")[2])
    assert 100 < seconds <= 120
    assert "listing" in keys(page)


def test_a_review_page_filled_with_one_readers_stamp_is_private(review):
    Client().get(review.get_absolute_url())
    page = Client().get(review.get_absolute_url())
    assert page["Cache-Control"] == "private, no-cache"
    assert "xkey" not in page and "Surrogate-Control" not in page


def test_a_signed_in_editor_gets_a_private_page_never_the_shared_bytes(review, editor):
    shared = Client().get(review.get_absolute_url(), headers=EDGE)
    staff = Client()
    staff.force_login(editor)
    own = staff.get(review.get_absolute_url(), headers=EDGE)
    assert own["Cache-Control"] == "private, no-cache"
    assert "xkey" not in own and "Surrogate-Control" not in own
    assert "Cookie" in own["Vary"]
    assert "esi:include" not in own.content.decode()
    assert own.content != shared.content


def test_a_browser_with_a_pending_comment_gets_private_pages_with_its_comment(review):
    shared = Client().get(review.get_absolute_url(), headers=EDGE)
    commenter = Client()
    issued = signing.dumps(time.time() - 30, salt=TIMESTAMP_SALT)
    post_from(commenter, review, issued)
    for url in (review.get_absolute_url(), "/"):
        own = commenter.get(url, headers=EDGE)
        assert own["Cache-Control"] == "private, no-cache"
        assert "xkey" not in own
    own = commenter.get(review.get_absolute_url(), headers=EDGE)
    assert "Sent at once" in own.content.decode()
    assert "Sent at once" not in Client().get(review.get_absolute_url()).content.decode()
    assert own.content != shared.content


def test_a_comment_post_and_its_redirect_are_private(review):
    issued = signing.dumps(time.time() - 30, salt=TIMESTAMP_SALT)
    sent = post_from(Client(), review, issued)
    assert sent["Cache-Control"] == "private, no-cache"
    assert "xkey" not in sent


def test_pages_outside_the_page_cache_are_private_and_the_admin_keeps_its_own(client):
    assert client.get("/ping")["Cache-Control"] == "private, no-cache"
    assert client.get("/no-such-page/")["Cache-Control"] == "private, no-cache"
    assert "no-store" in client.get("/admin/login/")["Cache-Control"]


def test_no_page_for_anonymous_readers_sets_a_csrf_cookie(review):
    reader = Client()
    for url in ("/", review.get_absolute_url(), "/films/", "/search/?q=moon", "/tags/"):
        for headers in (EDGE, {}):
            page = reader.get(url, headers=headers)
            assert "csrftoken" not in page.cookies, url
            assert "csrfmiddlewaretoken" not in page.content.decode(), url


def test_the_sign_in_page_keeps_its_csrf_token(client):
    page = client.get("/admin/login/")
    assert "csrfmiddlewaretoken" in page.content.decode()
    assert "csrftoken" in page.cookies


@pytest.mark.parametrize(("url", "seconds"), [("/sitemap.xml", 300), ("/robots.txt", 600)])
def test_the_sitemap_and_robots_txt_are_shared(client, review, url, seconds):
    answer = client.get(url)
    assert answer["Cache-Control"] == f"public, max-age=0, must-revalidate, s-maxage={seconds}"
    assert keys(answer) == ["all"]
    assert "cookie" not in answer.get("Vary", "").lower()


def test_a_search_is_shared_for_a_minute_at_most(client, settings):
    settings.SEARCH_CACHE_SECONDS = 60
    found = client.get("/search/?q=moon")
    public, max_age, revalidate, shared = found["Cache-Control"].split(", ")
    assert (public, max_age, revalidate) == ("public", "max-age=0", "must-revalidate")
    assert 0 < int(shared.removeprefix("s-maxage=")) <= 60
    assert "catalogue" in found["xkey"].split()
