from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from reviews.forms import NOT_AN_IMAGE, TAGS_HELP
from reviews.models import Film, Person, RelatedFilm, Review
from reviews.ratings import RATING_HELP
from tests.factories import film_form, image_upload, management_form, review_form
from tests.form_errors import assert_refused_on

REVIEW_ADD = reverse("admin:reviews_review_add")
REVIEW_LIST = reverse("admin:reviews_review_changelist")
FILM_ADD = reverse("admin:reviews_film_add")
FILM_LIST = reverse("admin:reviews_film_changelist")


class _TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def parse_tags(html):
    """Every element's ``(tag, attributes)`` in the HTML, as a browser would read them."""
    parser = _TagCollector()
    parser.feed(html)
    return parser.tags


def change_url(obj):
    return reverse(f"admin:reviews_{obj._meta.model_name}_change", args=[obj.pk])


# The review list


def test_review_list_shows_rating_status_byline_and_linked_film(
    editor_client, make_review, make_film
):
    film = make_film(title="Late Spring", year=1949)
    soon = timezone.now() + timedelta(days=2)
    make_review(
        film=film,
        headline="Father and daughter",
        status=Review.Status.SCHEDULED,
        publish_at=soon,
        rating_value=Decimal("3"),
        rating_best=4,
    )
    make_review(headline="Still drafting", status=Review.Status.DRAFT, byline="Ann Critic")

    response = editor_client.get(REVIEW_LIST)

    when = date_format(timezone.localtime(soon), "j M Y, H:i")
    assertContains(response, '<td class="field-rating_display">3/4</td>', html=True)
    assertContains(
        response, f'<td class="field-status_display">Scheduled for {when}</td>', html=True
    )
    assertContains(response, '<td class="field-status_display">Draft</td>', html=True)
    assertContains(
        response,
        f'<td class="field-film_link"><a href="{change_url(film)}">Late Spring (1949)</a></td>',
        html=True,
    )
    assertContains(response, '<td class="field-byline_display">unknown</td>', html=True)
    assertContains(response, '<td class="field-byline_display">Ann Critic</td>', html=True)


def test_unrated_review_shows_a_dash_for_its_rating(editor_client, make_review):
    make_review()

    response = editor_client.get(REVIEW_LIST)

    assertContains(response, '<td class="field-rating_display">-</td>', html=True)


def test_review_list_shows_a_thumbnail_of_the_hero_image(editor_client, make_review):
    review = make_review(hero_image=image_upload(), hero_alt="A train at dusk")

    response = editor_client.get(REVIEW_LIST)

    assertContains(response, f'<img src="{review.hero_image.url}" alt="A train at dusk"', count=1)


def test_review_search_finds_reviews_by_film_title(editor_client, make_review, make_film):
    make_review(film=make_film(title="Tokyo Story"), headline="Parents visit the city")
    make_review(film=make_film(title="Stalker"), headline="The Zone")

    response = editor_client.get(REVIEW_LIST, {"q": "tokyo"})

    assertContains(response, "Parents visit the city")
    assertNotContains(response, "The Zone")


def test_status_filter_means_what_readers_see(editor_client, make_review):
    now = timezone.now()
    make_review(headline="Out now", publish_at=now - timedelta(days=1))
    make_review(
        headline="Its time has come",
        status=Review.Status.SCHEDULED,
        publish_at=now - timedelta(hours=1),
    )
    make_review(
        headline="Next week", status=Review.Status.SCHEDULED, publish_at=now + timedelta(days=7)
    )
    make_review(headline="Published for tomorrow", publish_at=now + timedelta(days=1))
    make_review(headline="Unfinished", status=Review.Status.DRAFT)

    def listed(status):
        response = editor_client.get(REVIEW_LIST, {"status": status})
        return {review.headline for review in response.context["cl"].result_list}

    assert listed("scheduled") == {"Next week", "Published for tomorrow"}
    assert listed("published") == {"Out now", "Its time has come"}
    assert listed("draft") == {"Unfinished"}


