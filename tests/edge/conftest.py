"""The edge tests: a real varnishd with the site's VCL in front of pytest-django's live
server. Every test here is marked ``edge`` (CI runs them: ``pytest -m edge tests/edge``);
without varnishd they fail in CI (CI set) and are skipped elsewhere."""

import shutil
import socket
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.edge import stub_site
from tests.edge.varnish import Varnish

# Short enough for the slow-client test to see a stalled body cut off within a second.
TEST_PARAMETERS = ("timeout_idle=1",)


@pytest.fixture(scope="package")
def varnish(live_server):
    address = urlsplit(live_server.url)
    # The live server listens on IPv4; Varnish would try "localhost" as ::1 first.
    host = socket.gethostbyname(address.hostname)
    # Not under pytest's own folder: run as root, varnishd compiles the VCL as its own
    # user, who must be able to read backend.vcl.
    folder = Path(tempfile.mkdtemp(prefix="edge-varnish-"))
    folder.chmod(0o755)
    try:
        server = Varnish(host, address.port, folder, TEST_PARAMETERS)
        yield server
        server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def purging(settings, varnish):
    """core.edge purges the test's Varnish; tasks run at once in the tests
    (config/test_settings.py), so a purge is sent by the time the change returns."""
    settings.EDGE_PURGE_URLS = [varnish.url]
    return lambda: True


@pytest.fixture
def stub(settings, varnish):
    """Varnish in front of the stand-in application (tests/edge/stub_site.py)."""
    settings.ROOT_URLCONF = "tests.edge.stub_site"
    # Every stand-in shared page carries "all": no test sees another's stored pages.
    varnish.request("/", "PURGE", {"xkey-purge": "all"})
    stub_site.seen.clear()
    return varnish
