from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

# Local demo accounts, named in the README. Never created in production mode. Each has a
# person's name, which signs what they publish (a staff reply shows it, not the username).
DEMO_ACCOUNTS = [
    ("editor", "editor-demo-pass", "Editors", ("Edith", "Park")),
    ("moderator", "moderator-demo-pass", "Moderators", ("Morgan", "Reyes")),
]


class Command(BaseCommand):
    help = "Create the local demo editor and moderator accounts (refused in production mode)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo accounts are never created in production mode.")
        User = get_user_model()
        for username, password, group_name, (first_name, last_name) in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(username=username)
            if created:
                user.set_password(password)
            user.is_staff = True
            if not user.get_full_name():
                user.first_name, user.last_name = first_name, last_name
            user.save()
            user.groups.add(Group.objects.get(name=group_name))
            state = "created" if created else "already there, password unchanged"
            self.stdout.write(f"{group_name[:-1]} account '{username}': {state}.")
