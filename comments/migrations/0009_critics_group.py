"""The Critics group: critics see the approved comments on their own reviews in the admin
and reply to them (comments/admin.py narrows the queue to their reviews). They neither
moderate nor edit reviews."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CRITIC_PERMISSIONS = ["view_comment", "add_comment"]


def ensure_permissions(apps):
    """Create the app's permissions now; Django otherwise makes them only after migrating."""
    app_config = apps.get_app_config("comments")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None


def create_critics_group(apps, schema_editor):
    ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    critics, _ = Group.objects.get_or_create(name="Critics")
    critics.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="comments", codename__in=CRITIC_PERMISSIONS
        )
    )


def remove_critics_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Critics").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0008_comment_flags"),
        ("reviews", "0015_critics"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_critics_group, remove_critics_group)]
