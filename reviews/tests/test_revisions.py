"""Versions of reviews and films: kept on every save, compared, restored, recovered."""

from datetime import timedelta

import pytest
import reversion
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains
from reversion.models import Revision, Version

from core import pagecache
from reviews import revisions, services
from reviews.models import Credit, FurtherReading, Person, PullQuote, RelatedFilm, Review
from reviews.tasks import forget_old_revisions
from tests.factories import film_form, review_form
from tests.inline_code import inline_code


def admin_url(obj, view, *args):
    return reverse(f"admin:reviews_{obj._meta.model_name}_{view}", args=[obj.pk, *args])


def form_of(review, **fields):
    """What the admin's form posts for this review as it stands, with ``fields`` changed."""
    values = {
        "headline": review.headline,
        "slug": review.slug,
        "status": review.status,
        "body": review.body,
        "tags": ", ".join(tag.name for tag in review.tags.all()),
        "rating": str(review.rating) if review.rating else "",
        "comments_open": "on",
    }
    if review.publish_at:
        local = timezone.localtime(review.publish_at)
        values["publish_at_0"] = local.strftime("%Y-%m-%d")
        values["publish_at_1"] = local.strftime("%H:%M:%S")
    return review_form(review.film, **{**values, **fields})


def inline_scripts(response):
    """What the admin's Content Security Policy (script-src 'self') would block."""
    found = inline_code(response.text).found
    return [item for item in found if "script" in item or "handler" in item]


def versions_of(obj):
    """The object's versions, newest first."""
    return list(Version.objects.get_for_object(obj).select_related("revision__user"))


@pytest.fixture
def edge_purges(monkeypatch):
    """The keys the edge caches are asked to drop."""
    purged = []
    monkeypatch.setattr(pagecache.edge, "purge", lambda keys: purged.extend(keys))
    return purged


@pytest.fixture
def review(make_review):
    review = make_review(headline="Late light", body="The first draft of the text.")
    review.tags.add("noir")
    PullQuote.objects.create(review=review, text="A quiet marvel.", attribution="The Times")
    FurtherReading.objects.create(review=review, title="An interview", url="https://example.com/")
    return review


def edit(client, review, **fields):
    response = client.post(admin_url(review, "change"), form_of(review, **fields))
    assert response.status_code == 302, response.context and response.context["errors"]
    review.refresh_from_db()
    return response


# Versions kept


def test_each_save_in_the_admin_keeps_a_version_with_who_and_what_changed(
    editor_client, editor, review
):
    edit(editor_client, review, body="A second thought on the film.", rating="3/4")

    (version,) = versions_of(review)
    assert version.revision.user == editor
    assert version.revision.comment == "Changed Body and rating."
    assert version.field_dict["body"] == "A second thought on the film."

    history = editor_client.get(admin_url(review, "history"))
    assertContains(history, "Changed Body and rating.")
    assertContains(history, "editor")


def test_a_new_review_and_a_new_film_keep_a_first_version(editor_client, make_film):
    film = make_film()
    response = editor_client.post(reverse("admin:reviews_review_add"), review_form(film))
    assert response.status_code == 302

    review = Review.objects.get(slug="a-quiet-triumph")
    (version,) = versions_of(review)
    assert version.revision.comment == "Added."

    editor_client.post(reverse("admin:reviews_film_add"), film_form())
    assert len(Version.objects.get_for_model(film.__class__)) == 1


def test_publishing_from_the_list_keeps_a_version_naming_the_editor(
    editor_client, editor, make_review
):
    draft = make_review(status=Review.Status.DRAFT)

    editor_client.post(
        reverse("admin:reviews_review_changelist"),
        {"action": "publish_now", "_selected_action": [draft.pk]},
    )

    (version,) = versions_of(draft)
    assert version.field_dict["status"] == Review.Status.PUBLISHED
    assert (version.revision.user, version.revision.comment) == (editor, "Published now.")


