"""A published review's or film's old address answers with a permanent redirect to its new one."""

import reversion
from django.urls import reverse
from reversion.models import Version

from reviews.models import Review
from tests.factories import film_form, review_form


def rename(obj, slug):
    obj.slug = slug
    obj.save()


def test_a_renamed_review_is_found_at_its_old_address(client, make_review):
    review = make_review(slug="old-headline")
    rename(review, "new-headline")

    response = client.get("/reviews/old-headline/")

    assert response.status_code == 301
    assert response["Location"] == "/reviews/new-headline/"
    assert client.get(response["Location"]).status_code == 200


def test_a_renamed_film_is_found_at_its_old_address(client, make_film):
    film = make_film(slug="ran")
    rename(film, "ran-1985")

    response = client.get("/films/ran/")

    assert response.status_code == 301
    assert response["Location"] == "/films/ran-1985/"


def test_every_earlier_address_leads_straight_to_the_current_one(client, make_review, make_film):
    review, film = make_review(slug="first"), make_film(slug="one")
    for slug in ("second", "third"):
        rename(review, slug)
    for slug in ("two", "three"):
        rename(film, slug)

    for old in ("first", "second"):
        assert client.get(f"/reviews/{old}/")["Location"] == "/reviews/third/"
    for old in ("one", "two"):
        assert client.get(f"/films/{old}/")["Location"] == "/films/three/"


def test_a_new_review_taking_an_old_address_wins_over_the_redirect(client, make_review):
    renamed = make_review(slug="taken", headline="The renamed one")
    rename(renamed, "moved-away")
    newcomer = make_review(slug="taken", headline="The newcomer")

    response = client.get("/reviews/taken/")

    assert response.status_code == 200
    assert "The newcomer" in response.text
    assert client.get("/reviews/moved-away/").status_code == 200
    rename(newcomer, "newcomer-moved")
    assert client.get("/reviews/taken/")["Location"] == "/reviews/newcomer-moved/"


def test_a_new_film_taking_an_old_address_wins_over_the_redirect(client, make_film):
    renamed = make_film(slug="solaris", title="Solaris", year=1972)
    rename(renamed, "solaris-1972")
    make_film(slug="solaris", title="Solaris", year=2002)

    response = client.get("/films/solaris/")

    assert response.status_code == 200
    assert "2002" in response.text


def test_a_draft_renamed_leaves_no_redirect(client, make_review):
    draft = make_review(slug="working-title", status=Review.Status.DRAFT)
    rename(draft, "final-title")
    draft.status = Review.Status.PUBLISHED
    draft.save()

    assert client.get("/reviews/working-title/").status_code == 404


def test_a_review_named_back_to_an_old_address_answers_there_and_not_in_a_loop(client, make_review):
    review = make_review(slug="original")
    rename(review, "detour")
    rename(review, "original")

    assert client.get("/reviews/original/").status_code == 200
    assert client.get("/reviews/detour/")["Location"] == "/reviews/original/"
    review.status = Review.Status.DRAFT
    review.save()
    assert client.get("/reviews/original/").status_code == 404
    assert client.get("/reviews/detour/").status_code == 404


def test_readers_are_not_sent_to_a_review_that_is_no_longer_published(client, make_review):
    review = make_review(slug="before")
    rename(review, "after")
    review.status = Review.Status.DRAFT
    review.save()

    assert client.get("/reviews/before/").status_code == 404


def test_renaming_in_the_admin_redirects_the_old_address(
    client, editor_client, make_review, make_film
):
    review = make_review(slug="admin-old")
    data = review_form(
        review.film,
        headline=review.headline,
        slug="admin-new",
        status=Review.Status.PUBLISHED,
        body=review.body,
        publish_at_0="2025-01-01",
        publish_at_1="12:00:00",
    )
    assert (
        editor_client.post(
            reverse("admin:reviews_review_change", args=[review.pk]), data
        ).status_code
        == 302
    )
    film = make_film(slug="film-admin-old")
    data = film_form(title=film.title, year=str(film.year), slug="film-admin-new")
    assert (
        editor_client.post(reverse("admin:reviews_film_change", args=[film.pk]), data).status_code
        == 302
    )

    assert client.get("/reviews/admin-old/")["Location"] == "/reviews/admin-new/"
    assert client.get("/films/film-admin-old/")["Location"] == "/films/film-admin-new/"


def test_restoring_a_version_with_an_older_slug_redirects_from_the_newer(client, make_review):
    review = make_review(slug="as-published")
    with reversion.create_revision():
        review.save()
    rename(review, "renamed-later")

    Version.objects.get_for_object(review)[0].revision.revert()

    assert client.get("/reviews/as-published/").status_code == 200
    assert client.get("/reviews/renamed-later/")["Location"] == "/reviews/as-published/"
