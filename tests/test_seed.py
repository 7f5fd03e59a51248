"""The seed content is the source material, loaded faithfully by ``manage.py seed``.

The four source texts live beside the project in ``shared/seeds/``. These tests read them
and check that every paragraph, heading, comment and related film reached the site.
"""

import html
import io
import os
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.html import strip_tags
from django.utils.text import slugify
from taggit.models import Tag, TaggedItem

from comments.models import Comment
from reviews.models import (
    Credit,
    Critic,
    Film,
    FurtherReading,
    Person,
    PullQuote,
    RelatedFilm,
    Review,
)
from tests.page_tree import parse_html

SEEDS_DIR = settings.BASE_DIR.parent / "shared" / "seeds"

# What each line of each source file is: 1-based line numbers, blank lines inside a range
# ignored. Only "heading" and "body" lines make up a review's body; "furniture" is page
# text that is not content and is not loaded.
LAYOUT = {
    "000": {
        "body": "1 3-4 6-8 10-12 14-16 18-19 21 23-25",
        "heading": "2 5 9 13 17 20 22",
    },
    "001": {
        "title": "1",
        "body": "4 6 8 10 13",  # 8 starts with a leaked image caption: CAPTION_LEAK
        "pull quote": "16",
        "rating": "18",
        "further reading": "22-23",
        "comments": "27-36",
        "furniture": "20 25 38-52",  # "For Further Reading:", "6 responses to", comment form
    },
    "002": {
        "title": "4",
        "body": "8 10 12 14 16 18 20",  # 12 and 14 are one sentence: SPLIT_SENTENCE
        "comments": "27-37",
        "furniture": "1-2 6 23 39",  # redirect banner, repeated title, "tagged , , ,", form
    },
    "003": {
        "title": "1",
        "tagline": "2",
        "body": "3 5-6 8-10 12-14",
        "heading": "4 7 11",
        "related films": "16-75",  # "-", title, year for each film
        "furniture": "15",  # "Keep Exploring..."
    },
}
REVIEW_SLUGS = {
    "000": "never-let-me-go-a-gentle-elegy",
    "001": "never-let-me-go-melissa",
    "002": "film-review-never-let-me-go",
    "003": "never-let-me-go-love-is-the-only-thing",
}
# 001: the caption text of an inline image leaked into the start of the paragraph after it.
CAPTION_LEAK = ("001", 8, "youngkathy_neverletmego")
# 002: "a girl who—" / "—shows concern": one sentence the page broke across two lines.
SPLIT_SENTENCE = ("002", 12, 14)

SEED_FILM = "never-let-me-go-2010"
CREDITS = [
    ("director", "Mark Romanek", "", 1),
    ("writer", "Alex Garland", "", 1),
    ("author", "Kazuo Ishiguro", "", 1),
    ("composer", "Rachel Portman", "", 1),
    ("cinematographer", "Adam Kimmel", "", 1),
    ("cast", "Carey Mulligan", "Kathy", 1),
    ("cast", "Andrew Garfield", "Tommy", 2),
    ("cast", "Keira Knightley", "Ruth", 3),
    ("cast", "Sally Hawkins", "Miss Lucy", 4),
    ("cast", "Charlotte Rampling", "Miss Emily", 5),
    ("cast", "Izzy Meikle-Small", "Young Kathy", 6),
    ("cast", "Ella Purnell", "Young Ruth", 7),
    ("cast", "Charlie Rowe", "Young Tommy", 8),
]
MENTIONED_FILMS = {
    "000": set(),
    "001": {("The Curious Case of Benjamin Button", 2008)},
    "002": {("The Remains of the Day", 1993)},
    "003": {
        ("Inception", 2010),
        ("Ex Machina", 2014),
        ("Annihilation", 2018),
        ("The Hunger Games", 2012),
        ("An Education", 2009),
        ("The Amazing Spider-Man", 2012),
        ("Atonement", 2007),
        ("Pride & Prejudice", 2005),
    },
}
FILM_TAGS = {
    "science fiction",
    "drama",
    "romance",
    "dystopia",
    "cloning",
    "literary adaptation",
    "boarding school",
    "mortality",
}


def line_numbers(spec):
    numbers = []
    for part in spec.split():
        first, _, last = part.partition("-")
        numbers.extend(range(int(first), int(last or first) + 1))
    return numbers


