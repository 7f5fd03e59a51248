"""Security headers: a Content Security Policy without inline script, and the rest.

The public pages run no inline script or style at all, so their policy allows neither;
the admin has a policy of its own that allows inline styles only. Production mode adds
HSTS and HTTPS-only, script-proof cookies.
"""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from comments.models import Comment
from config.settings import url_origin
from reviews.models import Person, Review
from tests.factories import image_upload
from tests.inline_code import inline_code

STRONG_KEY = "kq3!v9z@x7w#p2m$r8t^y6u&i4o*e1a(s5d)f0g-h_j+k=l;z:x,c.v/b?n"


def policy(response):
    """The Content-Security-Policy header as {directive: [sources]}."""
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


@pytest.fixture
def site(db):
    """The seed content: real reviews with images, pull quotes, tags, comments and credits."""
    call_command("seed", verbosity=0)
    review = Review.objects.published().filter(comments__status=Comment.Status.APPROVED).first()
    review.hero_image = image_upload(size=(1200, 800))
    review.hero_alt = "A still from the film"
    review.save()
    review.tags.add("dystopia", "boarding school")
    return review


def public_pages(review):
    film = review.film
    tag = review.tags.first()
    person = Person.objects.filter(credits__film=film).first()
    return {
        "home": reverse("reviews:home"),
        "review": review.get_absolute_url(),
        "film": film.get_absolute_url(),
        "films": reverse("reviews:films"),
        "person": person.get_absolute_url(),
        "tag": reverse("reviews:tag", kwargs={"slug": tag.slug}),
        "tags": reverse("reviews:tags"),
        "search": reverse("reviews:search") + "?q=clones",
        "feed": reverse("reviews:feed_rss"),
        "atom feed": reverse("reviews:feed_atom"),
        "not found": "/no-such-page/",
    }


def assert_public_policy(response, url):
    directives = policy(response)
    assert directives["script-src"] == ["'self'"], url
    assert directives["style-src"] == ["'self'"], url
    assert directives["default-src"] == ["'self'"], url
    assert directives["object-src"] == ["'none'"], url
    assert directives["base-uri"] == ["'self'"], url
    assert directives["form-action"] == ["'self'"], url
    assert directives["frame-ancestors"] == ["'none'"], url
    assert directives["img-src"] == ["'self'", "data:"], url
    assert "'unsafe-inline'" not in response["Content-Security-Policy"], url
    assert "'unsafe-eval'" not in response["Content-Security-Policy"], url


def assert_other_headers(response, url):
    assert response["X-Content-Type-Options"] == "nosniff", url
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin", url
    assert response["X-Frame-Options"] == "DENY", url


def test_every_public_page_carries_a_policy_without_inline_script(site, client):
    for name, url in public_pages(site).items():
        response = client.get(url)
        assert response.status_code == (404 if name == "not found" else 200), url
        assert_public_policy(response, url)
        assert_other_headers(response, url)


def test_public_pages_contain_no_inline_script_or_style(site, client):
    pages = {name: url for name, url in public_pages(site).items() if "feed" not in name}
    for name, url in pages.items():
        parsed = inline_code(client.get(url).text)
        assert parsed.found == [], f"{name} page {url}: {parsed.found}"
    # The JSON-LD blocks are data, not script: the policy need not allow them.
    assert inline_code(client.get(site.get_absolute_url()).text).json_ld >= 1


def test_a_review_page_with_a_pending_comment_and_a_form_error_has_no_inline_code(site):
    """The commenter's own view: a pending comment shown to them, then a form with errors."""
    reader = Client()
    page = reader.get(site.get_absolute_url())
    form = {
        "author_name": "Ann",
        "author_email": "ann@example.com",
        "body": "A first thought on the film.",
        "issued": _issued_from(page.text),
    }
    sent = reader.post(reverse("comments:post", args=[site.pk]), form)
    assert sent.status_code == 302
    assert Comment.objects.filter(body="A first thought on the film.").exists()
    again = reader.get(site.get_absolute_url())
    assert "A first thought on the film." in again.text
    assert inline_code(again.text).found == []
    refused = reader.post(reverse("comments:post", args=[site.pk]), {**form, "body": ""})
    assert refused.status_code == 400
    assert_public_policy(refused, "comment form with errors")
    assert inline_code(refused.text).found == []


def _issued_from(html):
    marker = 'name="issued" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def test_pages_served_from_the_page_cache_carry_the_same_headers(site, settings, empty_cache):
    settings.PAGE_CACHE_SECONDS = 600
    url = site.get_absolute_url()
    Client().get(url)
    served = Client().get(url)
    assert served["X-Page-Cache"] == "hit"
    assert_public_policy(served, url)
    assert_other_headers(served, url)


