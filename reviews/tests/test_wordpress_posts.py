"""WordPress posts as reviews (the reviews side of the import; comments are tested in the
comments app)."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from reviews.models import Film, ImportedItem, Review
from reviews.wordpress.media import MediaImporter
from reviews.wordpress.parse import Author, read_wxr
from reviews.wordpress.posts import byline_for, import_posts
from reviews.wordpress.report import Report
from tests.wxr import P, wxr

pytestmark = pytest.mark.django_db


def run(data, media_dir=None, publish_unmatched=False):
    export = read_wxr(io.BytesIO(data))
    report = Report(source=export.source, wxr_version=export.version)
    import_posts(export, report, MediaImporter(report, media_dir), publish_unmatched)
    return report


def test_each_status_becomes_the_review_status_it_means():
    run(
        wxr(
            P(1, "Review: Never Let Me Go (2010)", status="publish", slug="a"),
            P(2, "Review: Inception (2010)", status="future", date="2031-05-01 08:00:00", slug="b"),
            P(3, "Review: Atonement (2007)", status="draft", slug="c"),
            P(4, "Review: The Island (2005)", status="pending", slug="d"),
            P(5, "Review: Ex Machina (2014)", status="private", slug="e"),
        )
    )
    statuses = dict(Review.objects.values_list("slug", "status"))
    assert statuses == {
        "a": "published",
        "b": "scheduled",
        "c": "draft",
        "d": "draft",
        "e": "draft",
    }
    assert Review.objects.get(slug="a").publish_at.isoformat() == "2011-02-01T09:00:00+00:00"
    assert Review.objects.get(slug="b").publish_at.isoformat() == "2031-05-01T08:00:00+00:00"


def test_a_password_protected_post_waits_as_a_draft():
    report = run(wxr(P(1, "Review: Never Let Me Go (2010)", password="friends")))
    assert Review.objects.get().status == "draft"
    assert report.counts["password-protected posts kept as drafts"] == 1


def test_a_post_keeps_its_title_slug_excerpt_byline_and_labels():
    run(
        wxr(
            P(
                1,
                "Review: Never Let Me Go (2010)",
                slug="never-let-me-go",
                excerpt="<p>Clones, <em>quietly</em>.</p>",
                categories=["Reviews", "Uncategorized"],
                tags=["Carey Mulligan"],
                content="<h2>Hailsham</h2><p>Long story short: 3/4 stars</p>",
            )
        )
    )
    review = Review.objects.get()
    assert (review.headline, review.slug, review.dek, review.byline) == (
        "Review: Never Let Me Go (2010)",
        "never-let-me-go",
        "Clones, quietly.",
        "Melissa",
    )
    assert sorted(review.tags.names()) == ["Carey Mulligan", "Reviews"]
    assert review.body == "## Hailsham\n\nLong story short: 3/4 stars\n"
    assert str(review.rating) == "3 out of 4 stars"
    assert (str(review.film), review.film_to_confirm) == ("Never Let Me Go (2010)", True)
    assert review.import_proposal["film"]["reason"] == "title and year from the post"
    assert review.import_proposal["rating_written"] == "3/4 stars"


def test_an_existing_film_is_used_rather_than_a_new_one(make_film):
    film = make_film(title="Never Let Me Go", year=2010)
    run(wxr(P(1, "Review: Never Let Me Go (2010)")))
    assert Review.objects.get().film == film
    assert Film.objects.count() == 1


def test_a_post_with_no_confident_film_waits_as_a_draft_and_is_reported():
    report = run(wxr(P(1, "Some thoughts on a Sunday")))
    review = Review.objects.get()
    assert (review.status, review.film_to_confirm) == ("draft", True)
    assert report.unmatched == [
        "“Some thoughts on a Sunday” (WordPress post 1): no year in the title"
    ]


def test_publish_unmatched_publishes_it_anyway():
    run(wxr(P(1, "Some thoughts on a Sunday")), publish_unmatched=True)
    assert Review.objects.get().status == "published"


def test_a_slug_taken_here_is_resolved_and_reported(make_review):
    make_review(slug="never-let-me-go")
    report = run(wxr(P(1, "Review: Never Let Me Go (2010)", slug="never-let-me-go")))
    assert Review.objects.filter(slug="never-let-me-go-2").exists()
    assert report.collisions == [
        "“Review: Never Let Me Go (2010)”: never-let-me-go was taken; now never-let-me-go-2"
    ]


def test_pages_attachments_menus_and_other_types_are_skipped_and_counted():
    report = run(
        wxr(
            P(1, "About", type="page"),
            P(2, "Home", type="nav_menu_item"),
            P(3, "still", type="attachment", attachment_url="http://blog.example.com/x.jpg"),
            P(4, "Block", type="wp_block"),
            P(5, "Gone", status="trash"),
        )
    )
    assert not Review.objects.exists()
    assert report.counts["skipped: page"] == 1
    assert report.counts["skipped: nav_menu_item"] == 1
    assert report.counts["skipped: wp_block"] == 1
    assert report.counts["skipped: posts in trash status"] == 1
    assert report.counts["attachments (brought in with the posts that show them)"] == 1


def test_importing_again_changes_nothing():
    data = wxr(P(1, "Review: Never Let Me Go (2010)"), P(2, "Review: Atonement (2007)"))
    run(data)
    report = run(data)
    assert Review.objects.count() == 2 and Film.objects.count() == 2
    assert report.counts["reviews already imported"] == 2
    assert ImportedItem.objects.filter(kind="post").count() == 2


def test_a_post_is_known_by_its_guid_when_the_blog_has_moved():
    run(wxr(P(1, "Review: Atonement (2007)", guid="http://old.example.com/?p=1")))
    report = run(
        wxr(
            P(1, "Review: Atonement (2007)", guid="http://old.example.com/?p=1"),
            blog="https://new.example.com",
        )
    )
    assert Review.objects.count() == 1
    assert report.counts["reviews already imported"] == 1


def jpeg_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "JPEG")
    return buffer.getvalue()


def test_images_come_from_the_media_folder_re_encoded(tmp_path, settings):
    folder = tmp_path / "uploads" / "2011" / "02"
    folder.mkdir(parents=True)
    (folder / "kathy.jpg").write_bytes(jpeg_bytes())
    src = "http://blog.example.com/wp-content/uploads/2011/02/kathy.jpg"
    content = f'<p><img src="{src}" alt="Kathy"></p>'
    report = run(wxr(P(1, "Review: Never Let Me Go (2010)", content=content)), tmp_path / "uploads")
    body = Review.objects.get().body
    assert body == f"![Kathy]({settings.MEDIA_URL}wordpress/2011/02/kathy.jpg)\n"
    assert (settings.MEDIA_ROOT / "wordpress/2011/02/kathy.jpg").exists()
    assert report.counts["images imported"] == 1


def test_the_featured_image_becomes_the_hero_image(tmp_path, settings):
    (tmp_path / "2011").mkdir()
    (tmp_path / "2011" / "still.jpg").write_bytes(jpeg_bytes())
    run(
        wxr(
            P(1, "Review: Never Let Me Go (2010)", meta={"_thumbnail_id": "9"}),
            P(
                9,
                "Kathy and Tommy",
                type="attachment",
                status="inherit",
                attachment_url="http://blog.example.com/wp-content/uploads/2011/still.jpg",
            ),
        ),
        tmp_path,
    )
    review = Review.objects.get()
    assert review.hero_image.name == "wordpress/2011/still.jpg"
    assert (review.hero_alt, review.hero_width, review.hero_height) == ("Kathy and Tommy", 40, 30)


def test_a_missing_or_refused_image_is_reported_and_keeps_only_a_web_address(tmp_path):
    (tmp_path / "fake.jpg").write_text("<script>alert(1)</script>")
    content = (
        '<p><img src="http://blog.example.com/wp-content/uploads/fake.jpg" alt="Fake">'
        '<img src="http://blog.example.com/wp-content/uploads/none.jpg" alt="None">'
        '<img src="file:///etc/passwd" alt="Local"></p>'
    )
    report = run(wxr(P(1, "Review: Never Let Me Go (2010)", content=content)), tmp_path)
    assert Review.objects.get().body == (
        "![Fake](http://blog.example.com/wp-content/uploads/fake.jpg)"
        "![None](http://blog.example.com/wp-content/uploads/none.jpg)\n"
    )
    assert report.missing_media == [
        "http://blog.example.com/wp-content/uploads/none.jpg",
        "file:///etc/passwd",
    ]
    assert report.refused_media[0].startswith(
        "http://blog.example.com/wp-content/uploads/fake.jpg: "
    )


def test_a_path_outside_the_media_folder_is_never_read(tmp_path):
    (tmp_path / "secret.png").write_bytes(b"x")
    media = tmp_path / "uploads"
    media.mkdir()
    content = '<img src="http://blog.example.com/wp-content/uploads/../../secret.png">'
    report = run(wxr(P(1, "Review: Never Let Me Go (2010)", content=content)), media)
    assert report.counts["images imported"] == 0


def test_byline_is_the_display_name_else_the_full_name_else_the_login():
    assert byline_for(Author("mel", display_name="Melissa")) == "Melissa"
    assert byline_for(Author("mel", first_name="Melissa", last_name="Ford")) == "Melissa Ford"
    assert byline_for(Author("mel")) == "mel"


def test_an_author_becomes_a_critic_or_signs_as_the_critic_of_that_name():
    from reviews.models import Critic

    melissa = Critic.objects.create(name="Melissa", slug="melissa")

    report = run(wxr(P(1, "Review: Never Let Me Go (2010)"), P(2, "Review: Tokyo Story (1953)")))

    assert [review.critic for review in Review.objects.order_by("pk")] == [melissa, melissa]
    assert Critic.objects.count() == 1 and "critics created" not in report.counts


def test_an_author_with_no_critic_record_gets_one():
    from reviews.models import Critic

    report = run(wxr(P(1, "Review: Never Let Me Go (2010)")))

    (critic,) = Critic.objects.all()
    assert (critic.name, critic.slug, Review.objects.get().critic) == ("Melissa", "melissa", critic)
    assert report.counts["critics created"] == 1


def test_an_authors_critic_is_looked_up_once_for_all_their_posts():
    from reviews.models import Critic

    Critic.objects.create(name="Melissa", slug="melissa")
    posts = [
        P(1, "Review: Never Let Me Go (2010)", slug="a"),
        P(2, "Review: Tokyo Story (1953)", slug="b"),
        P(3, "Review: Atonement (2007)", slug="c"),
    ]

    with CaptureQueriesContext(connection) as queries:
        run(wxr(*posts))

    table = connection.ops.quote_name(Critic._meta.db_table)
    lookups = [q for q in queries if q["sql"].startswith("SELECT") and f"FROM {table}" in q["sql"]]
    assert len(lookups) == 1
