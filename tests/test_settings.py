"""Production mode: refuses unsafe defaults and passes Django's deployment checks."""

import json
import os
import subprocess
import sys

from django.conf import settings

STRONG_KEY = "kq3!v9z@x7w#p2m$r8t^y6u&i4o*e1a(s5d)f0g-h_j+k=l;z:x,c.v/b?n"


def run_manage(*args, **env):
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env}
    for name in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"):
        if name not in env:
            environment.pop(name, None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_with_the_default_secret_key():
    result = run_manage("check", PRODUCTION="1", ALLOWED_HOSTS="reviews.example.com")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_manage("check", PRODUCTION="1", SECRET_KEY=STRONG_KEY)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_deployment_checks_are_clean_in_production_mode():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        PRODUCTION="1",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="reviews.example.com",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def site_url_with(**env):
    """SITE_URL as the settings make it from this environment (SITE_URL, HOST, PORT)."""
    environment = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "HOST", "PORT")}
    result = subprocess.run(
        [sys.executable, "-c", "from config import settings; print(settings.SITE_URL)"],
        cwd=settings.BASE_DIR,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_links_in_emails_follow_the_port_the_site_is_served_on():
    assert site_url_with(PORT="8080") == "http://127.0.0.1:8080"
    assert site_url_with(HOST="localhost", PORT="8080") == "http://localhost:8080"
    assert site_url_with() == "http://127.0.0.1:8000"
    assert site_url_with(PORT="8080", SITE_URL="https://films.example") == "https://films.example"


def test_sqlite_is_set_up_for_several_workers(django_db_blocker):
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 5000
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in connection.settings_dict["OPTIONS"]["init_command"]


def email_settings_with(**env):
    """The email settings Django reads when started with these environment variables."""
    names = ["EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER"]
    names += ["EMAIL_HOST_PASSWORD", "EMAIL_USE_TLS", "EMAIL_USE_SSL", "EMAIL_TIMEOUT"]
    script = "import json; from django.conf import settings; "
    script += f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    clean = dict.fromkeys([*names, "EMAIL_URL"], "")
    result = run_manage("shell", "-c", script, **{**clean, **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_emails_are_printed_to_the_console_when_no_smtp_server_is_named():
    found = email_settings_with()
    assert found["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert found["EMAIL_TIMEOUT"] == 10


def test_smtp_settings_are_read_from_separate_variables():
    found = email_settings_with(
        EMAIL_HOST="mail.example.com",
        EMAIL_PORT="587",
        EMAIL_HOST_USER="reviews",
        EMAIL_HOST_PASSWORD="s3cret",
        EMAIL_USE_TLS="1",
        EMAIL_TIMEOUT="5",
    )
    assert found == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "mail.example.com",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "reviews",
        "EMAIL_HOST_PASSWORD": "s3cret",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 5.0,
    }


def test_smtp_settings_are_read_from_one_email_url():
    found = email_settings_with(
        EMAIL_URL="smtps://reviews%40example.com:p%40ss%2Fword@smtp.example.com?timeout=3"
    )
    assert found == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.com",
        "EMAIL_PORT": 465,
        "EMAIL_HOST_USER": "reviews@example.com",
        "EMAIL_HOST_PASSWORD": "p@ss/word",
        "EMAIL_USE_TLS": False,
        "EMAIL_USE_SSL": True,
        "EMAIL_TIMEOUT": 3.0,
    }
    starttls = email_settings_with(EMAIL_URL="smtp://mail.example.com:587?tls=1")
    assert (starttls["EMAIL_PORT"], starttls["EMAIL_USE_TLS"]) == (587, True)


def test_an_email_url_that_is_not_smtp_stops_the_site_with_a_clear_message():
    result = run_manage("check", EMAIL_URL="http://mail.example.com")
    assert result.returncode != 0
    assert "EMAIL_URL must start with smtp:// or smtps://" in result.stderr
