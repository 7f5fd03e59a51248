import pytest
from django.core.cache import cache
from django.core.management import call_command

from core import pagecache
from tests.factories import create_film, create_review, create_staff_user
from tests.task_queue import DUMMY_TASKS, TaskQueue


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("createcachetable", verbosity=0)


@pytest.fixture(autouse=True)
def media_root_per_test(settings, tmp_path):
    """Each test's uploads in a folder of its own, gone after the run.
    (How else the tests differ from the site: config/test_settings.py.)"""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def empty_cache(db):
    """The shared cache emptied before and after the test: it holds the page cache and the
    rate limits' counts, and no test may see what another left there. Requested after a
    fixture that builds data, it empties the cache once that data is built. Each process's
    own copies of pages and blocks go with it."""
    empty_caches()
    yield
    empty_caches()


def empty_caches():
    cache.clear()
    pagecache.local_pages.clear()
    pagecache.local_blocks.clear()


@pytest.fixture
def page_cache(settings, empty_cache):
    """The page cache on, as in production (it is off in tests unless asked for)."""
    settings.PAGE_CACHE_SECONDS = 600


@pytest.fixture
def make_film(db):
    return create_film


@pytest.fixture
def make_review(db):
    return create_review


@pytest.fixture
def editor(db):
    return create_staff_user("editor", "Editors")


@pytest.fixture
def moderator(db):
    return create_staff_user("moderator", "Moderators")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed():`` runs a change as a committed transaction, with its after-commit
    work (the test's own transaction never commits)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def task_queue(settings):
    """A task queue that keeps what is enqueued, as the database's does (tests/task_queue.py)."""
    settings.TASKS = DUMMY_TASKS
    return TaskQueue()