def test_review_list_queries_do_not_grow_with_reviews(
    editor_client, make_review, make_film, django_assert_max_num_queries
):
    for n in range(20):
        review = make_review(film=make_film(), rating_value=Decimal(n % 5), rating_best=4)
        review.tags.add(f"tag-{n % 3}")

    editor_client.get(REVIEW_LIST)  # content types are cached after the first request

    with django_assert_max_num_queries(12):
        response = editor_client.get(REVIEW_LIST)

    assert len(response.context["cl"].result_list) == 20


# Actions


def test_publish_now_publishes_drafts_and_scheduled_reviews_and_reports_how_many(
    editor_client, make_review
):
    now = timezone.now()
    last_week = now - timedelta(days=7)
    draft = make_review(status=Review.Status.DRAFT)
    scheduled = make_review(status=Review.Status.SCHEDULED, publish_at=now + timedelta(days=3))
    published = make_review(publish_at=last_week)

    response = editor_client.post(
        REVIEW_LIST,
        {"action": "publish_now", "_selected_action": [draft.pk, scheduled.pk, published.pk]},
        follow=True,
    )

    assertContains(response, "Published 2 reviews. 1 was already published.")
    for review in (draft, scheduled, published):
        review.refresh_from_db()
        assert review.status == Review.Status.PUBLISHED
        assert review.is_published
    assert now <= draft.publish_at <= timezone.now()
    assert now <= scheduled.publish_at <= timezone.now()
    assert published.publish_at == last_week
    assert LogEntry.objects.filter(change_message="Published now.").count() == 2


def test_unpublish_moves_reviews_back_to_draft_and_reports_how_many(editor_client, make_review):
    published = make_review()
    scheduled = make_review(
        status=Review.Status.SCHEDULED, publish_at=timezone.now() + timedelta(days=1)
    )
    draft = make_review(status=Review.Status.DRAFT)

    response = editor_client.post(
        REVIEW_LIST,
        {"action": "unpublish", "_selected_action": [published.pk, scheduled.pk, draft.pk]},
        follow=True,
    )

    assertContains(response, "Moved 2 reviews back to draft. 1 was already a draft.")
    assert set(Review.objects.values_list("status", flat=True)) == {Review.Status.DRAFT}
    assert not Review.objects.published().exists()


# Mistakes the review form refuses, on the field, keeping what the editor typed


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("4.5", RATING_HELP),
        ("abc", RATING_HELP),
        ("5/4", f"5/4 is more than the best possible rating, 4/4. {RATING_HELP}"),
        ("4.3/5", "A rating is a whole number or a half, such as 4/5 or 4.5/5; not 4.3/5."),
        ("0/0", f"The best possible rating, after the /, is from 1 to 100. {RATING_HELP}"),
        ("3/101", f"The best possible rating, after the /, is from 1 to 100. {RATING_HELP}"),
    ],
)
def test_a_rating_that_cannot_be_read_is_refused_on_the_rating_keeping_what_was_typed(
    editor_client, make_film, typed, message
):
    response = editor_client.post(
        REVIEW_ADD,
        review_form(
            make_film(), headline="Typed in a hurry", body="An **overwhelming** film.", rating=typed
        ),
    )

    assert_refused_on(response, "rating", message)
    assertContains(response, f'name="rating" value="{typed}"')
    assertContains(response, 'value="Typed in a hurry"')
    assertContains(response, "An **overwhelming** film.")
    assert not Review.objects.exists()


def test_a_text_file_named_jpg_is_refused_on_the_image_field(editor_client, make_film):
    script = SimpleUploadedFile(
        "still.jpg", b"<?php system($_GET['c']); ?>", content_type="image/jpeg"
    )

    response = editor_client.post(
        REVIEW_ADD, review_form(make_film(), hero_image=script, hero_alt="A still")
    )

    assert_refused_on(response, "hero_image", NOT_AN_IMAGE)
    assertContains(response, 'value="A quiet triumph of the everyday"')
    assert not Review.objects.exists()


