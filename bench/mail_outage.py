"""Email through an outage: the mail server refuses for a while, then every email goes out,
each once.

    .venv/bin/python bench/mail_outage.py [--emails 50] [--outage 60]

A site of its own (SQLite in a temporary folder) with its task queue in the database and
a worker (``manage.py db_worker``), as in production. ``--emails`` emails are recorded in
the outbox while nothing listens on the mail server's port; after ``--outage`` seconds a
stand-in SMTP server in this process starts taking them. The run ends once no email is
waiting (or after five minutes) and prints what the server received: every email, none
twice, and how long after the server came back.
"""

import argparse
import os
import socketserver
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from machine import free_port, stop_server_group

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
MOST_SECONDS = 300


class SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP to take a message: the subjects it received go to the server."""

    def reply(self, line):
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self):
        self.reply("220 stand-in ESMTP")
        while line := self.rfile.readline():
            command = line.decode(errors="replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.reply("250 stand-in")
            elif command.startswith("DATA"):
                self.reply("354 go on")
                self.server.received.append(self.read_subject())
                self.reply("250 taken")
            elif command.startswith("QUIT"):
                self.reply("221 bye")
                return
            else:  # MAIL FROM, RCPT TO, RSET, NOOP
                self.reply("250 ok")

    def read_subject(self):
        subject = ""
        while (line := self.rfile.readline()) not in (b".\r\n", b""):
            if line.lower().startswith(b"subject:"):
                subject = line.decode().split(":", 1)[1].strip()
        return subject


class StandInMailServer(socketserver.ThreadingTCPServer):
    daemon_threads = allow_reuse_address = True

    def __init__(self, port):
        super().__init__((HOST, port), SMTPHandler)
        self.received = []
        threading.Thread(target=self.serve_forever, args=(0.1,), daemon=True).start()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emails", type=int, default=50)
    parser.add_argument("--outage", type=float, default=60, help="seconds the server refuses")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mail-outage-"))
    database, port = work / "db.sqlite3", free_port()
    environment = {
        **{k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "EMAIL_BACKEND"}},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{database}",
        "VAR_DIR": str(work),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "EMAIL_URL": f"smtp://{HOST}:{port}?timeout=2",
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "plain",
    }

    def manage(*command, **options):
        return subprocess.run(  # noqa: S603 (this Python's manage.py)
            [sys.executable, "manage.py", *command], cwd=BASE_DIR, env=environment, **options
        )

    manage("migrate", "--verbosity", "0", check=True)
    worker_log = open(work / "worker.log", "wb")  # noqa: SIM115 (open while the worker runs)
    worker = subprocess.Popen(  # noqa: S603 (this Python's manage.py)
        [sys.executable, "manage.py", "db_worker", "--interval", "0.5", "--no-reload"],
        cwd=BASE_DIR,
        env=environment,
        stdout=worker_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    record = (
        "from core import mail; from core.models import Email; "
        f"mail.send([Email(key=f'outage:{{n}}', to=[f'reader{{n}}@example.com'], "
        f"subject=f'Outage email {{n}}', body='Hello.') for n in range({args.emails})])"
    )
    try:
        manage("shell", "-c", record, check=True)
        print(f"{args.emails} emails recorded; the mail server refuses for {args.outage:g} s")
        time.sleep(args.outage)
        server = StandInMailServer(port)
        back = time.monotonic()
        print("The mail server takes email again", flush=True)
        while time.monotonic() - back < MOST_SECONDS:
            with sqlite3.connect(database) as connection:
                statuses = dict(
                    connection.execute("SELECT status, COUNT(*) FROM core_email GROUP BY status")
                )
            if not statuses.get("waiting") and not statuses.get("sending"):
                break
            time.sleep(0.5)
        seconds = time.monotonic() - back
    finally:
        stop_server_group(worker)
        worker_log.close()
    with sqlite3.connect(database) as connection:
        attempts = dict(
            connection.execute("SELECT attempts, COUNT(*) FROM core_email GROUP BY attempts")
        )
    received = Counter(server.received)
    twice = sorted(subject for subject, n in received.items() if n > 1)
    print(
        f"Outbox: {statuses}; attempts per email: {attempts}\n"
        f"Received {sum(received.values())} messages, {len(received)} distinct "
        f"(of {args.emails}); received twice: {twice or 'none'}; "
        f"the last went out {seconds:.0f} s after the server came back.\n"
        f"Worker's log: {work / 'worker.log'}"
    )
    server.shutdown()


if __name__ == "__main__":
    main()