@dataclass
class Source:
    key: str
    lines: list  # lines[n] is line n of the file; lines[0] is unused

    def numbers(self, role):
        """The non-blank line numbers the layout gives this role."""
        spec = LAYOUT[self.key].get(role, "")
        return [n for n in line_numbers(spec) if self.lines[n].strip()]

    def texts(self, role):
        return [self.lines[n].strip() for n in self.numbers(role)]

    def blocks(self):
        """The body's headings and paragraphs in order, as ``(kind, text)``."""
        headings = set(self.numbers("heading"))
        texts = {n: self.lines[n].strip() for n in self.numbers("body") + sorted(headings)}
        key, line, leak = CAPTION_LEAK
        if self.key == key:
            assert texts[line].startswith(leak)
            texts[line] = texts[line].removeprefix(leak)
        key, first, second = SPLIT_SENTENCE
        if self.key == key:
            assert texts[first].endswith("who—") and texts[second].startswith("—shows")
            rest = texts.pop(second).removeprefix("—")
            texts[first] = texts[first].removesuffix("—") + " " + rest
        return [("heading" if n in headings else "paragraph", texts[n]) for n in sorted(texts)]

    def paragraphs(self):
        return [text for kind, text in self.blocks() if kind == "paragraph"]


@pytest.fixture(scope="session")
def sources():
    if not SEEDS_DIR.is_dir():
        missing = f"The seed source texts are not at {SEEDS_DIR}; nothing to compare with."
        if os.environ.get("CI"):
            pytest.fail(f"{missing} CI has them, so the seed's fidelity must be checked there.")
        pytest.skip(missing)
    found = {}
    for key in LAYOUT:
        (path,) = SEEDS_DIR.glob(f"{key}_*.txt")
        found[key] = Source(key, [""] + path.read_text(encoding="utf-8").splitlines())
    return found


@pytest.fixture
def seeded(db, django_capture_on_commit_callbacks):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):  # as when the load commits
        call_command("seed", stdout=out)
    return out.getvalue()


def normalise(text):
    return " ".join(text.split())


def rendered_text(review):
    return normalise(html.unescape(strip_tags(review.body_html)))


def review_for(key):
    return Review.objects.get(slug=REVIEW_SLUGS[key])


def counts():
    models = [Film, Person, Credit, RelatedFilm, Review, PullQuote, FurtherReading, Comment]
    return {model.__name__: model.objects.count() for model in models + [Tag, TaggedItem]}


@pytest.mark.parametrize("key", LAYOUT)
def test_layout_accounts_for_every_nonblank_source_line_once(sources, key):
    source = sources[key]
    assigned = [n for role in LAYOUT[key] for n in source.numbers(role)]
    nonblank = [n for n, line in enumerate(source.lines) if n and line.strip()]
    assert sorted(assigned) == nonblank


def test_seed_reports_what_it_loaded(seeded):
    assert seeded.strip() == "Loaded the seed content: 4 reviews, 31 films, 7 comments."


@pytest.mark.parametrize("key", LAYOUT)
def test_every_source_paragraph_appears_in_the_rendered_review(sources, seeded, key):
    text = rendered_text(review_for(key))
    for paragraph in sources[key].paragraphs():
        assert normalise(paragraph) in text


@pytest.mark.parametrize("key", LAYOUT)
def test_rendered_body_is_exactly_the_source_headings_and_paragraphs_in_order(sources, seeded, key):
    expected = " ".join(normalise(text) for _, text in sources[key].blocks())
    assert rendered_text(review_for(key)) == expected


@pytest.mark.parametrize("key", LAYOUT)
def test_section_headings_are_h2_in_source_order(sources, seeded, key):
    review = review_for(key)
    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", review.body_html)
    expected = sources[key].texts("heading")
    assert [html.unescape(h) for h in headings] == expected
    assert [section["title"] for section in review.body_sections] == expected


def test_the_two_long_reviews_have_seven_and_three_sections(sources, seeded):
    assert len(review_for("000").body_sections) == 7
    assert len(review_for("003").body_sections) == 3


def test_leaked_image_caption_is_not_in_the_melissa_review(seeded):
    review = review_for("001")
    assert "youngkathy" not in review.body
    assert "<p>The film does several things well." in review.body_html


