from django.contrib.auth.management import create_permissions
from django.db import migrations


def ensure_permissions(apps, *app_labels):
    """Create the apps' permissions now; Django otherwise makes them only after migrating."""
    for app_label in app_labels:
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None

EDITOR_MODELS = {
    "reviews": ["film", "person", "credit", "relatedfilm", "review", "pullquote", "furtherreading"],
    "taggit": ["tag", "taggeditem"],
}


def create_editors_group(apps, schema_editor):
    ensure_permissions(apps, *EDITOR_MODELS)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors, _ = Group.objects.get_or_create(name="Editors")
    for app_label, models in EDITOR_MODELS.items():
        editors.permissions.add(
            *Permission.objects.filter(
                content_type__app_label=app_label, content_type__model__in=models
            )
        )


def remove_editors_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Editors").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0001_initial"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editors_group, remove_editors_group)]
