"""Which records keep versions (django-reversion), and what each version carries with it.

A review's version holds its pull quotes, further-reading links and tags; a film's, its
credits, related films and tags: restoring a version brings them back as they were, and
removes rows added since. People and tags themselves are followed by no one, so that a
restore never deletes a person or a tag other records use. Registered by
``ReviewsConfig.ready()``.
"""

import reversion
from taggit.models import TaggedItem

from .models import Credit, Film, FurtherReading, PullQuote, RelatedFilm, Review

# What the scheduled clean-up keeps: every version younger than KEEP_DAYS, so that a
# deleted review can be recovered for that long at least, and the KEEP_VERSIONS newest of
# each review and film however old:
# ``manage.py deleterevisions reviews --days=30 --keep=20``.
KEEP_DAYS = 30
KEEP_VERSIONS = 20

FOLLOWED = {
    Review: ["pull_quotes", "further_reading", "tagged_items"],
    Film: ["credits", "related_links", "tagged_items"],
}
CHILDREN = [PullQuote, FurtherReading, Credit, RelatedFilm, TaggedItem]


def register():
    # The admin registers what it finds first (its autodiscovery runs before this app is
    # ready), following its inlines only: this registration, with the tags, replaces it.
    for model in [*FOLLOWED, *CHILDREN]:
        if reversion.is_registered(model):
            reversion.unregister(model)
        reversion.register(model, follow=FOLLOWED.get(model, ()))