def test_sentence_split_by_the_page_is_one_paragraph(seeded):
    paragraph = (
        "At this point we focus on three characters: a girl who shows concern for an "
        "acutely sensitive boy, and a friend of hers who makes a move on the boy and wins him."
    )
    review = review_for("002")
    assert f"<p>{paragraph} They grow up to be" in review.body_html
    assert "who—" not in review.body and "—shows" not in review.body


def test_authors_misspellings_stay_in_the_text(seeded):
    assert "Kazou Ishiguro" in review_for("001").body
    assert "Kiera Knightley" in review_for("001").body
    assert "Kazuo Ishiguru" in review_for("002").body


@pytest.mark.parametrize("key", LAYOUT)
def test_headline_is_the_source_title(sources, seeded, key):
    titles = sources[key].texts("title") or ["Never Let Me Go"]  # 000 has none
    assert review_for(key).headline == titles[0]


def test_only_the_melissa_review_is_rated_three_of_four(sources, seeded):
    (line,) = sources["001"].texts("rating")
    value, best = re.fullmatch(r"Long story short: (\d+)/(\d+) stars", line).groups()
    review = review_for("001")
    assert (review.rating_value, review.rating_best) == (Decimal(value), int(best))
    assert str(review.rating) == "3 out of 4 stars"
    assert [r.slug for r in Review.objects.rated()] == [REVIEW_SLUGS["001"]]


def test_the_rated_seed_review_shows_three_of_four_stars_on_its_page(seeded, client):
    page = parse_html(client.get(review_for("001").get_absolute_url()).text)
    (rating,) = page.find(class_="review__rating").find_all(class_="rating")
    assert rating.attrs["aria-label"] == "3 out of 4 stars"
    stars = [star.attrs["class"] for star in rating.find_all(class_="star")]
    assert stars == ["star star--full"] * 3 + ["star star--empty"]
    assert rating.find(class_="rating__words").text == "3 out of 4 stars"
    assert page.find(class_="verdict").text == "Rating: 3 out of 4 stars"


def test_rating_and_pull_quote_are_not_repeated_in_the_body(seeded):
    body = review_for("001").body
    assert "Long story short" not in body
    assert "Gallery" not in body


def test_melissa_review_has_the_closing_pull_quote(sources, seeded):
    (line,) = sources["001"].texts("pull quote")
    quote = review_for("001").pull_quotes.get()
    assert quote.text == line.removeprefix("“").removesuffix("”")
    assert quote.text.startswith("We didn’t have the Gallery in order to look into your souls.")
    assert quote.attribution == ""
    assert PullQuote.objects.count() == 1


def test_melissa_review_lists_further_reading_in_order_without_addresses(sources, seeded):
    links = list(review_for("001").further_reading.all())
    assert [link.title for link in links] == sources["001"].texts("further reading")
    assert [link.title for link in links] == [
        "Dan the Man’s Movie Reviews review",
        "Roger Ebert review",
    ]
    assert [link.url for link in links] == ["", ""]
    assert FurtherReading.objects.count() == 2


def test_retrospective_has_its_tagline_and_the_others_none(sources, seeded):
    (line,) = sources["003"].texts("tagline")
    assert review_for("003").tagline == line.strip('"')
    assert review_for("003").tagline == "Love is the only thing they are allowed to own."
    assert [review_for(key).tagline for key in ("000", "001", "002")] == ["", "", ""]


def test_only_melissa_has_a_byline_and_no_review_has_a_date(seeded):
    bylines = {key: review_for(key).byline for key in REVIEW_SLUGS}
    assert bylines == {"000": "", "001": "Melissa", "002": "", "003": ""}
    assert not Review.objects.filter(review_date__isnull=False).exists()


def test_melissa_is_the_one_critic_with_nothing_invented_about_her(seeded, client):
    [critic] = Critic.objects.all()
    assert (critic.name, critic.slug, critic.bio, critic.photo.name, critic.user) == (
        "Melissa",
        "melissa",
        "",
        "",
        None,
    )
    assert not critic.links.exists()
    critics = {key: review_for(key).critic for key in REVIEW_SLUGS}
    assert critics == {"000": None, "001": critic, "002": None, "003": None}
    page = client.get(critic.get_absolute_url())
    assert "Never Let Me Go" in page.text
    unsigned = client.get(review_for("000").get_absolute_url())
    assert "Byline unknown" in unsigned.text


