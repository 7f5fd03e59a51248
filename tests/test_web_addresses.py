"""Web addresses people give (a commenter's website, a review's publication and original,
further reading) are http or https only, and one that is anything else is never a link.

The forms and the models refuse any other scheme with one message. An address that
reached the database another way (an import, the shell) is shown as text on the page and
left out of the JSON-LD and the feeds.
"""

import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from comments.models import Comment
from core.weblinks import WEB_ADDRESS_MESSAGE, safe_link_url
from reviews.models import FurtherReading, Review
from tests.factories import review_form
from tests.page_tree import parse_html

SCRIPT_ADDRESSES = [
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " \tjavascript:alert(1)",
    "java\nscript:alert(1)",
    "\x01javascript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
]
OTHER_SCHEMES = ["ftp://example.com/review", "mailto:editor@example.com", "file:///etc/passwd"]


@pytest.fixture
def desk(editor):
    client = Client(raise_request_exception=False)
    client.force_login(editor)
    return client


def page(response):
    assert response.status_code == 200, response.content[:300]
    return parse_html(response.content.decode())


def hrefs(root):
    return [node.attrs["href"] for node in root.find_all("a") if "href" in node.attrs]


# The helper every template, the JSON-LD and the feeds use


@pytest.mark.parametrize("address", SCRIPT_ADDRESSES + OTHER_SCHEMES + ["/films/", "", None])
def test_only_an_http_or_https_address_is_given_back_as_a_link(address):
    assert safe_link_url(address) == ""


@pytest.mark.parametrize(
    "address", ["https://example.com/a?b=c", "HTTP://example.com/", " https://example.com/ "]
)
def test_http_and_https_addresses_are_given_back_as_links(address):
    assert safe_link_url(address) == address.strip()


# Refused where they are typed


@pytest.mark.parametrize("address", ["javascript:alert(1)", "vbscript:msgbox(1)", *OTHER_SCHEMES])
def test_the_admin_refuses_a_publication_or_original_address_that_is_not_http(
    desk, make_film, address
):
    form = review_form(make_film(), publication_url=address, original_url=address)

    response = desk.post(reverse("admin:reviews_review_add"), form)

    errors = response.context["adminform"].form.errors
    assert errors == {
        "publication_url": [WEB_ADDRESS_MESSAGE],
        "original_url": [WEB_ADDRESS_MESSAGE],
    }
    root = page(response)
    assert root.find(id="id_publication_url").attrs["value"] == address
    assert WEB_ADDRESS_MESSAGE in root.find(id="id_original_url_error").text
    assert not Review.objects.exists()


def test_the_admin_refuses_a_further_reading_address_that_is_not_http(desk, make_film):
    form = review_form(make_film())
    form |= {
        "further_reading-TOTAL_FORMS": "1",
        "further_reading-0-title": "An interview",
        "further_reading-0-url": "ftp://example.com/interview",
        "further_reading-0-position": "0",
    }

    response = desk.post(reverse("admin:reviews_review_add"), form)

    formsets = {f.formset.prefix: f.formset for f in response.context["inline_admin_formsets"]}
    assert formsets["further_reading"].forms[0].errors == {"url": [WEB_ADDRESS_MESSAGE]}
    assert WEB_ADDRESS_MESSAGE in page(response).find(class_="errorlist").text
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("model", "field"),
    [
        (Review, "publication_url"),
        (Review, "original_url"),
        (FurtherReading, "url"),
        (Comment, "author_url"),
    ],
)
def test_the_model_refuses_any_scheme_but_http_and_https(model, field):
    with pytest.raises(ValidationError) as refused:
        model._meta.get_field(field).run_validators("ftp://example.com/")
    assert refused.value.messages == [WEB_ADDRESS_MESSAGE]
    model._meta.get_field(field).run_validators("https://example.com/")


# Shown as text when it reached the database another way


@pytest.fixture
def smuggled(make_review, django_capture_on_commit_callbacks):
    """A review whose every address is a script, written as an import or the shell would."""
    review = make_review(publication_name="The Paper", headline="Smuggled")
    link = FurtherReading.objects.create(review=review, title="An interview", url="")
    comment = Comment.objects.create(
        review=review,
        author_name="Ruth",
        author_email="ruth@example.com",
        body="Fine.",
        status=Comment.Status.APPROVED,
    )
    Review.objects.filter(pk=review.pk).update(
        publication_url="javascript:alert(1)", original_url=" JavaScript:alert(2)"
    )
    FurtherReading.objects.filter(pk=link.pk).update(url="vbscript:msgbox(3)")
    Comment.objects.filter(pk=comment.pk).update(author_url="data:text/html,<script>x</script>")
    review.refresh_from_db()
    return review


def test_an_unsafe_address_in_the_database_is_shown_as_text_never_as_a_link(client, smuggled):
    root = page(client.get(smuggled.get_absolute_url()))

    assert [href for href in hrefs(root) if ":" in href and not href.startswith("http")] == []
    assert "The Paper" in root.find(class_="byline").text
    assert root.find(class_="source").text == "First published at JavaScript:alert(2)."
    further = root.find(class_="further-reading")
    assert further.find("a") is None and "An interview" in further.text
    author = root.find(class_="comment__author")
    assert author.find("a") is None and author.text == "Ruth"


def test_an_unsafe_address_in_the_database_is_left_out_of_the_json_ld(client, smuggled):
    root = page(client.get(smuggled.get_absolute_url()))

    [data] = [json.loads(script.raw_text) for script in root.find_all("script")]
    assert data["publisher"] == {"@type": "Organization", "name": "The Paper"}
    assert "alert" not in json.dumps(data)


def test_an_unsafe_address_in_the_database_is_left_out_of_the_feeds(client, smuggled):
    for name in ("reviews:feed_rss", "reviews:feed_atom"):
        feed = client.get(reverse(name)).content.decode()
        assert "Smuggled" in feed
        assert "alert" not in feed and "msgbox" not in feed


def test_safe_addresses_are_still_links(client, make_review):
    review = make_review(
        publication_name="The Paper",
        publication_url="https://paper.example/",
        original_url="https://paper.example/review",
    )
    FurtherReading.objects.create(review=review, title="Interview", url="http://example.com/i")

    links = hrefs(page(client.get(review.get_absolute_url())))

    assert {"https://paper.example/", "https://paper.example/review"} <= set(links)
    assert "http://example.com/i" in links