def test_an_image_over_the_size_limit_is_refused_on_the_image_field(
    editor_client, make_film, settings
):
    settings.IMAGE_MAX_UPLOAD_BYTES = 100
    upload = image_upload(size=(200, 200))
    assert upload.size > 100

    response = editor_client.post(
        REVIEW_ADD, review_form(make_film(), hero_image=upload, hero_alt="A still")
    )

    assert_refused_on(
        response,
        "hero_image",
        f"This file is {filesizeformat(upload.size)}; images may be at most 100\xa0bytes.",
    )
    assertContains(response, 'value="A quiet triumph of the everyday"')
    assert not Review.objects.exists()


def test_an_image_without_alt_text_is_refused_on_the_alt_text(editor_client, make_film):
    response = editor_client.post(REVIEW_ADD, review_form(make_film(), hero_image=image_upload()))

    assert_refused_on(response, "hero_alt", "Describe the image for readers who cannot see it.")


def test_a_slug_already_used_is_refused_on_the_slug(editor_client, make_film, make_review):
    make_review(slug="a-quiet-triumph")

    response = editor_client.post(REVIEW_ADD, review_form(make_film(), body="Typed again."))

    assert_refused_on(response, "slug", "Review with this Slug already exists.")
    assertContains(response, "Typed again.")
    assert Review.objects.count() == 1


def test_scheduling_without_a_time_is_refused_on_the_time(editor_client, make_film):
    response = editor_client.post(
        REVIEW_ADD, review_form(make_film(), status=Review.Status.SCHEDULED)
    )

    assert_refused_on(
        response, "publish_at", "A scheduled review needs the time it will be published."
    )


# Writing reviews


def test_editor_creates_a_review_with_a_half_star_rating(editor_client, make_film):
    film = make_film(title="Paterson")
    mentioned = make_film(title="Down by Law")
    data = review_form(
        film,
        rating="4.5/5",
        tags="poetry, small town",
        mentioned_films=[mentioned.pk],
        **management_form("pull_quotes", total=1),
        **management_form("further_reading", total=2),
    )
    data.update(
        {
            "pull_quotes-0-text": "A week in the life of a poet who drives a bus.",
            "pull_quotes-0-attribution": "",
            "pull_quotes-0-position": "0",
            "further_reading-0-title": "The poems",
            "further_reading-0-url": "https://example.com/poems",
            "further_reading-0-position": "2",
            "further_reading-1-title": "An interview",
            "further_reading-1-url": "",
            "further_reading-1-position": "1",
        }
    )

    response = editor_client.post(REVIEW_ADD, data)

    review = Review.objects.get()
    assertRedirects(response, REVIEW_LIST)
    assert review.film == film
    assert review.rating_value == Decimal("4.5")
    assert review.rating_best == 5
    assert review.rating_step == Review.RatingStep.HALF
    assert review.rating.short == "4.5/5"
    assert review.rating_normalised == pytest.approx(90.0)
    assert review.status == Review.Status.DRAFT
    assert list(review.mentioned_films.all()) == [mentioned]
    assert sorted(review.tags.names()) == ["poetry", "small town"]
    assert [quote.text for quote in review.pull_quotes.all()] == [
        "A week in the life of a poet who drives a bus."
    ]
    assert [link.title for link in review.further_reading.all()] == ["An interview", "The poems"]


@pytest.mark.parametrize(
    ("typed", "value", "best", "step"),
    [
        ("3/4", "3", 4, Review.RatingStep.WHOLE),
        ("8/10", "8", 10, Review.RatingStep.WHOLE),
        ("72/100", "72", 100, Review.RatingStep.WHOLE),
        ("3.5 / 4", "3.5", 4, Review.RatingStep.HALF),
        ("4,5/5", "4.5", 5, Review.RatingStep.HALF),
        ("3 out of 4", "3", 4, Review.RatingStep.WHOLE),
    ],
)
def test_editor_types_the_rating_as_the_critic_gave_it_in_one_box(
    editor_client, make_film, typed, value, best, step
):
    response = editor_client.post(REVIEW_ADD, review_form(make_film(), rating=typed))

    assertRedirects(response, REVIEW_LIST)
    review = Review.objects.get()
    assert (review.rating_value, review.rating_best, review.rating_step) == (
        Decimal(value),
        best,
        step,
    )