def test_only_the_festival_review_names_its_publication(seeded):
    publications = {key: review_for(key).publication_name for key in REVIEW_SLUGS}
    assert publications == {"000": "", "001": "", "002": "IndieWire", "003": ""}
    assert not Review.objects.exclude(original_url="").exists()


def test_reviews_are_published_in_the_sources_order(seeded):
    published = list(Review.objects.published())
    newest_first = [REVIEW_SLUGS[key] for key in sorted(REVIEW_SLUGS, reverse=True)]
    assert [review.slug for review in published] == newest_first
    assert all(review.discussion.is_open and review.dek == "" for review in published)


def test_the_seed_film_is_never_let_me_go_from_the_novel(seeded):
    film = Film.objects.get(slug=SEED_FILM)
    assert (film.title, film.year, film.runtime_minutes) == ("Never Let Me Go", 2010, None)
    assert film.based_on == "Kazuo Ishiguro’s Booker Prize–nominated novel Never Let Me Go"
    assert {review_for(key).film for key in REVIEW_SLUGS} == {film}


def test_related_films_follow_the_keep_exploring_list(sources, seeded):
    lines = sources["003"].texts("related films")
    assert lines[0::3] == ["-"] * 20
    expected = list(zip(lines[1::3], map(int, lines[2::3]), strict=True))
    links = RelatedFilm.objects.filter(film__slug=SEED_FILM).select_related("related")
    assert [(link.related.title, link.related.year) for link in links] == expected
    assert [link.position for link in links] == list(range(1, 21))
    assert expected[0] == ("The Fountain", 2006)
    assert expected[-1] == ("High School Musical 2", 2007)
    for title, year in expected:
        assert Film.objects.get(title=title, year=year).slug == f"{slugify(title)}-{year}"


def test_credits_are_in_billing_order_with_correct_spellings(seeded):
    credits = Credit.objects.filter(film__slug=SEED_FILM).select_related("person")
    loaded = [(c.role, c.person.name, c.character, c.position) for c in credits]
    assert sorted(loaded) == sorted(CREDITS)
    cast = [c.person.name for c in credits if c.role == Credit.Role.CAST]
    assert cast == [name for role, name, _, _ in CREDITS if role == "cast"]
    assert not Person.objects.filter(name__in=["Kazou Ishiguro", "Kiera Knightley"]).exists()


def test_each_person_has_one_record_across_their_credits(seeded):
    names = [name for _, name, _, _ in CREDITS]
    assert Person.objects.count() == len(set(names))
    for name in names:
        person = Person.objects.get(name=name)
        assert set(Credit.objects.filter(person__name=name).values_list("person", flat=True)) == {
            person.pk
        }


@pytest.mark.parametrize("key", LAYOUT)
def test_each_review_mentions_the_films_named_in_its_text(seeded, key):
    review = review_for(key)
    mentioned = {(film.title, film.year) for film in review.mentioned_films.all()}
    assert mentioned == MENTIONED_FILMS[key]
    for title, _ in mentioned:
        assert title.removeprefix("The ") in review.body  # "There are no Hunger Games here."


def test_films_named_only_in_comments_exist_as_stubs(seeded):
    island = Film.objects.get(slug="the-island-2005")
    assert (island.title, island.year, island.synopsis) == ("The Island", 2005, "")
    assert Comment.objects.filter(body__contains="The Island").exists()


def test_the_film_has_its_tags_and_reviews_have_none(seeded):
    film = Film.objects.get(slug=SEED_FILM)
    assert set(film.tags.names()) == FILM_TAGS
    assert not Review.objects.filter(tags__isnull=False).exists()


def parse_threaded_comments(lines):
    """001's list: "1. text" starts a comment, "• text" a reply, other lines a paragraph."""
    thread = []
    for line in lines:
        if match := re.match(r"\s*\d+\.\s+(.*)", line):
            thread.append({"reply": False, "paragraphs": [match[1]]})
        elif match := re.match(r"\s*•\s+(.*)", line):
            thread.append({"reply": True, "paragraphs": [match[1]]})
        else:
            thread[-1]["paragraphs"].append(line)
    return thread


