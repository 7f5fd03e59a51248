"""The local demo accounts are the site's to declare (settings.DEMO_ACCOUNTS)."""

import io

from django.contrib.auth import get_user_model
from django.core.management import call_command


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


def test_the_site_declares_the_editor_and_the_moderator_that_make_run_prints(db):
    call_command("create_demo_accounts", stdout=io.StringIO())

    accounts = {
        user.username: (user.get_full_name(), [group.name for group in user.groups.all()])
        for user in get_user_model().objects.prefetch_related("groups")
    }
    assert accounts == {
        "editor": ("Edith Park", ["Editors"]),
        "moderator": ("Morgan Reyes", ["Moderators"]),
    }
    assert get_user_model().objects.get(username="moderator").check_password("moderator-demo-pass")
