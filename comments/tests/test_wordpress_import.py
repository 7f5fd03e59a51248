"""A WordPress blog's comments come with its posts: threads, statuses, the commenter's
address only as a keyed hash; importing again adds only what is new; a bad file writes
nothing."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comments.models import Comment
from comments.services import address_hash
from comments.wordpress import ImportOptions, comment_text, import_wordpress
from reviews.models import Film, ImportedItem, Review
from tests.factories import image_bytes
from tests.page_tree import parse_html
from tests.wxr import C, P, wxr

pytestmark = pytest.mark.django_db

THREAD = [
    C(
        10,
        "<p>Devastating.</p><p>The Island, no?</p>",
        author="Dan",
        email="Dan@Example.com",
        url="https://dan.example.com",
        ip="203.0.113.9",
    ),
    C(
        11,
        "Ha, the premise is the same.",
        parent=10,
        author="Melissa",
        email="melissa@example.com",
        user_id=1,
    ),
    C(12, "Three deep.", parent=11, author="Dan", email="dan@example.com"),
    C(13, "Waiting for a moderator", approved="0"),
    C(14, "Buy pills", approved="spam"),
    C(15, "Binned", approved="trash"),
    C(16, "Linked here", type="pingback"),
    C(17, "Tracked", type="trackback"),
]


def post(comments=THREAD, **fields):
    fields.setdefault("slug", "never-let-me-go")
    return P(1, "Review: Never Let Me Go (2010)", comments=list(comments), **fields)


def run(data, **options):
    return import_wordpress(io.BytesIO(data), ImportOptions(**options))


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_comments_keep_their_thread_three_deep_and_their_status(
    version, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = run(wxr(post(), version=version))
    review = Review.objects.get()
    rows = [
        (c.body, c.depth, c.parent.body if c.parent else None, c.status)
        for c in review.comments.order_by("pk")
    ]
    assert rows == [
        ("Devastating.\n\nThe Island, no?", 0, None, "approved"),
        ("Ha, the premise is the same.", 1, "Devastating.\n\nThe Island, no?", "approved"),
        ("Three deep.", 2, "Ha, the premise is the same.", "approved"),
        ("Waiting for a moderator", 0, None, "pending"),
        ("Buy pills", 0, None, "spam"),
    ]
    assert report.counts["skipped: comments in the trash"] == 1
    assert report.counts["skipped: pingbacks"] == 1
    assert report.counts["skipped: trackbacks"] == 1
    assert review.discussion.approved_count == 3


def test_a_commenter_keeps_name_email_website_and_date_and_the_address_only_hashed():
    run(wxr(post()))
    first = Comment.objects.get(body__startswith="Devastating")
    assert (first.author_name, first.author_email, first.author_url) == (
        "Dan",
        "dan@example.com",
        "https://dan.example.com",
    )
    assert first.submitted_at.isoformat() == "2011-02-03T10:00:00+00:00"
    assert first.ip_hash == address_hash("203.0.113.9")
    assert "203.0.113.9" not in str(Comment.objects.values().get(pk=first.pk))


def test_the_authors_replies_are_marked_as_hers():
    run(wxr(post()))
    assert list(Comment.objects.filter(is_review_author=True).values_list("body", flat=True)) == [
        "Ha, the premise is the same."
    ]


def test_comments_on_skipped_posts_are_counted_not_attached_elsewhere():
    page = P(2, "About", type="page", comments=[C(20, "Nice page"), C(21, "Indeed")])
    report = run(wxr(post(comments=[]), page))
    assert not Comment.objects.exists()
    assert report.counts["comments on skipped posts"] == 2


def test_importing_twice_changes_nothing():
    data = wxr(post())
    run(data)
    before = list(Comment.objects.values_list("pk", "body", "parent", "status"))
    report = run(data)
    assert list(Comment.objects.values_list("pk", "body", "parent", "status")) == before
    assert Review.objects.count() == 1
    assert report.counts["comments already imported"] == 5
    assert not [what for what in report.counts if "created" in what]


def test_a_later_export_adds_only_the_new_posts_and_comments_threaded_on_the_old():
    run(wxr(post()))
    later = [*THREAD, C(30, "A reply months later", parent=12)]
    report = run(wxr(post(comments=later), P(2, "Review: Atonement (2007)", slug="atonement")))
    assert Review.objects.count() == 2
    reply = Comment.objects.get(body="A reply months later")
    assert (reply.parent.body, reply.depth) == ("Three deep.", 3)
    assert report.counts["comments created (approved)"] == 1
    assert report.counts["reviews created (published)"] == 1


def test_a_reply_costs_no_more_queries_than_a_top_level_comment():
    flat = [C(10, "One"), C(11, "Two"), C(12, "Three")]
    chain = [C(10, "One"), C(11, "Two", parent=10), C(12, "Three", parent=11)]
    counts = []
    for comments in (flat, chain):
        with CaptureQueriesContext(connection) as queries:
            run(wxr(post(comments=comments)), dry_run=True)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_dry_run_writes_nothing_and_reports_what_it_would_do():
    report = run(wxr(post()), dry_run=True)
    assert not Review.objects.exists() and not Comment.objects.exists()
    assert not Film.objects.exists() and not ImportedItem.objects.exists()
    assert report.counts["reviews created (published)"] == 1
    assert str(report).startswith("Dry run: nothing was written.")


def test_the_command_prints_the_report(tmp_path):
    path = tmp_path / "blog.xml"
    path.write_bytes(wxr(post(), P(2, "Home", type="nav_menu_item"), P(3, "Some thoughts")))
    out = io.StringIO()
    call_command("import_wordpress", str(path), stdout=out, stderr=io.StringIO())
    report = out.getvalue()
    assert "reviews created (published): 1" in report
    assert "reviews created (draft): 1" in report
    assert "skipped: nav_menu_item: 1" in report
    assert "comments created (approved): 3" in report
    assert "“Some thoughts” (WordPress post 3): no year in the title" in report


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda data: data.replace(b"</channel>", b"</chanel>"), "not well-formed XML"),
        (
            lambda data: data.replace(
                b'<?xml version="1.0" encoding="UTF-8" ?>',
                b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaa">]>',
            ),
            "XML bomb",
        ),
        (
            lambda data: data.replace(
                b'<?xml version="1.0" encoding="UTF-8" ?>',
                b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a SYSTEM "file:///etc/passwd">]>',
            ),
            "external entity",
        ),
        (lambda data: data.replace(b"wp:wxr_version", b"wp:version"), "not a WordPress export"),
    ],
)
def test_a_bad_file_is_refused_with_its_problem_and_line_and_nothing_is_written(
    tmp_path, damage, message
):
    path = tmp_path / "blog.xml"
    # The damage is after the posts, so they were read when the file is refused.
    path.write_bytes(damage(wxr(post(), P(2, "Review: Atonement (2007)"))))
    with pytest.raises(CommandError, match=message) as refused:
        call_command("import_wordpress", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert "Nothing was imported." in str(refused.value)
    assert not Review.objects.exists() and not Comment.objects.exists()
    assert not Film.objects.exists()


def test_a_failure_midway_leaves_nothing_behind(monkeypatch, tmp_path):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("comments.wordpress.import_comments", broken)
    with pytest.raises(RuntimeError):
        run(wxr(post()))
    assert not Review.objects.exists() and not Film.objects.exists()


def test_comment_html_becomes_plain_text_with_link_addresses():
    assert comment_text('<p>See <a href="https://x.example">this</a><br>now</p><p>Two</p>') == (
        "See this (https://x.example)\nnow\n\nTwo"
    )


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>"><svg onload=alert(2)>'


def test_hostile_posts_and_comments_cannot_run_script(client):
    run(
        wxr(
            P(
                1,
                f"Review: Never Let Me Go (2010) {HOSTILE}",
                slug="hostile",
                content=f'<p>Body {HOSTILE}</p><a href="javascript:alert(3)">x</a>',
                excerpt=HOSTILE,
                comments=[
                    C(1, f"Comment {HOSTILE}", author=f"Name {HOSTILE}", url="javascript:alert(4)")
                ],
            ),
        )
    )
    review = Review.objects.get()
    page = client.get(review.get_absolute_url())
    tree = parse_html(page.content.decode())
    nodes = list(tree.descendants())
    scripts = [
        n for n in nodes if n.tag == "script" and n.attrs.get("type") != "application/ld+json"
    ]
    assert [n.attrs for n in scripts if "src" not in n.attrs] == []
    assert [n.tag for n in nodes if any(name.startswith("on") for name, _ in n.attr_list)] == []
    assert [n.tag for n in nodes if n.tag in ("svg", "iframe", "object", "embed")] == []
    assert "javascript:" not in page.content.decode()
    assert Comment.objects.get().author_url == ""
    # Titles and names are text: shown as written, escaped. Markup in bodies is dropped.
    assert f"Review: Never Let Me Go (2010) {HOSTILE}" in tree.text
    assert f"Name {HOSTILE}" in tree.text
    assert Comment.objects.get().body == 'Comment ">'
    assert review.body == 'Body ">\n\nx\n'


def test_entities_in_names_and_tags_differing_only_in_case_are_read_as_written():
    run(
        wxr(
            post(
                comments=[C(1, "Hi", author="Ping 1 &laquo; What&#8217;s a tellyworth?")],
                tags=["comments", "Comments", "Tags"],
            )
        )
    )
    assert Comment.objects.get().author_name == "Ping 1 « What’s a tellyworth?"
    # Tags are case-insensitive here (TAGGIT_CASE_INSENSITIVE): one tag for both spellings.
    assert sorted(name.lower() for name in Review.objects.get().tags.names()) == [
        "comments",
        "tags",
    ]


def test_the_command_takes_the_media_folder_and_publishes_unmatched_posts(tmp_path, settings):
    media = tmp_path / "uploads"
    media.mkdir()
    (media / "kathy.png").write_bytes(image_bytes())
    src = "http://blog.example.com/wp-content/uploads/kathy.png"
    path = tmp_path / "blog.xml"
    path.write_bytes(wxr(P(1, "Some thoughts", content=f'<img src="{src}" alt="Kathy">')))
    out = io.StringIO()
    call_command(
        "import_wordpress",
        str(path),
        "--media-dir",
        str(media),
        "--publish-unmatched",
        stdout=out,
        stderr=io.StringIO(),
    )
    review = Review.objects.get()
    assert (review.status, review.body) == (
        "published",
        f"![Kathy]({settings.MEDIA_URL}wordpress/kathy.png)\n",
    )
    assert "images imported: 1" in out.getvalue()


def test_images_stored_by_an_import_that_fails_are_deleted(tmp_path, settings, monkeypatch):
    media = tmp_path / "uploads"
    media.mkdir()
    (media / "kathy.png").write_bytes(image_bytes())
    content = '<img src="http://blog.example.com/wp-content/uploads/kathy.png" alt="Kathy">'
    monkeypatch.setattr("comments.wordpress.import_comments", lambda *args: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        run(wxr(post(content=content)), media_dir=media)
    assert not (settings.MEDIA_ROOT / "wordpress" / "kathy.png").exists()
    assert not Review.objects.exists()
