"""Stand-in mail servers for the tests: email backends (EMAIL_BACKEND) that refuse, and a
count of the connections the outbox opens."""

import smtplib

from django.core.mail.backends.locmem import EmailBackend as MemoryBackend

from core import mail


class RefusingBackend(MemoryBackend):
    """A mail server that refuses every connection."""

    def open(self):
        raise smtplib.SMTPConnectError(421, "Service not available")

    def send_messages(self, messages):
        self.open()


class RefusingSomeBackend(MemoryBackend):
    """A mail server that takes every email except those to ``refused`` addresses."""

    refused = {"bounce@example.com"}

    def send_messages(self, messages):
        for message in messages:
            if self.refused & set(message.to):
                raise smtplib.SMTPRecipientsRefused(
                    dict.fromkeys(message.to, (550, b"No such user"))
                )
        return super().send_messages(messages)


def count_connections(monkeypatch):
    """A list that grows by one for each connection to the mail server the outbox opens."""
    connections = []
    open_connection = mail.get_connection
    monkeypatch.setattr(
        mail,
        "get_connection",
        lambda **options: connections.append(1) or open_connection(**options),
    )
    return connections