def paragraphs_of(comment):
    return [normalise(p) for p in comment.body.split("\n\n")]


def test_melissa_review_comments_are_threaded_with_her_replies(sources, seeded):
    thread = parse_threaded_comments(sources["001"].texts("comments"))
    comments = list(review_for("001").comments.all())
    assert len(comments) == len(thread) == 4
    last_top_level = None
    for comment, source in zip(comments, thread, strict=True):
        assert paragraphs_of(comment) == [normalise(p) for p in source["paragraphs"]]
        if source["reply"]:
            assert comment.parent == last_top_level
            assert (comment.author_name, comment.is_review_author) == ("Melissa", True)
        else:
            assert comment.parent is None and not comment.is_review_author
            last_top_level = comment
    assert [c.author_name for c in comments] == ["", "Melissa", "Ruth", "Melissa"]
    assert [len(paragraphs_of(c)) for c in comments] == [1, 2, 1, 3]


def test_festival_review_has_three_unthreaded_anonymous_comments(sources, seeded):
    numbers = line_numbers(LAYOUT["002"]["comments"])
    text = "\n".join(sources["002"].lines[n] for n in numbers)
    expected = [
        [normalise(p) for p in re.split(r"\n\s*\n", block.strip())]
        for block in re.split(r"\n[ \t]*\n[ \t]*\n", text)
    ]
    comments = list(review_for("002").comments.all())
    assert [paragraphs_of(comment) for comment in comments] == expected
    assert [len(paragraphs) for paragraphs in expected] == [3, 1, 1]
    assert all(c.parent is None and c.author_name == "" for c in comments)


def test_seeded_comments_are_approved_with_unknowns_left_empty(seeded):
    comments = Comment.objects.all()
    assert comments.count() == Comment.objects.approved().count() == 7
    assert not comments.filter(submitted_at__isnull=False).exists()
    assert not comments.exclude(author_email="").exists()
    assert not review_for("000").comments.exists() and not review_for("003").comments.exists()


def test_seeded_comments_are_rendered_and_know_their_depth(seeded):
    for comment in Comment.objects.all():
        paragraphs = re.findall(r"<p>(.*?)</p>", comment.body_html, re.S)
        assert [normalise(html.unescape(p)) for p in paragraphs] == paragraphs_of(comment)
        assert comment.depth == (1 if comment.parent_id else 0)


def test_reviews_store_their_number_of_approved_comments(seeded):
    counts = {key: review_for(key).discussion.approved_count for key in REVIEW_SLUGS}
    assert counts == {"000": 0, "001": 4, "002": 3, "003": 0}


def test_running_seed_again_changes_nothing_and_keeps_an_editors_edit(seeded):
    review = review_for("000")
    review.headline = "Never Let Me Go: an elegy"
    review.body += "\nAn editor's note.\n"
    review.save()
    before = counts()

    out = io.StringIO()
    call_command("seed", stdout=out)

    assert out.getvalue().strip() == "The seed content is already loaded; nothing changed."
    assert counts() == before
    review.refresh_from_db()
    assert review.headline == "Never Let Me Go: an elegy"
    assert "An editor's note." in review.body_html


def test_seed_refuses_to_overwrite_rows_that_use_its_ids(db):
    Film.objects.create(pk=1, title="Le Samouraï", year=1967, slug="le-samourai-1967")

    with pytest.raises(CommandError, match="reviews.film"):
        call_command("seed", stdout=io.StringIO())

    assert list(Film.objects.values_list("pk", "title")) == [(1, "Le Samouraï")]
    assert not Review.objects.exists() and not Person.objects.exists()


def test_records_created_after_seeding_get_new_ids(seeded, make_review):
    film = Film.objects.create(title="Le Samouraï", year=1967, slug="le-samourai-1967")
    review = make_review(film=film)
    person = Person.objects.create(name="Alain Delon", slug="alain-delon")
    comment = Comment.objects.create(review=review, body="Cool.")
    film.tags.add("crime")

    assert film.pk > 31 and review.pk > 4 and person.pk > 13 and comment.pk > 7
    assert Tag.objects.get(name="crime").pk > len(FILM_TAGS)
