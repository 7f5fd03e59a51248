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


@pytest.fixture
def edge_environment(monkeypatch):
    for variable in ("BACKEND_PORT", "EDGE_CACHE_MB", "EDGE_PURGE_URLS", "EDGE", "VAR_DIR") + (
        "TASKS_BACKEND",
    ):
        monkeypatch.delenv(variable, raising=False)


def test_make_serve_puts_varnish_on_the_port_and_granian_on_the_next_one(edge_environment):
    varnish, server, environment = serve.edge_commands(
        "/usr/sbin/varnishd", "granian", "127.0.0.1", "8000"
    )

    assert varnish[:2] == ["/usr/sbin/varnishd", "-F"]
    assert option(varnish, "-a") == "127.0.0.1:8000"
    assert option(varnish, "-f").endswith("/config/varnish/default.vcl")
    assert option(varnish, "-n").endswith("/var/varnish/instance")
    assert option(varnish, "-s") == "malloc,256m"
    assert (option(server, "--host"), option(server, "--port")) == ("127.0.0.1", "8001")
    # The application purges its Varnish after each change.
    assert environment["EDGE_PURGE_URLS"] == "http://127.0.0.1:8000"


def test_varnish_finds_the_backend_it_is_given_before_the_default_one(edge_environment):
    varnish, _, _ = serve.edge_commands("varnishd", "granian", "127.0.0.1", "8000")
    parameters = [varnish[n + 1] for n, value in enumerate(varnish) if value == "-p"]

    vcl_path = next(p for p in parameters if p.startswith("vcl_path="))
    assert vcl_path.split("=", 1)[1].split(":")[0].endswith("/var/varnish")
    # varnishd compiles -f with the vcl_path given before it.
    assert varnish.index("vcl_path=" + vcl_path.split("=", 1)[1]) < varnish.index("-f")
    assert '.port = "8001";' in serve.backend_vcl("127.0.0.1", "8001", "/srv/edge")
    assert '.host = "127.0.0.1";' in serve.backend_vcl("127.0.0.1", "9001", "/srv/edge")
    assert '.port = "9001";' in serve.backend_vcl("127.0.0.1", "9001", "/srv/edge")


def test_varnish_listens_on_its_own_assembly_socket_and_asks_it_as_a_backend(edge_environment):
    varnish, _, _ = serve.edge_commands("varnishd", "granian", "127.0.0.1", "8000")
    listening = [varnish[n + 1] for n, value in enumerate(varnish) if value == "-a"]
    socket = str(serve.varnish_folder() / "assembly.sock")

    assert listening == ["127.0.0.1:8000", f"assembly={socket},HTTP,mode=666"]
    backends = serve.backend_vcl("127.0.0.1", "8001", "/srv/edge")
    assert '.path = "/srv/edge/assembly.sock";' in backends


def test_varnish_works_in_var_dir_so_a_second_checkout_runs_its_own(
    edge_environment, monkeypatch, tmp_path
):
    monkeypatch.setenv("VAR_DIR", str(tmp_path))

    varnish, _, _ = serve.edge_commands("varnishd", "granian", "127.0.0.1", "8000")

    assert option(varnish, "-n") == str(tmp_path / "varnish" / "instance")
    parameters = [varnish[n + 1] for n, value in enumerate(varnish) if value == "-p"]
    assert f"vcl_path={tmp_path / 'varnish'}:{serve.VCL_DIR}" in parameters


def test_varnish_cuts_off_slow_clients(edge_environment):
    varnish, _, _ = serve.edge_commands("varnishd", "granian", "127.0.0.1", "8000")
    parameters = [varnish[n + 1] for n, value in enumerate(varnish) if value == "-p"]

    assert {"timeout_idle=5", "idle_send_timeout=10", "send_timeout=60"} <= set(parameters)


def test_the_environment_places_the_backend_and_sizes_the_edge_cache(edge_environment, monkeypatch):
    monkeypatch.setenv("BACKEND_PORT", "9100")
    monkeypatch.setenv("EDGE_CACHE_MB", "64")
    monkeypatch.setenv("EDGE_PURGE_URLS", "http://10.0.0.5:80")

    varnish, server, environment = serve.edge_commands("varnishd", "gunicorn", "0.0.0.0", "80")  # noqa: S104

    assert option(varnish, "-a") == "0.0.0.0:80"  # noqa: S104
    assert option(varnish, "-s") == "malloc,64m"
    assert option(server, "--bind") == "127.0.0.1:9100"
    assert environment["EDGE_PURGE_URLS"] == "http://10.0.0.5:80"


def test_a_varnish_listening_everywhere_is_purged_over_loopback():
    assert serve.purge_address("0.0.0.0", "80") == "http://127.0.0.1:80"  # noqa: S104
    assert serve.purge_address("127.0.0.1", "8000") == "http://127.0.0.1:8000"


def test_without_varnish_make_serve_says_how_to_install_it_and_serves_alone(
    edge_environment, monkeypatch, capsys
):
    monkeypatch.setenv("EDGE", "1")
    monkeypatch.setattr(serve.shutil, "which", lambda name, path=None: None)

    assert serve.edge_wanted() is None
    assert "apt-get install varnish varnish-modules" in capsys.readouterr().out


def test_varnish_is_used_when_asked_for_and_installed(edge_environment, monkeypatch):
    monkeypatch.setattr(serve.shutil, "which", lambda name, path=None: "/usr/sbin/varnishd")

    assert serve.edge_wanted() is None  # python -m config.serve alone: no Varnish
    monkeypatch.setenv("EDGE", "1")
    assert serve.edge_wanted() == "/usr/sbin/varnishd"
    monkeypatch.setenv("EDGE", "0")
    assert serve.edge_wanted() is None


def test_make_serve_runs_the_task_worker_beside_the_server(edge_environment, monkeypatch):
    monkeypatch.setattr(serve.shutil, "which", lambda name, path=None: None)

    running = serve.processes("granian", "127.0.0.1", "8000")

    assert [name for name, _, _ in running] == ["granian", "the task worker"]
    assert running[-1][1][2:] == ["run_worker", "--queue-name", "*"]


def test_the_worker_behind_varnish_purges_the_same_varnish(edge_environment, monkeypatch, tmp_path):
    monkeypatch.setenv("EDGE", "1")
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setattr(serve.shutil, "which", lambda name, path=None: "/usr/sbin/varnishd")

    running = serve.processes("granian", "127.0.0.1", "8000")

    assert [name for name, _, _ in running] == ["Varnish", "granian", "the task worker"]
    assert running[2][2]["EDGE_PURGE_URLS"] == "http://127.0.0.1:8000"
    assert running[1][2] is running[2][2]


def test_no_worker_runs_where_tasks_run_at_once(edge_environment, monkeypatch):
    monkeypatch.setenv("TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")
    monkeypatch.setattr(serve.shutil, "which", lambda name, path=None: None)

    assert [name for name, _, _ in serve.processes("granian", "127.0.0.1", "8000")] == ["granian"]