def test_a_review_without_a_rating_leaves_the_box_empty(editor_client, make_film):
    editor_client.post(REVIEW_ADD, review_form(make_film(), rating="  "))

    review = Review.objects.get()
    assert (review.rating, review.rating_value, review.rating_best) == (None, None, None)


def test_the_review_form_has_one_box_for_the_rating(editor_client):
    response = editor_client.get(REVIEW_ADD)

    names = {attrs.get("name") for tag, attrs in parse_tags(response.text) if tag == "input"}
    assert "rating" in names
    assert not names & {"rating_value", "rating_best", "rating_step"}
    assertContains(response, "such as 3/4, 4.5/5, 8/10 or 72/100")


def test_editing_a_review_shows_its_rating_as_typed_and_keeps_it(
    editor_client, make_review, make_film
):
    review = make_review(rating_value=Decimal("4.5"), rating_best=5, rating_step="0.5")

    response = editor_client.get(change_url(review))

    assertContains(response, 'name="rating" value="4.5/5"')
    form = review_form(review.film, slug=review.slug, rating="4.5/5")
    assertRedirects(editor_client.post(change_url(review), form), REVIEW_LIST)
    assert Review.objects.get().rating.short == "4.5/5"
    assert not LogEntry.objects.filter(change_message__contains="Rating").exists()


def test_editor_changes_or_clears_a_rating(editor_client, make_review):
    review = make_review(rating_value=Decimal("3"), rating_best=4)

    editor_client.post(
        change_url(review), review_form(review.film, slug=review.slug, rating="8/10")
    )
    review.refresh_from_db()
    assert (review.rating.short, review.rating_step) == ("8/10", Review.RatingStep.WHOLE)

    editor_client.post(change_url(review), review_form(review.film, slug=review.slug, rating=""))
    review.refresh_from_db()
    assert (review.rating_value, review.rating_best) == (None, None)


def test_publishing_without_a_time_publishes_now(editor_client, make_film):
    before = timezone.now()

    editor_client.post(REVIEW_ADD, review_form(make_film(), status=Review.Status.PUBLISHED))

    review = Review.objects.get()
    assert review.is_published
    assert before <= review.publish_at <= timezone.now()


def test_script_in_a_markdown_body_is_stored_inert(editor_client, make_film):
    body = (
        "## Verdict\n\n"
        "<script>alert('body')</script>\n\n"
        '<img src="x.png" onerror="alert(1)"> <img src="javascript:alert(2)">\n\n'
        "[Read more](javascript:alert(3)) and [more](<javascript:alert(4)>) and "
        '<a href="javascript:alert(5)" onclick="alert(6)">this</a> and '
        '<a href="https://example.com/" onmouseover="alert(7)">that</a>.'
    )

    editor_client.post(REVIEW_ADD, review_form(make_film(), body=body))

    tags = parse_tags(Review.objects.get().body_html)
    assert ("h2", {"id": "verdict"}) in tags
    assert ("a", {"href": "https://example.com/", "rel": "noopener"}) in tags
    assert "script" not in {tag for tag, _ in tags}
    attributes = [(name, value) for _, attrs in tags for name, value in attrs.items()]
    assert not [name for name, _ in attributes if name.startswith("on")]
    assert not [value for _, value in attributes if "javascript" in (value or "").lower()]


def test_review_form_explains_tags_and_markdown(editor_client):
    response = editor_client.get(REVIEW_ADD)

    assertContains(response, "## for section headings")
    assertContains(response, "Separate tags with commas")
    assert response.context["adminform"].form.fields["tags"].help_text == TAGS_HELP


def test_view_on_site_opens_a_draft_at_its_public_address(editor_client, make_review):
    draft = make_review(status=Review.Status.DRAFT, slug="unfinished-business")

    response = editor_client.get(change_url(draft))
    link = reverse("admin:view_on_site", args=[response.context["content_type_id"], draft.pk])

    assertContains(response, f'<a href="{link}" class="viewsitelink">View on site</a>', html=True)
    redirect = editor_client.get(link)
    assert redirect.url.endswith("/reviews/unfinished-business/")


