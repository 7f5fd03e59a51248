from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from reviews.models import Critic


class Command(BaseCommand):
    help = "Create the local demo accounts of settings.DEMO_ACCOUNTS (refused in production mode)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo accounts are never created in production mode.")
        User = get_user_model()
        for account in settings.DEMO_ACCOUNTS:
            username, group_name = account["username"], account["group"]
            user, created = User.objects.get_or_create(username=username)
            if created:
                user.set_password(account["password"])
            user.is_staff = True
            if not user.get_full_name():
                user.first_name, user.last_name = account["name"]
            user.save()
            user.groups.add(Group.objects.get(name=group_name))
            state = "created" if created else "already there, password unchanged"
            if "critic" in account:
                state += self.tie_to_critic(user, account["critic"])
            self.stdout.write(f"{group_name[:-1]} account '{username}': {state}.")

    def tie_to_critic(self, user, slug):
        """Make the account the critic's, when the critic is there (``manage.py seed``)."""
        critic = Critic.objects.filter(slug=slug).first()
        if critic is None:
            return f", not tied to a critic (no critic '{slug}': run manage.py seed first)"
        if critic.user_id not in (None, user.pk):
            return f", not tied to {critic.name}, whose record names another account"
        if critic.user_id != user.pk:
            critic.user = user
            critic.save(update_fields=["user", "updated_at"])
        return f", signs as {critic.name}"
