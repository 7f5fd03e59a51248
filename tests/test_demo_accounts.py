"""The local demo accounts are the site's to declare (settings.DEMO_ACCOUNTS)."""

import io

from django.contrib.auth import get_user_model
from django.core.management import call_command

from reviews.models import Critic


def test_the_demo_accounts_are_those_the_settings_declare(db, settings):
    settings.DEMO_ACCOUNTS = [
        {"username": "critic", "password": "critic-pass", "group": "Editors", "name": ("C", "R")}
    ]
    out = io.StringIO()

    call_command("create_demo_accounts", stdout=out)

    [user] = get_user_model().objects.all()
    assert (user.username, user.get_full_name(), user.is_staff) == ("critic", "C R", True)
    assert user.check_password("critic-pass")
    assert [group.name for group in user.groups.all()] == ["Editors"]
    assert out.getvalue() == "Editor account 'critic': created.\n"


def test_the_site_declares_the_editor_moderator_and_critic_that_make_run_prints(db):
    call_command("seed", stdout=io.StringIO())
    call_command("create_demo_accounts", stdout=io.StringIO())

    accounts = {
        user.username: (user.get_full_name(), [group.name for group in user.groups.all()])
        for user in get_user_model().objects.prefetch_related("groups")
    }
    assert accounts == {
        "editor": ("Edith Park", ["Editors"]),
        "moderator": ("Morgan Reyes", ["Moderators"]),
        "critic": ("Melissa", ["Critics"]),
    }
    assert get_user_model().objects.get(username="moderator").check_password("moderator-demo-pass")
    critic = get_user_model().objects.get(username="critic")
    assert critic.check_password("critic-demo-pass")
    assert Critic.objects.get(slug="melissa").user == critic


def test_the_demo_critic_is_tied_to_the_seed_critic_only_once_the_seed_is_loaded(db):
    out = io.StringIO()
    call_command("create_demo_accounts", stdout=out)
    assert "Critic account 'critic': created, not tied to a critic" in out.getvalue()

    call_command("seed", stdout=io.StringIO())
    out = io.StringIO()
    call_command("create_demo_accounts", stdout=out)

    assert out.getvalue().splitlines()[-1] == (
        "Critic account 'critic': already there, password unchanged, signs as Melissa."
    )
    assert Critic.objects.get(slug="melissa").user.username == "critic"