# Films and people


def test_film_list_shows_review_count_and_published_rating(
    editor_client, make_film, make_review, django_assert_max_num_queries
):
    film = make_film(title="Ikiru")
    make_review(film=film, rating_value=Decimal("4"), rating_best=4)
    make_review(film=film, rating_value=Decimal("3"), rating_best=5)
    make_review(film=film, status=Review.Status.DRAFT, rating_value=Decimal("1"), rating_best=4)
    make_film(title="Not yet reviewed")
    for _ in range(18):
        make_review(rating_value=Decimal("2"), rating_best=4)

    editor_client.get(FILM_LIST)  # content types are cached after the first request

    with django_assert_max_num_queries(9):
        response = editor_client.get(FILM_LIST)

    ikiru = next(f for f in response.context["cl"].result_list if f.title == "Ikiru")
    assert (ikiru.review_count, ikiru.rating_count) == (3, 2)
    assertContains(response, '<td class="field-review_count">3</td>', html=True)
    assertContains(response, '<td class="field-rating_summary">80 from 2 reviews</td>', html=True)


def test_film_search_finds_films_by_a_person_in_the_credits(editor_client, make_film):
    film = make_film(title="Ugetsu")
    person = Person.objects.create(name="Kinuyo Tanaka", slug="kinuyo-tanaka")
    film.credits.create(person=person, role="cast", character="Miyagi")
    film.credits.create(person=person, role="director")
    make_film(title="Rashomon")

    response = editor_client.get(FILM_LIST, {"q": "tanaka"})

    assert [f.title for f in response.context["cl"].result_list] == ["Ugetsu"]


def test_decade_filter_lists_films_of_that_decade(editor_client, make_film):
    make_film(title="Tokyo Story", year=1953)
    make_film(title="Floating Weeds", year=1959)
    make_film(title="Late Autumn", year=1960)

    response = editor_client.get(FILM_LIST, {"decade": "1950"})

    assert {f.title for f in response.context["cl"].result_list} == {
        "Tokyo Story",
        "Floating Weeds",
    }
    assertContains(response, "1950s")
    assertContains(response, '<a href="?decade=1950&amp;year=1953">1953</a>', html=True)


def test_editor_creates_a_film_with_credits_and_a_related_film(editor_client, make_film):
    person = Person.objects.create(name="Yasujirō Ozu", slug="yasujiro-ozu")
    earlier = make_film(title="Late Spring", year=1949, slug="late-spring")
    data = film_form(
        title="Early Summer",
        year="1951",
        slug="early-summer-1951",
        poster=image_upload("poster.jpg", image_format="JPEG"),
        **management_form("credits", total=1),
        **management_form("related_links", total=1),
    )
    data.update(
        {
            "credits-0-person": str(person.pk),
            "credits-0-role": "director",
            "credits-0-character": "",
            "credits-0-position": "0",
            "related_links-0-related": str(earlier.pk),
            "related_links-0-position": "0",
        }
    )

    response = editor_client.post(FILM_ADD, data)

    assertRedirects(response, FILM_LIST)
    film = Film.objects.get(slug="early-summer-1951")
    assert [(c.person, c.role) for c in film.credits.all()] == [(person, "director")]
    assert list(film.related_films.all()) == [earlier]
    assert (film.poster_width, film.poster_height) == (64, 48)


def test_related_films_added_without_positions_keep_the_order_they_were_added_in(
    editor_client, make_film
):
    film = make_film(title="Tokyo Story", year=1953, slug="tokyo-story")
    first, second, third = (
        make_film(title=t) for t in ["Late Spring", "Early Summer", "Floating Weeds"]
    )
    RelatedFilm.objects.create(film=film, related=first)
    data = film_form(title="Tokyo Story", year="1953", slug="tokyo-story")
    data.update(
        {
            **management_form("related_links", total=2),
            "related_links-0-related": str(second.pk),
            "related_links-0-position": "0",
            "related_links-1-related": str(third.pk),
            "related_links-1-position": "0",
        }
    )

    editor_client.post(change_url(film), data)

    assert [link.related for link in film.related_links.all()] == [first, second, third]
    positions = RelatedFilm.objects.filter(film=film).values_list("position", flat=True)
    assert sorted(positions) == [1, 2, 3]


