"""Editors manage the critics' records, as they do the rest of the catalogue."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CRITIC_MODELS = ["critic", "criticlink"]


def ensure_permissions(apps):
    """Create the app's permissions now; Django otherwise makes them only after migrating."""
    app_config = apps.get_app_config("reviews")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None


def critic_permissions(apps):
    return apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label="reviews", content_type__model__in=CRITIC_MODELS
    )


def let_editors_manage_critics(apps, schema_editor):
    ensure_permissions(apps)
    editors, _ = apps.get_model("auth", "Group").objects.get_or_create(name="Editors")
    editors.permissions.add(*critic_permissions(apps))


def take_critics_from_editors(apps, schema_editor):
    editors = apps.get_model("auth", "Group").objects.filter(name="Editors").first()
    if editors is not None:
        editors.permissions.remove(*critic_permissions(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0015_critics"),
        ("reviews", "0002_editors_group"),
    ]

    operations = [migrations.RunPython(let_editors_manage_critics, take_critics_from_editors)]
