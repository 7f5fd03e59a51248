"""The admin sign-in resists password guessing (django-axes) and reports it.

Five wrong passwords for one account from one address lock that account out from that
address for a while, the right password included; other addresses and other accounts are
not affected. Failures and lockouts are logged and kept for superusers to see in the admin.
"""

import logging
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.inline_code import inline_code

PASSWORD = "the-right-password-7"
HOME = "10.0.0.1"
ELSEWHERE = "10.0.0.2"


@pytest.fixture
def editor_account(editor):
    editor.set_password(PASSWORD)
    editor.save()
    return editor


def sign_in(username, password, address=HOME, client=None, **headers):
    client = client or Client()
    response = client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=address,
        **headers,
    )
    return client, response


def signed_in(client):
    return SESSION_KEY in client.session


def fail(times, username="editor", address=HOME, **headers):
    responses = [sign_in(username, "wrong-guess", address, **headers)[1] for _ in range(times)]
    return responses[-1]


def test_wrong_passwords_below_the_limit_only_show_the_form_again(editor_account):
    response = fail(4)
    assert response.status_code == 200
    assert "Please enter the correct username and password" in response.text
    client, response = sign_in("editor", PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)


def test_the_fifth_wrong_password_locks_the_account_out_from_that_address(editor_account):
    response = fail(5)
    assert response.status_code == 429
    assert "Signing in is paused" in response.text
    client, response = sign_in("editor", PASSWORD)
    assert response.status_code == 429
    assert not signed_in(client)


def test_the_lockout_page_says_when_to_try_again_in_the_sites_design(editor_account):
    fail(5)
    _, response = sign_in("editor", PASSWORD)
    assert response["Retry-After"] == str(15 * 60)
    assert response["Cache-Control"] == "no-store"
    text = response.text
    assert "Try again in 15 minutes, after" in text
    assert "5 wrong passwords" in text
    assert "the account <strong>editor</strong>" in text
    assert 'class="site-header"' in text and "css/site.css" in text
    assert inline_code(text).found == []


def test_another_address_can_still_sign_in_to_a_locked_account(editor_account):
    fail(5, address=HOME)
    client, response = sign_in("editor", PASSWORD, address=ELSEWHERE)
    assert response.status_code == 302
    assert signed_in(client)


def test_another_account_can_still_sign_in_from_the_locked_address(editor_account, moderator):
    moderator.set_password(PASSWORD)
    moderator.save()
    fail(5, username="editor")
    client, response = sign_in("moderator", PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)


def test_the_lockout_ends_after_the_cool_off(editor_account):
    fail(5)
    assert sign_in("editor", PASSWORD)[1].status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    client, response = sign_in("editor", PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)


def test_the_cool_off_is_a_setting(editor_account, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=2)
    fail(5)
    _, response = sign_in("editor", PASSWORD)
    assert response["Retry-After"] == "120"
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=3))
    assert sign_in("editor", PASSWORD)[1].status_code == 302


def test_each_try_during_the_lockout_starts_the_wait_again(editor_account):
    fail(5)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=14))
    assert sign_in("editor", PASSWORD)[1].status_code == 429
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=2)
    )
    assert sign_in("editor", PASSWORD)[1].status_code == 429


def test_a_successful_sign_in_before_the_limit_forgets_the_failures(editor_account):
    fail(4)
    assert AccessAttempt.objects.get(username="editor").failures_since_start == 4
    client, response = sign_in("editor", PASSWORD)
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="editor").exists()
    response = fail(4)
    assert response.status_code == 200  # counting starts again: four more are allowed
    assert sign_in("editor", PASSWORD)[1].status_code == 302


def test_failures_and_the_lockout_are_recorded_and_logged(editor_account, caplog):
    with caplog.at_level(logging.WARNING, logger="axes"):
        fail(5)
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.ip_address) == ("editor", HOME)
    assert attempt.failures_since_start == 5
    assert "wrong-guess" not in attempt.post_data  # the password tried is never kept
    failures = AccessFailureLog.objects.order_by("attempt_time")
    assert failures.count() == 5
    assert [f.locked_out for f in failures] == [False] * 4 + [True]
    messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("Locking out" in m and "editor" in m and HOME in m for m in messages)
    assert sum(" login failure by " in m for m in messages) == 5


def test_superusers_see_the_attempts_in_the_admin(editor_account, admin_client):
    fail(5)
    response = admin_client.get(reverse("admin:axes_accessattempt_changelist"))
    assert response.status_code == 200
    assert "editor" in response.text and HOME in response.text
    response = admin_client.get(reverse("admin:axes_accessfailurelog_changelist"))
    assert response.status_code == 200
    assert HOME in response.text


def test_editors_cannot_see_the_attempts(editor_account):
    client, _ = sign_in("editor", PASSWORD)
    response = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert response.status_code == 403


def test_the_address_behind_a_trusted_proxy_is_the_forwarded_one(editor_account, settings):
    settings.NUM_PROXIES = 1
    proxy = "127.0.0.1"
    fail(5, address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert AccessAttempt.objects.get().ip_address == "203.0.113.9"
    locked = sign_in("editor", PASSWORD, proxy, HTTP_X_FORWARDED_FOR="203.0.113.9")[1]
    assert locked.status_code == 429
    other = sign_in("editor", PASSWORD, proxy, HTTP_X_FORWARDED_FOR="203.0.113.10")[1]
    assert other.status_code == 302


def test_a_forged_forwarded_address_does_not_escape_the_lockout(editor_account, settings):
    settings.NUM_PROXIES = 0
    fail(5, HTTP_X_FORWARDED_FOR="198.51.100.1")
    _, response = sign_in("editor", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert response.status_code == 429


def test_the_test_suites_forced_sign_ins_still_work(admin_client, client, editor):
    assert admin_client.get(reverse("admin:index")).status_code == 200
    client.force_login(editor)
    assert client.get(reverse("admin:index")).status_code == 200
