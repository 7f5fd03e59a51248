import pytest

from config import serve


def option(arguments, name):
    return arguments[arguments.index(name) + 1]


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch):
    for variable in ("SERVER", "WEB_INTERFACE", "WEB_CONCURRENCY", "WEB_THREADS", "HOST", "PORT"):
        monkeypatch.delenv(variable, raising=False)


def test_make_serve_runs_granian_on_every_core_through_the_bridge_by_default(monkeypatch):
    monkeypatch.setattr(serve.os, "cpu_count", lambda: 2)

    arguments = serve.command("granian")

    assert arguments[0].endswith("/granian")
    # The bridge reads each request whole before one of its WEB_THREADS threads runs it.
    assert arguments[-2:] == ["--factory", "config.bridge:application_from_settings"]
    assert option(arguments, "--interface") == "rsgi"
    assert option(arguments, "--blocking-threads") == "1"
    assert option(arguments, "--host") == "127.0.0.1"
    assert option(arguments, "--port") == "8000"
    assert option(arguments, "--workers") == "2"
    assert "--respawn-failed-workers" in arguments


def test_the_environment_sizes_and_places_the_server(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    monkeypatch.setenv("HOST", "0.0.0.0")  # noqa: S104 (the value under test)
    monkeypatch.setenv("PORT", "9000")

    arguments = serve.command("granian")

    assert option(arguments, "--workers") == "5"
    assert option(arguments, "--host") == "0.0.0.0"  # noqa: S104
    assert option(arguments, "--port") == "9000"


def test_granians_own_wsgi_interface_can_be_run_for_comparison(monkeypatch):
    monkeypatch.setenv("WEB_INTERFACE", "wsgi")
    monkeypatch.setenv("WEB_THREADS", "4")

    arguments = serve.command("granian")

    assert option(arguments, "--interface") == "wsgi"
    assert option(arguments, "--blocking-threads") == "4"
    assert arguments[-1] == "config.wsgi:application"
    assert "--factory" not in arguments


def test_an_unknown_interface_is_refused_with_the_choices(monkeypatch):
    monkeypatch.setenv("WEB_INTERFACE", "asgi")
    with pytest.raises(SystemExit, match="WEB_INTERFACE must be one of rsgi, wsgi, not 'asgi'"):
        serve.command("granian")


def test_gunicorn_is_run_with_the_projects_settings():
    arguments = serve.command("gunicorn")

    assert arguments[0].endswith("/gunicorn")
    assert option(arguments, "--config") == "config/gunicorn.py"


def test_an_unknown_server_is_refused_with_the_choices():
    with pytest.raises(SystemExit, match="SERVER must be one of granian, gunicorn, not 'uwsgi'"):
        serve.command("uwsgi")


def test_granian_gives_a_client_five_seconds_to_send_its_headers(monkeypatch):
    monkeypatch.delenv("HEADER_READ_TIMEOUT_MS", raising=False)
    assert option(serve.command("granian"), "--http1-header-read-timeout") == "5000"