def test_the_admin_has_its_own_policy_inline_styles_but_never_inline_script(admin_client):
    for url in (
        reverse("admin:index"),
        reverse("admin:reviews_review_changelist"),
        reverse("admin:reviews_review_add"),
    ):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        directives = policy(response)
        assert directives["script-src"] == ["'self'"], url
        assert directives["style-src"] == ["'self'", "'unsafe-inline'"], url
        assert directives["frame-ancestors"] == ["'none'"], url
        assert directives["object-src"] == ["'none'"], url
        assert_other_headers(response, url)


def test_the_admin_sign_in_page_gets_the_admin_policy(client):
    response = client.get(reverse("admin:login"))
    assert policy(response)["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy(response)["script-src"] == ["'self'"]


def test_the_admin_pages_have_no_inline_script(admin_client, site):
    for url in (
        reverse("admin:index"),
        reverse("admin:reviews_review_changelist"),
        reverse("admin:reviews_review_change", args=[site.pk]),
        reverse("admin:comments_comment_changelist"),
        reverse("admin:reviews_film_change", args=[site.film_id]),
    ):
        parsed = inline_code(admin_client.get(url).text)
        scripts = [item for item in parsed.found if "script" in item or "handler" in item]
        assert scripts == [], f"{url}: {scripts}"


def test_images_from_a_media_host_elsewhere_are_allowed():
    assert url_origin("/media/") is None
    assert url_origin("https://media.example.com/uploads/") == "https://media.example.com"
    assert url_origin("http://127.0.0.1:9000/m/") == "http://127.0.0.1:9000"
    assert url_origin("//cdn.example.com/m/") == "https://cdn.example.com"
    directives = production_settings(MEDIA_URL="https://media.example.com/uploads/")
    assert directives["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["img-src"] == [
        "'self'",
        "data:",
        "https://media.example.com",
    ]


# Production mode, read from a fresh process as `PRODUCTION=1` configures it.

PRODUCTION_SETTINGS = [
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "X_FRAME_OPTIONS",
    "CONTENT_SECURITY_POLICY",
    "ADMIN_CONTENT_SECURITY_POLICY",
]


def production_settings(**env):
    environment = {
        **{k: v for k, v in os.environ.items() if k not in ("DEBUG", "MEDIA_URL")},
        "PRODUCTION": "1",
        "SECRET_KEY": STRONG_KEY,
        "ALLOWED_HOSTS": "reviews.example.com",
        "SECURE_SSL_REDIRECT": "",
        **env,
    }
    script = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{name: getattr(settings, name) for name in {PRODUCTION_SETTINGS!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=django_settings.BASE_DIR,
        env={**environment, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def production():
    return production_settings()


def test_production_mode_sets_hsts_and_https_only_script_proof_cookies(production):
    assert production["DEBUG"] is False
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SECURE_HSTS_SECONDS"] >= 365 * 24 * 60 * 60
    assert production["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production["SECURE_HSTS_PRELOAD"] is True
    for cookie in ("SESSION", "CSRF"):
        assert production[f"{cookie}_COOKIE_SECURE"] is True
        assert production[f"{cookie}_COOKIE_HTTPONLY"] is True
    assert production["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["script-src"] == ["'self'"]


def test_a_production_sign_in_sends_hsts_and_secure_http_only_cookies(
    production, settings, django_user_model
):
    """Production's settings applied here, then a real sign-in over HTTPS."""
    for name, value in production.items():
        setattr(settings, name, value)
    django_user_model.objects.create_superuser("chief", password="right-pass")
    browser = Client(enforce_csrf_checks=True)
    form = browser.get(reverse("admin:login"), secure=True)
    token = browser.cookies["csrftoken"].value
    signed_in = browser.post(
        reverse("admin:login"),
        {"username": "chief", "password": "right-pass", "csrfmiddlewaretoken": token},
        secure=True,
        HTTP_REFERER="https://testserver/admin/login/",
    )
    assert signed_in.status_code == 302, signed_in.content[:500]
    for response in (form, signed_in):
        hsts = response["Strict-Transport-Security"]
        assert hsts == "max-age=31536000; includeSubDomains; preload"
        assert_other_headers(response, "admin sign-in")
    for name in ("sessionid", "csrftoken"):
        cookie = browser.cookies[name]
        assert cookie["secure"] is True, name
        assert cookie["httponly"] is True, name
    assert browser.get("/", secure=False).status_code == 301  # plain HTTP goes to HTTPS


def test_deployment_checks_are_clean_with_these_headers():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=django_settings.BASE_DIR,
        env={
            **{k: v for k, v in os.environ.items() if k != "DEBUG"},
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PRODUCTION": "1",
            "SECRET_KEY": STRONG_KEY,
            "ALLOWED_HOSTS": "reviews.example.com",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout
