"""The site leaves as it came: the published reviews and their approved threads as WXR 1.2,
which imports into an empty site as the same reviews and threads."""

import io
import re

import pytest
from django.core.management import call_command

from comments.models import Comment
from comments.wordpress import export_wordpress, import_wordpress
from reviews.models import Credit, Film, ImportedItem, Person, Review
from reviews.ratings import parse_rating
from reviews.wordpress.parse import read_wxr

pytestmark = pytest.mark.django_db


def exported():
    out = io.StringIO()
    export_wordpress(out)
    return out.getvalue()


def empty_the_site():
    Comment.objects.all().delete()
    Review.objects.all().delete()
    Credit.objects.all().delete()
    Film.objects.all().delete()
    Person.objects.all().delete()
    ImportedItem.objects.all().delete()


def to_the_second(moment):
    """WXR dates are to the second."""
    return moment.replace(microsecond=0) if moment else None


def reviews_as_readers_see_them():
    return {
        r.slug: (
            r.headline,
            r.byline,
            r.dek,
            r.body_html,
            str(r.rating),
            str(r.film),
            to_the_second(r.publish_at),
            sorted(r.tags.names()),
        )
        for r in Review.objects.published()
    }


def threads():
    return sorted(
        (
            c.review.slug,
            c.depth,
            c.parent.body if c.parent else "",
            c.body,
            c.author_name,
            c.is_review_author,
            to_the_second(c.submitted_at),
        )
        for c in Comment.objects.approved().select_related("review", "parent")
    )


def test_the_export_is_wxr_1_2_of_published_reviews_and_approved_comments(make_review, make_film):
    film = make_film(title="Never Let Me Go", year=2010)
    review = make_review(film=film, headline="Quietly devastating", byline="Melissa")
    make_review(film=film, headline="Not yet", status=Review.Status.DRAFT)
    first = Comment.objects.create(
        review=review, author_name="Dan", body="Lovely", status="approved"
    )
    Comment.objects.create(review=review, parent=first, body="Spam!", status="spam")
    export = read_wxr(io.BytesIO(exported().encode()))
    assert export.version == "1.2"
    [item] = export.items
    assert (item.title, item.status, item.post_type, item.creator) == (
        "Quietly devastating",
        "publish",
        "post",
        "melissa",
    )
    assert export.authors["melissa"].display_name == "Melissa"
    assert item.categories == ["Never Let Me Go (2010)"]
    assert [c.content for c in item.comments] == ["Lovely"]


def test_an_export_imports_into_an_empty_site_as_the_same_reviews_and_threads(
    make_review, make_film
):
    film = make_film(title="Never Let Me Go", year=2010)
    review = make_review(
        film=film,
        headline="A quiet triumph",
        byline="Melissa",
        dek="Clones, <quietly>.",
        body=(
            "## Hailsham\n\nThe *gallery* & the [novel](https://example.com/novel).\n\n"
            "> A quote\n\n- one\n- two\n"
        ),
    )
    review.rating = parse_rating("3/4")
    review.save()
    review.tags.add("Carey Mulligan", "Dystopia")
    top = Comment.objects.create(
        review=review, author_name="Ruth", body="Hi <b>Melissa</b>!\n\nTwo.", status="approved"
    )
    reply = Comment.objects.create(
        review=review,
        parent=top,
        author_name="Melissa",
        body="Thanks",
        status="approved",
        is_review_author=True,
    )
    Comment.objects.create(
        review=review, parent=reply, author_name="Ruth", body="Third", status="approved"
    )
    before_reviews, before_threads = reviews_as_readers_see_them(), threads()
    data = exported().encode()
    empty_the_site()
    import_wordpress(io.BytesIO(data))
    assert reviews_as_readers_see_them() == before_reviews
    assert threads() == before_threads


def test_the_seed_reviews_leave_and_come_back_as_the_fixtures_have_them():
    call_command("seed", stdout=io.StringIO())
    before_reviews, before_threads = reviews_as_readers_see_them(), threads()
    data = exported().encode()
    empty_the_site()
    import_wordpress(io.BytesIO(data))
    assert reviews_as_readers_see_them() == before_reviews
    assert threads() == before_threads
    melissa = Review.objects.get(slug="never-let-me-go-melissa")
    assert (melissa.byline, str(melissa.rating)) == ("Melissa", "3 out of 4 stars")
    assert melissa.comments.filter(is_review_author=True, depth=1).count() == 2


def test_the_command_writes_the_file(tmp_path, make_review):
    make_review(headline="Quietly devastating")
    path = tmp_path / "out.xml"
    call_command("export_wordpress", "-o", str(path))
    assert [i.title for i in read_wxr(path.open("rb")).items] == ["Quietly devastating"]
    out = io.StringIO()
    call_command("export_wordpress", stdout=out)
    assert out.getvalue() == path.read_text()


def test_the_export_reads_the_same_few_queries_however_many_reviews(
    make_review, django_assert_max_num_queries
):
    for n in range(6):
        review = make_review(headline=f"Review {n}", byline=f"Critic {n % 2}")
        review.tags.add(f"tag {n}")
        Comment.objects.create(review=review, body="Hi", status="approved")
    with django_assert_max_num_queries(4):
        exported()


def test_melissas_rating_is_read_from_her_words_when_the_export_does_not_give_it():
    call_command("seed", stdout=io.StringIO())
    # As her blog exports it: no rating field, the rating in her closing words (seed 001).
    data = re.sub(
        r"<wp:postmeta><wp:meta_key>rating</wp:meta_key>.*?</wp:postmeta>", "", exported()
    )
    items = data.split("<item>")
    [melissa_item] = [i for i in items if "never-let-me-go-melissa" in i]
    closing = "<p>Long story short: 3/4 stars.</p>]]></content:encoded>"
    items[items.index(melissa_item)] = melissa_item.replace("]]></content:encoded>", closing, 1)
    empty_the_site()
    report = import_wordpress(io.BytesIO("<item>".join(items).encode()))
    melissa = Review.objects.get(slug="never-let-me-go-melissa")
    assert str(melissa.rating) == "3 out of 4 stars"
    assert melissa.import_proposal["rating_written"] == "3/4 stars"
    assert report.counts["ratings proposed"] == 1
