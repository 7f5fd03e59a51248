"""Stand-in mail servers for the tests: email backends (EMAIL_BACKEND) that refuse."""

import smtplib

from django.core.mail.backends.locmem import EmailBackend as MemoryBackend


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