def test_publishing_outside_the_admin_keeps_a_version_too(make_review):
    draft = make_review(status=Review.Status.DRAFT)

    services.publish_now(draft)
    services.unpublish(draft)

    comments = [version.revision.comment for version in versions_of(draft)]
    assert comments == ["Unpublished (back to draft).", "Published now."]


# Compare


def test_an_editor_compares_two_versions_and_sees_the_body_changed(editor_client, review):
    edit(editor_client, review, body="The first draft of the text.")
    edit(editor_client, review, body="The final cut of the text.", headline="Late light, again")
    newer, older = versions_of(review)

    response = editor_client.get(
        admin_url(review, "compare"), {"version_id1": older.pk, "version_id2": newer.pk}
    )

    assert response.status_code == 200
    assertContains(response, "The fi<del>rst draf</del><ins>nal cu</ins>t of the text.")
    assertContains(response, "Late light, again")
    assert "body_html" not in response.text
    assert "<h3>film" not in response.text  # unchanged


def test_the_compare_page_shows_tags_and_pull_quotes_changed(editor_client, review):
    edit(editor_client, review)
    review.pull_quotes.update(text="A loud marvel.")
    edit(editor_client, review, tags="noir, western")
    newer, older = versions_of(review)

    response = editor_client.get(
        admin_url(review, "compare"), {"version_id1": older.pk, "version_id2": newer.pk}
    )

    assertContains(response, "<ins>+ noir, western</ins>", html=True)
    assertContains(response, "<del>A quiet marvel.</del>", html=True)
    assertContains(response, "<ins>A loud marvel.</ins>", html=True)
    assert inline_scripts(response) == []


def test_the_history_page_offers_two_versions_to_compare(editor_client, review):
    edit(editor_client, review, body="One.")
    edit(editor_client, review, body="Two.")

    response = editor_client.get(admin_url(review, "history"))

    assertContains(response, 'name="version_id1"')
    assertContains(response, 'action="../history/compare/"')
    assert inline_scripts(response) == []


# Restore


def test_restoring_a_version_makes_a_new_one_and_readers_see_the_old_text(
    editor_client, review, page_cache, edge_purges, committed
):
    with committed():
        edit(editor_client, review, body="What the critic first wrote.")
    with committed():
        edit(editor_client, review, body="A rewrite nobody liked.")
    reader = Client()
    assert "A rewrite nobody liked." in reader.get(review.get_absolute_url()).text
    assert reader.get(review.get_absolute_url())["X-Page-Cache"] == "hit"
    original = versions_of(review)[1]
    edge_purges.clear()

    revert_page = editor_client.get(admin_url(review, "revision", original.pk))
    assertContains(revert_page, "What the critic first wrote.")
    assert inline_scripts(revert_page) == []
    with committed():
        response = editor_client.post(
            admin_url(review, "revision", original.pk),
            form_of(review, body="What the critic first wrote."),
        )

    assert response.status_code == 302
    newest = versions_of(review)[0]
    assert newest.revision.comment.startswith("Reverted to previous version, saved on")
    assert len(versions_of(review)) == 3
    page = reader.get(review.get_absolute_url())
    assert page.get("X-Page-Cache") != "hit"
    assert "What the critic first wrote." in page.text
    assert "A rewrite nobody liked." not in page.text
    assert f"review:{review.pk}" in edge_purges


def test_a_version_restored_outside_the_admin_refreshes_what_readers_see(
    editor_client, review, page_cache, edge_purges, committed
):
    with committed():
        edit(editor_client, review, body="The words as published.")
    with committed():
        edit(editor_client, review, body="A regrettable edit.")
    reader = Client()
    reader.get(review.get_absolute_url())
    assert reader.get(review.get_absolute_url())["X-Page-Cache"] == "hit"
    edge_purges.clear()

    with committed():
        versions_of(review)[1].revision.revert(delete=True)

    page = reader.get(review.get_absolute_url())
    assert page.get("X-Page-Cache") != "hit"
    assert "The words as published." in page.text
    assert f"review:{review.pk}" in edge_purges


