"""A real varnishd with the site's VCL (config/varnish/default.vcl) in front of a test
server, for the tests in tests/edge/: started in a working folder of its own on a free
loopback port, stopped (its whole process group) when the tests are done."""

import http.client
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass

import pytest

from config import serve

VARNISHD = shutil.which("varnishd") or "/usr/sbin/varnishd"
START_SECONDS = 20


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    content: bytes

    @property
    def body(self):
        return self.content.decode()

    @property
    def cache(self):
        return self.headers.get("X-Cache")


def varnishd_or_fail_in_ci():
    """The varnishd program; without it the edge tests fail in CI and are skipped elsewhere."""
    if os.path.exists(VARNISHD):
        return VARNISHD
    message = f"varnishd is not at {VARNISHD}: apt-get install varnish varnish-modules"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Varnish:
    def __init__(self, backend_host, backend_port, folder, parameters=()):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "backend.vcl").write_text(serve.backend_vcl(backend_host, backend_port, folder))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        arguments = serve.varnish_command(
            varnishd_or_fail_in_ci(), "127.0.0.1", self.port, folder, cache_mb=32
        )
        # A second listener speaking the PROXY protocol, for a test to send from any address.
        self.proxy_port = free_port()
        arguments += ["-a", f"127.0.0.1:{self.proxy_port},PROXY"]
        for parameter in parameters:
            arguments += ["-p", parameter]
        self.log = (folder / "varnishd.log").open("w")
        self.process = subprocess.Popen(
            arguments, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.wait_until_listening()

    def wait_until_listening(self):
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = self.log_text()
                self.stop()
                pytest.fail(f"varnishd stopped at once: {log}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        log = self.log_text()
        self.stop()
        pytest.fail(f"varnishd did not listen within {START_SECONDS} s: {log}")

    def log_text(self):
        self.log.flush()
        with open(self.log.name) as log:
            return log.read()[-2000:]

    def stop(self):
        serve.stop_process_group(self.process)
        self.log.close()

    def request(self, path, method="GET", headers=None, body=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return Answer(response.status, response.headers, response.read())
        finally:
            connection.close()
