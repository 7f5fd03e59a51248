"""Staff replies signed with their writer's name as it was (the username, for an account
without a full name) are now signed with it as it is: their stored name is emptied, and
the name is read from the account when the reply is shown. A name the writer chose is kept."""

from django.db import migrations, models


def sign_with_current_name(apps, schema_editor):
    Comment = apps.get_model("comments", "Comment")
    replies = Comment.objects.filter(is_staff_reply=True, user__isnull=False).exclude(
        author_name=""
    )
    signed_as_account = []
    for reply in replies.select_related("user").only(
        "author_name", "user__username", "user__first_name", "user__last_name"
    ):
        user = reply.user
        full_name = f"{user.first_name} {user.last_name}".strip()
        if reply.author_name in {user.username, full_name}:
            signed_as_account.append(reply.pk)
    Comment.objects.filter(pk__in=signed_as_account).update(author_name="")


def keep_the_names(apps, schema_editor):
    Comment = apps.get_model("comments", "Comment")
    unsigned = Comment.objects.filter(is_staff_reply=True, user__isnull=False, author_name="")
    for reply in unsigned.select_related("user"):
        user = reply.user
        reply.author_name = f"{user.first_name} {user.last_name}".strip() or user.username
        reply.save(update_fields=["author_name"])


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0003_queue_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="comment",
            name="author_name",
            field=models.CharField(
                blank=True,
                help_text="Empty when unknown (imported comments), and for a staff reply "
                "signed with its writer's name.",
                max_length=100,
                verbose_name="name",
            ),
        ),
        migrations.RunPython(sign_with_current_name, keep_the_names),
    ]
