"""Fixtures the comment tests share. The review's headline is the one the moderators'
queue tests look for in a row."""

import pytest


@pytest.fixture
def review(make_review):
    return make_review(headline="A quiet triumph of the everyday")


@pytest.fixture
def moderator_client(client, moderator):
    moderator.first_name, moderator.last_name, moderator.email = "Mo", "Derator", "mo@example.com"
    moderator.save()
    client.force_login(moderator)
    return client