def test_viewing_an_old_version_changes_nothing(editor_client, review, page_cache, committed):
    edit(editor_client, review, body="Old words.")
    edit(editor_client, review, body="New words.")
    old = versions_of(review)[1]

    with committed() as callbacks:
        editor_client.get(admin_url(review, "revision", old.pk))

    review.refresh_from_db()
    assert review.body == "New words."
    assert len(versions_of(review)) == 2
    assert callbacks == []


def test_restoring_brings_back_pull_quotes_links_and_tags_as_they_were(editor_client, review):
    edit(editor_client, review)
    first = versions_of(review)[0]
    review.pull_quotes.all().delete()
    PullQuote.objects.create(review=review, text="Added later.")
    review.tags.set(["comedy"])
    review.further_reading.update(title="Renamed link")

    first.revision.revert(delete=True)

    assert [quote.text for quote in review.pull_quotes.all()] == ["A quiet marvel."]
    assert [link.title for link in review.further_reading.all()] == ["An interview"]
    assert [tag.name for tag in review.tags.all()] == ["noir"]


def test_restoring_a_film_brings_back_its_credits_and_related_films(editor_client, make_film):
    film, other, third = make_film(title="Ran"), make_film(), make_film()
    director = Person.objects.create(name="Akira Kurosawa", slug="akira-kurosawa")
    Credit.objects.create(film=film, person=director, role=Credit.Role.DIRECTOR)
    RelatedFilm.objects.create(film=film, related=other, position=1)
    film.tags.add("epic")
    response = editor_client.post(
        admin_url(film, "change"),
        film_form(title="Ran", year="1985", slug=film.slug, tags="epic"),
    )
    assert response.status_code == 302
    (version,) = versions_of(film)
    film.credits.all().delete()
    film.related_links.all().delete()
    RelatedFilm.objects.create(film=film, related=third)
    film.tags.set(["war"])

    version.revision.revert(delete=True)

    assert [credit.person for credit in film.credits.all()] == [director]
    assert [link.related for link in film.related_links.all()] == [other]
    assert [tag.name for tag in film.tags.all()] == ["epic"]
    assert Person.objects.filter(pk=director.pk).exists()


# Delete and recover


def test_deleting_a_review_asks_first(editor_client, review):
    response = editor_client.get(admin_url(review, "delete"))

    assertContains(response, "Are you sure")
    assert Review.objects.filter(pk=review.pk).exists()


def test_a_deleted_review_is_recovered_with_its_quotes_links_and_tags(editor_client, review):
    as_it_was = form_of(review)  # what the recover form shows, filled from the last version
    response = editor_client.post(admin_url(review, "delete"), {"post": "yes"})
    assert response.status_code == 302
    assert not Review.objects.filter(pk=review.pk).exists()

    recover_list = editor_client.get(reverse("admin:reviews_review_recoverlist"))
    assertContains(recover_list, "Late light")
    (deleted,) = Version.objects.get_deleted(Review)
    form = editor_client.get(reverse("admin:reviews_review_recover", args=[deleted.pk]))
    assertContains(form, "The first draft of the text.")
    assertContains(form, 'value="noir"')
    assertContains(form, "A quiet marvel.")
    assert inline_scripts(form) == [] and inline_scripts(recover_list) == []
    response = editor_client.post(
        reverse("admin:reviews_review_recover", args=[deleted.pk]), as_it_was
    )

    assert response.status_code == 302
    recovered = Review.objects.get(pk=review.pk)
    assert recovered.body == "The first draft of the text."
    assert [quote.text for quote in recovered.pull_quotes.all()] == ["A quiet marvel."]
    assert [link.title for link in recovered.further_reading.all()] == ["An interview"]
    assert [tag.name for tag in recovered.tags.all()] == ["noir"]
    assert Client().get(recovered.get_absolute_url()).status_code == 200


