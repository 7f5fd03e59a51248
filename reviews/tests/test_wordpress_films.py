"""The film and the rating proposed from a post, as critics write them."""

from decimal import Decimal

import pytest

from reviews.ratings import Rating
from reviews.wordpress.films import propose_film, proposed_rating


@pytest.mark.parametrize(
    "title",
    [
        "Review: Never Let Me Go (2010)",
        "Never Let Me Go (2010) – Review",
        "Film Review: Never Let Me Go (2010)",
        "Telluride Review: Never Let Me Go (2010)",
        "Never Let Me Go (2010)",
        "‘Never Let Me Go’ (2010) review",
    ],
)
def test_a_title_with_the_year_names_the_film(title):
    proposal = propose_film(title)
    assert (proposal.title, proposal.year, proposal.confident) == ("Never Let Me Go", 2010, True)


def test_a_category_with_a_year_names_the_film_when_the_title_does_not():
    proposal = propose_film("A quiet triumph", categories=["Never Let Me Go (2010)"])
    assert (proposal.title, proposal.year, proposal.confident) == ("Never Let Me Go", 2010, True)


def test_a_title_without_a_year_is_not_confident():
    proposal = propose_film("Movie Review: Inception")
    assert (proposal.title, proposal.year, proposal.confident) == ("Inception", None, False)


def test_a_known_film_is_matched_by_its_title(make_film):
    film = make_film(title="Never Let Me Go", year=2010)

    def find_film(title, year):
        return film if title.lower() == "never let me go" and year in (None, 2010) else None

    proposal = propose_film("Movie Review: Never Let Me Go", find_film=find_film)
    assert (proposal.title, proposal.year, proposal.confident) == ("Never Let Me Go", 2010, True)


@pytest.mark.parametrize(
    "text, value, best",
    [
        ("Long story short: 3/4 stars.", "3", 4),
        ("Rating: 4.5/5", "4.5", 5),
        ("I give it ★★★½ and no more", "3.5", 4),
        ("★★★☆☆", "3", 5),
        ("Open 24/7, it is an 8/10 for me", "8", 10),
        ("Three and a half: 3½ out of 4 stars", "3.5", 4),
        ("Grade: B+", "9", 12),
    ],
)
def test_the_rating_is_read_as_the_critic_wrote_it(text, value, best):
    rating, _ = proposed_rating(text)
    assert rating == Rating(Decimal(value).quantize(Decimal("0.1")), best)


@pytest.mark.parametrize("text", ["We met on 9/11 at 24/7", "Rating: 9/4", "A grade B movie", ""])
def test_no_rating_is_made_up(text):
    assert proposed_rating(text) == (None, "")
