"""The admin page where an editor uploads a WordPress export and reads the report, and the
reviews' list of imports waiting for their film to be confirmed."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from comments.models import Comment
from reviews.models import Review
from tests.page_tree import parse_html
from tests.wxr import C, P, wxr

pytestmark = pytest.mark.django_db

URL = reverse("admin:reviews_review_import_wordpress")
EXPORT = wxr(
    P(
        1,
        "Review: Never Let Me Go (2010)",
        slug="nlmg",
        content="<p>Rating: 3/4</p>",
        comments=[C(1, "Lovely"), C(2, "Thanks", parent=1)],
    ),
    P(2, "Some thoughts"),
    P(3, "About", type="page"),
)


def upload(data=EXPORT, name="blog.xml"):
    return SimpleUploadedFile(name, data, content_type="text/xml")


def report_lines(response):
    tree = parse_html(response.content.decode())
    return [
        li.text for li in tree.find_all("li") if li.parent.attrs.get("class") == "wordpress-report"
    ]


def test_the_reviews_list_links_to_the_import_for_editors(editor_client):
    response = editor_client.get(reverse("admin:reviews_review_changelist"))
    assertContains(response, f'<a href="{URL}">Import from WordPress</a>', html=True)


def test_a_dry_run_shows_the_report_and_imports_nothing(editor_client):
    response = editor_client.post(URL, {"file": upload(), "dry_run": "on"})
    lines = report_lines(response)
    assert lines[0] == "Dry run: nothing was written. WXR 1.2 from http://blog.example.com."
    assert "reviews created (published): 1" in lines
    assert "skipped: page: 1" in lines
    assert not Review.objects.exists() and not Comment.objects.exists()
    # What was chosen is kept.
    assert (
        parse_html(response.content.decode()).find("input", name="dry_run").attrs.get("checked")
        is not None
    )


def test_an_import_makes_the_reviews_and_comments_and_reports_them(editor_client):
    response = editor_client.post(URL, {"file": upload()})
    lines = report_lines(response)
    assert lines[0] == "Imported. WXR 1.2 from http://blog.example.com."
    assert "comments created (approved): 2" in lines
    assert "“Some thoughts” (WordPress post 2): no year in the title" in lines
    assert sorted(Review.objects.values_list("headline", "status")) == [
        ("Review: Never Let Me Go (2010)", "published"),
        ("Some thoughts", "draft"),
    ]


def test_a_bad_file_is_refused_on_the_form_and_nothing_is_written(editor_client):
    bomb = b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY a "aaaa">]>\n<rss>&a;</rss>'
    response = editor_client.post(URL, {"file": upload(bomb), "publish_unmatched": "on"})
    tree = parse_html(response.content.decode())
    errors = tree.find("ul", class_="errorlist").text
    assert errors.startswith("Line 3: the file declares an entity (a)")
    assert errors.endswith("Nothing was imported.")
    assert tree.find("input", name="publish_unmatched").attrs.get("checked") is not None
    assert tree.find("input", name="dry_run").attrs.get("checked") is None
    assert report_lines(response) == []
    assert not Review.objects.exists()


def test_a_file_over_the_limit_is_refused(editor_client, settings):
    settings.WORDPRESS_MAX_UPLOAD_BYTES = 100
    response = editor_client.post(URL, {"file": upload()})
    assertContains(response, "an export may be at most 100")
    assert not Review.objects.exists()


def test_staff_who_may_not_add_reviews_are_refused(moderator_client):
    assert moderator_client.get(URL).status_code == 403
    assert moderator_client.post(URL, {"file": upload()}).status_code == 403
    assert not Review.objects.exists()


def test_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_post_without_the_csrf_token_is_refused(editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert client.post(URL, {"file": upload()}).status_code == 403
    assert not Review.objects.exists()


def test_imports_to_confirm_are_listed_and_show_what_was_proposed(editor_client, make_review):
    make_review(headline="Written here")
    editor_client.post(URL, {"file": upload()})
    listing = editor_client.get(
        reverse("admin:reviews_review_changelist"), {"imported": "to_confirm"}
    )
    assertContains(listing, "Review: Never Let Me Go (2010)")
    assertContains(listing, "Some thoughts")
    assertNotContains(listing, "Written here")
    review = Review.objects.get(slug="nlmg")
    page = editor_client.get(reverse("admin:reviews_review_change", args=[review.pk]))
    assertContains(
        page,
        "Film: Never Let Me Go (2010), title and year from the post; new stub film. "
        "Rating: 3/4 (written “Rating: 3/4”).",
    )