def test_reviews_deleted_together_from_the_list_can_each_be_recovered(editor_client, make_review):
    reviews = [make_review(headline="One to go"), make_review(headline="Another to go")]

    response = editor_client.post(
        reverse("admin:reviews_review_changelist"),
        {"action": "delete_selected", "_selected_action": [r.pk for r in reviews], "post": "yes"},
    )

    assert response.status_code == 302
    assert not Review.objects.filter(pk__in=[r.pk for r in reviews]).exists()
    recover_list = editor_client.get(reverse("admin:reviews_review_recoverlist"))
    assertContains(recover_list, "One to go")
    assertContains(recover_list, "Another to go")
    assert inline_scripts(recover_list) == []


def test_the_review_list_links_to_the_deleted_reviews(editor_client, review):
    response = editor_client.get(reverse("admin:reviews_review_changelist"))

    assertContains(response, reverse("admin:reviews_review_recoverlist"))


def age(obj, days):
    """Make every revision of ``obj`` this many days old."""
    Revision.objects.filter(version__object_id=str(obj.pk)).update(
        date_created=timezone.now() - timedelta(days=days)
    )


def save_versions(review, count):
    for n in range(count):
        with reversion.create_revision():
            review.body = f"Edit {n}."
            review.save()


def clean_up():
    """The scheduled clean-up, as the workers run it (settings.TASKS_SCHEDULE)."""
    forget_old_revisions.enqueue()


def test_the_clean_up_keeps_every_version_younger_than_thirty_days(editor_client, make_review):
    review = make_review(headline="Much edited")
    save_versions(review, revisions.KEEP_VERSIONS + 3)
    age(review, 29)
    deleted = make_review(headline="Deleted lately")
    editor_client.post(admin_url(deleted, "delete"), {"post": "yes"})
    age(deleted, 29)

    clean_up()

    assert len(versions_of(review)) == revisions.KEEP_VERSIONS + 3
    assert [v.object_repr for v in Version.objects.get_deleted(Review)] == ["Deleted lately"]


def test_the_clean_up_keeps_the_newest_versions_of_each_review_however_old(
    editor_client, make_review
):
    review = make_review(headline="Much edited")
    save_versions(review, revisions.KEEP_VERSIONS + 3)
    age(review, 400)
    deleted = make_review(headline="Deleted long ago")
    editor_client.post(admin_url(deleted, "delete"), {"post": "yes"})
    age(deleted, 400)

    clean_up()

    kept = versions_of(review)
    assert len(kept) == revisions.KEEP_VERSIONS
    assert kept[0].field_dict["body"] == f"Edit {revisions.KEEP_VERSIONS + 2}."
    assert [v.object_repr for v in Version.objects.get_deleted(Review)] == ["Deleted long ago"]


# Who may see the history


@pytest.mark.parametrize("view", ["history", "compare", "revision", "recoverlist", "recover"])
def test_a_moderator_cannot_see_the_history_of_reviews(
    client, moderator, editor_client, review, view
):
    edit(editor_client, review, body="One.")
    edit(editor_client, review, body="Two.")
    newer, older = versions_of(review)
    urls = {
        "history": (admin_url(review, "history"), {}),
        "compare": (
            admin_url(review, "compare"),
            {"version_id1": older.pk, "version_id2": newer.pk},
        ),
        "revision": (admin_url(review, "revision", older.pk), {}),
        "recoverlist": (reverse("admin:reviews_review_recoverlist"), {}),
        "recover": (reverse("admin:reviews_review_recover", args=[older.pk]), {}),
    }
    url, query = urls[view]
    moderating = Client()
    moderating.force_login(moderator)

    response = moderating.get(url, query)

    assert response.status_code == 403
    assert "Two." not in response.text and "One." not in response.text
