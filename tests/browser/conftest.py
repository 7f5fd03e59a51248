"""The browser tests: Debian's Chromium, driven by Playwright, against a live test server
holding the seed content, an editor and a moderator.

Every test here is marked ``browser`` (``make test-browser``); ``make test`` leaves them out.
"""

import importlib
import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.core.management import call_command
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NODE_MODULES = Path(settings.BASE_DIR) / "node_modules"
AXE_SCRIPT = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"

EDITOR = ("editor", "editor-browser-pass")
MODERATOR = ("moderator", "moderator-browser-pass")

# The seed's pages every kind of reader reaches.
REVIEW = "/reviews/never-let-me-go-melissa/"
FILM = "/films/never-let-me-go-2010/"

# The groups' permissions, as their data migrations give them.
EDITOR_MODELS = importlib.import_module("reviews.migrations.0002_editors_group").EDITOR_MODELS
MODERATOR_MODELS = {"comments": ["comment"]}


@pytest.fixture(scope="package")
def browser():
    """Chromium, for the tests of this package; stopped after them, before other tests run."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not at {CHROMIUM}: apt-get install chromium (or set CHROMIUM)")
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as driver:
        # Playwright's sync API keeps an event loop running in the main thread while it is
        # started; Django would take the tests' synchronous ORM calls for async code.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = driver.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def ensure_group(name, models):
    """The group as its data migration made it; a transactional test's flush empties it."""
    group, _ = Group.objects.get_or_create(name=name)
    for app_label, model_names in models.items():
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label=app_label, content_type__model__in=model_names
            )
        )
    return group


def make_staff(django_user_model, credentials, group):
    username, password = credentials
    user = django_user_model.objects.create_user(username, password=password, is_staff=True)
    user.groups.add(group)
    return user


@pytest.fixture
def site(live_server, settings, django_user_model):
    """The live server's address, with the seed content, an editor and a moderator."""
    # A comment sent at once is not held as "too fast"; the tests are not bots.
    settings.COMMENTS_MIN_SECONDS = 0
    # The comments' rate limit counts in the cache, which outlives each test's database.
    cache.clear()
    call_command("seed", stdout=io.StringIO())
    make_staff(django_user_model, EDITOR, ensure_group("Editors", EDITOR_MODELS))
    make_staff(django_user_model, MODERATOR, ensure_group("Moderators", MODERATOR_MODELS))
    return live_server.url


@pytest.fixture
def new_page(browser, site):
    """Opens a page in a browser of its own (no cookies shared), at 1280 × 900 unless told."""
    contexts = []

    def open_page(width=1280, height=900, **options):
        context = browser.new_context(
            base_url=site, viewport={"width": width, "height": height}, **options
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def sign_in(page, credentials):
    """Signs in through the admin's own form and lands on the desk."""
    username, password = credentials
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Desk").wait_for()


def check_accessibility(page):
    """axe-core's serious and critical violations on the page, as readable lines.

    axe is injected as a script; the site's Content Security Policy would refuse it, so
    pages checked here come from a context opened with ``bypass_csp=True``: the test tool
    needs that, not the site.
    """
    if not AXE_SCRIPT.exists():
        pytest.fail(f"axe-core is missing ({AXE_SCRIPT}): run npm ci")
    page.add_script_tag(path=AXE_SCRIPT)
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['impact']}: {violation['id']} ({violation['help']}) at "
        + "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        for violation in results["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]


def check_html(paths):
    """The Nu HTML Checker's errors in the files, as readable lines (one JVM for all)."""
    if not VNU_JAR.exists():
        pytest.fail(f"The Nu HTML Checker is missing ({VNU_JAR}): run npm ci")
    java = shutil.which("java")
    if java is None:
        pytest.fail("java is needed for the Nu HTML Checker")
    result = subprocess.run(  # noqa: S603 - our own files, a fixed program
        [java, "-jar", str(VNU_JAR), "--format", "json", "--stdout", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )
    if not result.stdout.strip():
        pytest.fail(f"The Nu HTML Checker did not run:\n{result.stderr}")
    messages = json.loads(result.stdout)["messages"]
    return [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine', '?')}: {m['message']}"
        f" [{m.get('extract', '').strip()}]"
        for m in messages
        if m["type"] == "error" or m.get("subType") == "fatal"
    ]


def post_comment(page, body, name="Ada Reader", email="ada@example.com"):
    """Sends the comment form on the review open in the page, as a reader types it."""
    form = page.locator("#respond form")
    form.get_by_role("textbox", name="Comment", exact=True).fill(body)
    form.get_by_role("textbox", name="Name", exact=True).fill(name)
    form.get_by_role("textbox", name="Email", exact=True).fill(email)
    with page.expect_navigation():
        form.get_by_role("button", name="Post comment").click()
