"""The admin page where an editor uploads a WordPress export and reads the report, and the
reviews' list of imports waiting for their film to be confirmed."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from comments.models import Comment, WordPressImport
from comments.tasks import import_wordpress_upload
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


@pytest.fixture
def send(editor_client, committed):
    """Post the form as the editor, the import run as a worker would once the upload
    commits, and follow to the page that shows it."""

    def send(fields):
        with committed():
            response = editor_client.post(URL, fields)
        if response.status_code != 302:
            return response
        return editor_client.get(response["Location"])

    return send


def report_lines(response):
    tree = parse_html(response.content.decode())
    return [
        li.text for li in tree.find_all("li") if li.parent.attrs.get("class") == "wordpress-report"
    ]


def test_the_reviews_list_links_to_the_import_for_editors(editor_client):
    response = editor_client.get(reverse("admin:reviews_review_changelist"))
    assertContains(response, f'<a href="{URL}">Import from WordPress</a>', html=True)


def test_a_dry_run_shows_the_report_and_imports_nothing(send):
    response = send({"file": upload(), "dry_run": "on"})
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


def test_an_import_makes_the_reviews_and_comments_and_reports_them(send):
    response = send({"file": upload()})
    lines = report_lines(response)
    assert lines[0] == "Imported. WXR 1.2 from http://blog.example.com."
    assert "comments created (approved): 2" in lines
    assert "“Some thoughts” (WordPress post 2): no year in the title" in lines
    assert sorted(Review.objects.values_list("headline", "status")) == [
        ("Review: Never Let Me Go (2010)", "published"),
        ("Some thoughts", "draft"),
    ]


def test_a_bad_file_is_refused_on_the_form_and_nothing_is_written(send):
    bomb = b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY a "aaaa">]>\n<rss>&a;</rss>'
    response = send({"file": upload(bomb), "publish_unmatched": "on"})
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


def test_imports_to_confirm_are_listed_and_show_what_was_proposed(editor_client, send, make_review):
    make_review(headline="Written here")
    send({"file": upload()})
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


# The import runs in a worker


def test_the_request_only_keeps_the_upload_and_the_page_waits_for_the_worker(
    editor_client, task_queue, committed
):
    with committed():
        response = editor_client.post(URL, {"file": upload(), "publish_unmatched": "on"})
    upload_row = WordPressImport.objects.get()
    assert response["Location"] == f"{URL}?import={upload_row.pk}"
    assert not Review.objects.exists()
    assert len(task_queue.waiting(import_wordpress_upload)) == 1

    waiting = editor_client.get(response["Location"])
    tree = parse_html(waiting.content.decode())
    assert tree.find("meta", **{"http-equiv": "refresh"}) is not None
    assert tree.find("p", class_="wordpress-waiting") is not None
    assert tree.find("input", name="publish_unmatched").attrs.get("checked") is not None

    task_queue.run()
    done = editor_client.get(response["Location"])
    assert report_lines(done)[0] == "Imported. WXR 1.2 from http://blog.example.com."
    assert parse_html(done.content.decode()).find("meta", **{"http-equiv": "refresh"}) is None
    assert Review.objects.count() == 2
    upload_row.refresh_from_db()
    assert (upload_row.status, upload_row.content) == (WordPressImport.Status.DONE, b"")


def test_an_import_run_twice_imports_once_and_one_a_worker_died_in_starts_over(
    editor_client, task_queue, committed
):
    with committed():
        editor_client.post(URL, {"file": upload()})
    upload_row = WordPressImport.objects.get()
    # The worker that took it died in it: its transaction never landed.
    WordPressImport.objects.filter(pk=upload_row.pk).update(status=WordPressImport.Status.RUNNING)

    assert import_wordpress_upload.call(upload_row.pk).startswith("Imported.")
    assert import_wordpress_upload.call(upload_row.pk) == "Already imported."
    assert Review.objects.count() == 2
    assert Comment.objects.count() == 2


def test_an_upload_that_fails_in_the_worker_says_so_and_imports_nothing(send, monkeypatch):
    def fails(source, options):
        raise RuntimeError("a bug")

    monkeypatch.setattr("comments.tasks.import_wordpress", fails)
    response = send({"file": upload()})
    problem = parse_html(response.content.decode()).find("p", class_="errornote").text
    assert problem.startswith("The import stopped on an error of ours, which is logged;")
    upload_row = WordPressImport.objects.get()
    assert upload_row.status == WordPressImport.Status.FAILED
    assert upload_row.problem.startswith("The import stopped on an error of ours")
    assert not Review.objects.exists()


def test_an_unknown_or_malformed_import_is_not_found(editor_client):
    assert editor_client.get(URL, {"import": "12345"}).status_code == 404
    assert editor_client.get(URL, {"import": "1 or 1=1"}).status_code == 404


def test_recent_uploads_are_listed_with_their_status(send, editor_client):
    send({"file": upload(name="first.xml"), "dry_run": "on"})
    page = parse_html(editor_client.get(URL).content.decode())
    rows = page.find("section", **{"aria-labelledby": "recent-title"}).find_all("tr")
    assert [row.find_all("td")[0].text for row in rows[1:]] == ["first.xml (dry run)"]
    assert rows[1].find_all("td")[3].text == "Done"
