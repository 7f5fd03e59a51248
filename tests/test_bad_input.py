"""Input the database cannot hold is refused with a 400 page that says what is wrong.

A null character (\\x00) cannot be stored in a PostgreSQL text column nor compared with
one, so a request carrying it anywhere (the address, a query parameter, a form field, an
uploaded file's name) is answered with the site's "bad request" page before any view
runs, on SQLite and PostgreSQL alike. The 503 "back in a moment" page is kept for a
database that does not answer; a query the database refuses is a server error, 500.
"""

import time

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DataError, InterfaceError, OperationalError
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils.datastructures import MultiValueDict

from comments.forms import TIMESTAMP_SALT
from comments.models import Comment
from core.badinput import RefuseNullCharactersMiddleware
from core.views import server_error
from tests.factories import film_form
from tests.page_tree import parse_html

NUL = "\x00"


@pytest.fixture
def browser():
    """A reader's browser; a server error is a response here, not an exception."""
    return Client(raise_request_exception=False)


@pytest.fixture
def desk(editor):
    client = Client(raise_request_exception=False)
    client.force_login(editor)
    return client


def bad_request_page(response):
    """The 400 page, in the site's design: its heading and its explanation."""
    assert response.status_code == 400, response.content[:300]
    page = parse_html(response.content.decode())
    assert page.find("header", class_="site-header") is not None
    return page.find("h1").text, page.find(class_="bad-request__problem").text


def test_a_null_character_in_the_admins_film_autocomplete_is_a_bad_request(desk, make_film):
    make_film(title="Late Spring")
    query = {
        "term": f"a{NUL}b",
        "app_label": "reviews",
        "model_name": "review",
        "field_name": "film",
    }

    response = desk.get(reverse("admin:autocomplete"), query)

    heading, problem = bad_request_page(response)
    assert heading == "This request cannot be read"
    assert problem == "“term” holds a null character (\\0), which no field may hold."


def test_a_null_character_in_the_search_box_is_a_bad_request(browser):
    response = browser.get(reverse("reviews:search"), {"q": f"noir{NUL}"})

    heading, problem = bad_request_page(response)
    assert problem == "“q” holds a null character (\\0), which no field may hold."


def test_a_null_character_in_a_comment_is_a_bad_request_and_nothing_is_stored(browser, make_review):
    review = make_review()
    data = {
        "author_name": "Reader",
        "author_email": "reader@example.com",
        "author_url": "",
        "body": f"Fine{NUL} film.",
        "issued": signing.dumps(time.time() - 60, salt=TIMESTAMP_SALT),
        "parent": "",
        "nickname": "",
    }

    response = browser.post(reverse("comments:post", args=[review.pk]), data)

    heading, problem = bad_request_page(response)
    assert problem == "“body” holds a null character (\\0), which no field may hold."
    assert not Comment.objects.exists()


def test_a_null_character_in_an_admin_change_form_is_a_bad_request_and_nothing_changes(
    desk, make_film
):
    film = make_film(title="Late Spring", year=1949, slug="late-spring")
    data = film_form(title=f"Late{NUL} Spring", slug="late-spring")

    response = desk.post(reverse("admin:reviews_film_change", args=[film.pk]), data)

    heading, problem = bad_request_page(response)
    assert problem == "“title” holds a null character (\\0), which no field may hold."
    film.refresh_from_db()
    assert film.title == "Late Spring"


def test_a_null_character_in_a_parameters_name_is_a_bad_request(browser):
    response = browser.get(f"{reverse('reviews:search')}?q=noir&pa%00ge=2")

    heading, problem = bad_request_page(response)
    assert problem == "“pa\\0ge” holds a null character (\\0), which no field may hold."


def test_a_null_character_in_the_address_is_a_bad_request(browser):
    response = browser.get("/films/late%00spring/")

    heading, problem = bad_request_page(response)
    assert problem == "The web address holds a null character (\\0), which no address may hold."


def test_a_null_character_in_an_uploaded_files_name_is_a_bad_request():
    # Django's own multipart parser drops such characters from names; any other upload
    # handler that keeps them is refused as well.
    request = RequestFactory().post("/admin/reviews/film/add/", {"title": "Late Spring"})
    assert request.POST["title"] == "Late Spring"  # the form is read, then its files replaced
    request._files = MultiValueDict({"poster": [SimpleUploadedFile(f"still{NUL}.png", b"")]})

    response = RefuseNullCharactersMiddleware(lambda request: HttpResponse("saved"))(request)

    heading, problem = bad_request_page(response)
    assert problem == "“still\\0.png” holds a null character (\\0), which no file name may hold."


def test_a_null_character_in_the_admins_list_search_is_a_bad_request(desk, make_film):
    make_film(title="Late Spring")

    response = desk.get(reverse("admin:reviews_film_changelist"), {"q": f"Late{NUL}"})

    heading, problem = bad_request_page(response)
    assert problem == "“q” holds a null character (\\0), which no field may hold."


def test_a_request_without_null_characters_is_served_as_usual(browser, make_film):
    film = make_film(title="Late Spring")

    response = browser.get(reverse("reviews:search"), {"q": "Late Spring"})

    assert response.status_code == 200
    assert film.title in response.content.decode()


# Only a database that does not answer is an outage.


def error_page(error):
    try:
        raise error
    except type(error):
        response = server_error(RequestFactory().get("/"))
    return response.status_code, parse_html(response.content.decode()).find("h1").text


@pytest.mark.parametrize(
    "error",
    [OperationalError("connection refused"), InterfaceError("connection already closed")],
    ids=["operational", "interface"],
)
def test_a_database_that_does_not_answer_gives_the_outage_page(error):
    assert error_page(error) == (503, "We will be back in a moment")


def test_a_query_the_database_refuses_is_a_server_error_not_an_outage():
    error = DataError("A string literal cannot contain NUL (0x00) characters.")
    assert error_page(error) == (500, "Something went wrong on our side")