def test_a_film_recommended_after_itself_is_refused_on_the_related_film(editor_client, make_film):
    film = make_film(title="Stalker", year=1979, slug="stalker")
    data = film_form(title="Stalker", year="1979", slug="stalker")
    data.update(
        {
            **management_form("related_links", total=1),
            "related_links-0-related": str(film.pk),
            "related_links-0-position": "0",
        }
    )

    response = editor_client.post(change_url(film), data)

    [formset] = [
        f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "related_links"
    ]
    assert formset.formset.errors == [{"related": ["A film cannot be recommended after itself."]}]
    assert not RelatedFilm.objects.exists()


def test_a_poster_that_is_not_an_image_is_refused_on_the_poster(editor_client):
    fake = SimpleUploadedFile("poster.jpg", b"GIF89a but not really", content_type="image/jpeg")

    response = editor_client.post(FILM_ADD, film_form(poster=fake))

    assert_refused_on(response, "poster", NOT_AN_IMAGE)
    assertContains(response, 'value="Late Spring"')


def test_a_film_slug_already_used_is_refused_on_the_slug(editor_client, make_film):
    make_film(slug="late-spring-1949")

    response = editor_client.post(FILM_ADD, film_form())

    assert_refused_on(response, "slug", "Film with this Slug already exists.")


def test_person_list_shows_how_many_films_each_person_worked_on(editor_client, make_film):
    person = Person.objects.create(name="Setsuko Hara", slug="setsuko-hara")
    for film in (make_film(), make_film()):
        film.credits.create(person=person, role="cast", character="Noriko")
    film.credits.create(person=person, role="producer")

    response = editor_client.get(reverse("admin:reviews_person_changelist"))

    assertContains(response, '<td class="field-film_count">2</td>', html=True)


def test_film_list_shows_the_smallest_rendition_of_a_large_poster(editor_client, make_film):
    film = make_film(poster=image_upload("poster.png", size=(600, 900)))
    film.refresh_from_db()  # its renditions are made by a task, run at once in the tests
    [rendition] = film.poster_renditions

    response = editor_client.get(FILM_LIST)

    assertContains(response, f'<img src="/media/{rendition["name"]}"')
    assertNotContains(response, f'src="{film.poster.url}"')


def test_film_page_shows_the_current_poster(editor_client, make_film):
    film = make_film(poster=image_upload("poster.png"))

    response = editor_client.get(change_url(film))

    assertContains(response, f'<img src="{film.poster.url}" alt="Poster of {film}"')


def test_person_autocomplete_finds_people_by_name(editor_client):
    Person.objects.create(name="Setsuko Hara", slug="setsuko-hara")
    Person.objects.create(name="Chishū Ryū", slug="chishu-ryu")

    response = editor_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "hara",
            "app_label": "reviews",
            "model_name": "credit",
            "field_name": "person",
        },
    )

    assert [r["text"] for r in response.json()["results"]] == ["Setsuko Hara"]


# Who may do what


def test_moderator_cannot_open_or_change_a_review(client, moderator, make_review):
    review = make_review(headline="As written")
    client.force_login(moderator)

    opened = client.get(change_url(review))
    posted = client.post(
        change_url(review), review_form(review.film, headline="Rewritten", slug=review.slug)
    )

    assert opened.status_code == posted.status_code == 403
    assertNotContains(opened, "As written", status_code=403)
    review.refresh_from_db()
    assert review.headline == "As written"


@pytest.mark.parametrize("page", ["index", "review"])
def test_anonymous_visitor_is_sent_to_the_login_page(client, make_review, page):
    url = reverse("admin:index") if page == "index" else change_url(make_review())

    response = client.get(url)

    assertRedirects(response, f"{reverse('admin:login')}?next={url}")
