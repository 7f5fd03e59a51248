"""A database that loaded the seed before critics had records gets the seed's one critic,
as fixtures/seed.json now gives her: Melissa, the byline of the personal blog review, and
nothing the source does not say (no bio, photo or links). Any other database is left as
it is; a seed loaded later brings her itself."""

from django.db import migrations

SEED_REVIEW_SLUG = "never-let-me-go-melissa"


def make_melissa_a_critic(apps, schema_editor):
    Critic = apps.get_model("reviews", "Critic")
    Review = apps.get_model("reviews", "Review")
    review = Review.objects.filter(
        slug=SEED_REVIEW_SLUG, byline="Melissa", critic__isnull=True
    ).first()
    if review is None or Critic.objects.filter(slug="melissa").exists():
        return
    review.critic = Critic.objects.create(name="Melissa", slug="melissa")
    review.save(update_fields=["critic"])


class Migration(migrations.Migration):
    dependencies = [("reviews", "0016_editors_manage_critics")]

    operations = [migrations.RunPython(make_melissa_a_critic, migrations.RunPython.noop)]
