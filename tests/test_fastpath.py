"""The edge's fragment requests answered before Django's middleware."""

import io

from django.core import signing

from comments.forms import TIMESTAMP_SALT
from config.wsgi import application
from core.fastpath import PersonalValues
from tests.page_tree import parse_html


def environ(path, method="GET"):
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
    }


def call(app, path, method="GET"):
    answered = {}

    def start_response(status, headers):
        answered.update(status=status, headers=dict(headers))

    body = b"".join(app(environ(path, method), start_response))
    return answered["status"], answered["headers"], body.decode()


def django_must_not_run(environ, start_response):
    raise AssertionError(f"Django was asked for {environ['PATH_INFO']}")


def test_the_form_stamp_fragment_is_answered_without_django(db):
    status, headers, body = call(PersonalValues(django_must_not_run), "/_personal/comments.issued/")

    assert status == "200 OK"
    assert headers["Cache-Control"] == "public, max-age=0, s-maxage=1"  # one second, at the edge
    (field,) = parse_html(body).find_all("input")
    assert (field.attrs["type"], field.attrs["name"]) == ("hidden", "issued")
    assert signing.loads(field.attrs["value"], salt=TIMESTAMP_SALT, max_age=60)


def test_everything_else_is_left_to_django(db):
    asked = []

    def django(environ, start_response):
        asked.append((environ["REQUEST_METHOD"], environ["PATH_INFO"]))
        start_response("404 Not Found", [])
        return [b""]

    layer = PersonalValues(django)
    for path in ("/_personal/unknown/", "/_personal/comments.issued", "/reviews/x/", "/"):
        call(layer, path)
    call(layer, "/_personal/comments.issued/", method="POST")

    assert asked == [
        ("GET", "/_personal/unknown/"),
        ("GET", "/_personal/comments.issued"),
        ("GET", "/reviews/x/"),
        ("GET", "/"),
        ("POST", "/_personal/comments.issued/"),
    ]


def test_the_site_answers_its_fragments_this_way(db):
    assert isinstance(application, PersonalValues)
    status, _, body = call(application, "/_personal/comments.issued/")
    assert status == "200 OK" and 'name="issued"' in body
