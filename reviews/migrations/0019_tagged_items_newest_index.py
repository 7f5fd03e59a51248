from django.db import migrations

# taggit's table is not ours to change in its models: its items of one tag on one kind
# of object (films), newest first, for a tag's page, are indexed here. Without it the
# newest items of a tag given to old films are found by reading every newer item.
INDEX = "taggit_taggeditem_tag_type_newest"


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0018_review_film_summary_index"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX {INDEX} ON taggit_taggeditem (tag_id, content_type_id, id)",
            f"DROP INDEX {INDEX}",
        ),
    ]
