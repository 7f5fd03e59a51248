"""Recommendation refreshes coalesced: the films changes touch wait, and one sweep a little
later refreshes them all at once; no two sweeps refresh the same film together."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from reviews import changes, recommendations
from reviews.models import WaitingRefresh
from tests.task_queue import DUMMY_TASKS, TaskQueue


@pytest.fixture
def queue(settings):
    settings.TASKS = DUMMY_TASKS
    return TaskQueue()


@pytest.fixture
def refreshes(monkeypatch):
    """The film ids of each call of recommendations.refresh, in order."""
    calls = []
    monkeypatch.setattr(recommendations, "refresh", lambda ids: calls.append(set(ids)) or set())
    return calls


def saved(films, django_capture_on_commit_callbacks):
    """Each film saved in a transaction of its own, as editors' saves are."""
    for film in films:
        with django_capture_on_commit_callbacks(execute=True):
            film.save()


def test_a_burst_of_saves_makes_one_refresh_of_every_film_saved(
    queue, refreshes, make_film, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        films = [make_film() for _ in range(20)]
    queue.run()
    refreshes.clear()

    saved(films * 5, django_capture_on_commit_callbacks)  # 100 saves

    assert refreshes == []  # nothing yet: the sweep waits for the window to pass
    (sweep,) = queue.waiting(changes.refresh_waiting_films)
    assert sweep.task.run_after > sweep.enqueued_at
    queue.run()
    assert refreshes == [{film.pk for film in films}]
    assert not WaitingRefresh.objects.exists()


def test_where_tasks_run_at_once_each_commit_refreshes_at_once(
    refreshes, make_film, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        film, other = make_film(), make_film()
    refreshes.clear()

    saved([film, other], django_capture_on_commit_callbacks)

    assert refreshes == [{film.pk}, {other.pk}]
    assert not WaitingRefresh.objects.exists()


def test_a_second_sweep_takes_none_of_the_films_the_first_holds(db):
    WaitingRefresh.objects.note([1, 2])
    first = WaitingRefresh.objects.claim("first")
    WaitingRefresh.objects.note([2, 3])

    second = WaitingRefresh.objects.claim("second")

    assert (first, second) == ({1, 2}, {3})


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite lets one transaction write at a time"
)
@pytest.mark.django_db(transaction=True)
def test_sweeps_claiming_at_the_same_moment_share_no_film():
    WaitingRefresh.objects.note(range(1, 2001))
    start = threading.Barrier(4)
    claims = {}

    def claim(name):
        start.wait()
        try:
            claims[name] = WaitingRefresh.objects.claim(name)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(f"sweep {n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    taken = [film for films in claims.values() for film in films]
    assert len(taken) == len(set(taken)) == 2000


def test_a_film_changed_during_its_refresh_is_refreshed_again(queue, make_film, monkeypatch):
    film = make_film()
    queue.run()
    calls = []

    def refresh(film_ids):
        calls.append(set(film_ids))
        if len(calls) == 1:  # an editor's change commits while the refresh runs
            changes.refresh_recommendations(changes.Touched(films={film.pk}))
        return set()

    monkeypatch.setattr(recommendations, "refresh", refresh)

    changes.refresh_recommendations(changes.Touched(films={film.pk}))
    queue.run()

    assert calls == [{film.pk}, {film.pk}]
    assert not WaitingRefresh.objects.exists()


def test_films_held_by_a_sweep_that_died_are_taken_over(settings, queue, refreshes, db):
    WaitingRefresh.objects.note([7, 8])
    WaitingRefresh.objects.claim("died")
    long_ago = timezone.now() - timedelta(seconds=settings.RECOMMENDATIONS_CLAIM_SECONDS + 1)
    WaitingRefresh.objects.filter(film_id=7).update(claimed_at=long_ago)

    changes.refresh_waiting_films.enqueue()
    queue.run()

    assert refreshes == [{7}]
    assert list(WaitingRefresh.objects.values_list("film_id", "claimed_by")) == [(8, "died")]


def test_a_sweep_run_again_after_its_worker_was_killed_takes_back_its_films(queue, refreshes, db):
    WaitingRefresh.objects.note([5])
    changes.refresh_waiting_films.enqueue()
    (sweep,) = queue.waiting()
    WaitingRefresh.objects.claim(f"task {sweep.id}")  # the first run got this far

    queue.run_next()  # the worker's housekeeping runs the task again

    assert refreshes == [{5}]
    assert not WaitingRefresh.objects.exists()


def test_superusers_see_the_films_waiting_and_who_holds_them(admin_client, db):
    WaitingRefresh.objects.note([41])
    WaitingRefresh.objects.claim("web-1:123:abc")

    response = admin_client.get(reverse("admin:reviews_waitingrefresh_changelist"))

    assertContains(response, "web-1:123:abc")
    assertNotContains(response, "Add waiting refresh")
