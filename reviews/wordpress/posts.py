"""WordPress posts as reviews: the film and rating proposed, the body in Markdown."""

import html
from urllib.parse import unquote

from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from ..models import Critic, Film, ImportedItem, Review
from .convert import plain_text, to_markdown
from .films import propose_film, proposed_rating
from .media import is_web_address

# What becomes of a post in each WordPress status; others (trash, auto-draft) are skipped.
STATUSES = {
    "publish": Review.Status.PUBLISHED,
    "future": Review.Status.SCHEDULED,
    "draft": Review.Status.DRAFT,
    "pending": Review.Status.DRAFT,
    "private": Review.Status.DRAFT,
}
UNCATEGORISED = {"uncategorized", "uncategorised"}
TAG_LENGTH = 100
RATING_META_KEY = "rating"  # as export_wordpress writes it


def byline_for(author):
    """The name a WordPress author signs reviews with here: their display name, else their
    first and last names, else their login."""
    full_name = f"{author.first_name} {author.last_name}".strip()
    return (author.display_name or full_name or author.login).strip()[:200]


def critic_for(name, report):
    """The critic a WordPress author's byline becomes: the one of that name, else a new
    record."""
    if not name:
        return None
    critic = Critic.objects.filter(name__iexact=name).order_by("pk").first()
    if critic is None:
        critic = Critic.objects.create(name=name, slug=unique_slug(Critic, slugify(name), 200))
        report.count("critics created")
    return critic


def find_film(title, year):
    """The one film of this title (and year, when known), or None."""
    title = " ".join(title.split())
    if not title:
        return None
    films = Film.objects.filter(title__iexact=title)
    if year is not None:
        films = films.filter(year=year)
    films = list(films[:2])
    return films[0] if len(films) == 1 else None


def unique_slug(model, base, max_length):
    base = base[:max_length].strip("-") or "item"
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        suffix = f"-{n}"
        slug, n = base[: max_length - len(suffix)] + suffix, n + 1
    return slug


def stub_film(proposal, post_date):
    """A new film with only its title and year; the year of the post when none was given."""
    year = proposal.year or (post_date or timezone.now()).year
    return Film.objects.create(
        title=proposal.title[:200],
        year=year,
        slug=unique_slug(Film, slugify(f"{proposal.title} {year}"), 220),
    )


def previously_imported(source, item):
    """The record of this post from an earlier import: by id from this blog, else by GUID
    (which stays when a blog moves)."""
    records = ImportedItem.objects.filter(kind=ImportedItem.Kind.POST)
    match = Q(source=source, wp_id=item.id)
    if item.guid:
        match |= Q(guid=item.guid)
    return records.filter(match).order_by("-source").first()


class PostImporter:
    def __init__(self, export, report, media, publish_unmatched=False):
        self.export = export
        self.report = report
        self.media = media
        self.publish_unmatched = publish_unmatched
        self.attachments = {i.id: i for i in export.items if i.post_type == "attachment"}
        self.critics = {}  # byline → Critic, found or made once for all the author's posts

    def run(self):
        """Import every post; returns ``{wp post id: review}`` of the posts imported now or
        before, whose comments may be brought in."""
        reviews = {}
        for item in self.export.items:
            if item.post_type == "attachment":
                self.report.count("attachments (brought in with the posts that show them)")
                continue
            if item.post_type != "post":
                self.report.count(f"skipped: {item.post_type}")
                continue
            if item.status not in STATUSES:
                self.report.count(f"skipped: posts in {item.status or 'no'} status")
                continue
            record = previously_imported(self.export.source, item)
            if record is not None:
                review = Review.objects.filter(pk=record.object_id).first()
                if review is None:
                    self.report.count("posts imported before, deleted here since")
                    continue
                self.report.count("reviews already imported")
                reviews[item.id] = review
                continue
            reviews[item.id] = self.import_post(item)
        return reviews

    def critic(self, byline):
        if byline not in self.critics:
            self.critics[byline] = critic_for(byline, self.report)
        return self.critics[byline]

    def gallery_images(self, attributes):
        ids = [int(i) for i in attributes.get("ids", "").replace(" ", "").split(",") if i.isdigit()]
        if not ids:
            return []
        pictures = []
        for attachment in filter(None, map(self.attachments.get, ids)):
            if src := self.media(attachment.attachment_url or attachment.guid):
                pictures.append((src, html.unescape(attachment.excerpt or attachment.title)))
        return pictures

    def import_post(self, item):
        headline = " ".join(html.unescape(item.title).split())[:250]
        headline = headline or f"Untitled (WordPress post {item.id})"
        text = plain_text(item.content)
        proposal = propose_film(headline, item.tags, item.categories, find_film)
        rating, rating_written = proposed_rating(item.meta.get(RATING_META_KEY, "") or text)
        film = find_film(proposal.title, proposal.year)
        film_is = "existing" if film else "new stub"
        if film is None:
            film = stub_film(proposal, item.date)
            self.report.count("films created (stubs)")
        else:
            self.report.count("films matched")
        status = STATUSES[item.status]
        if item.password:
            # Only readers with the password saw it there; here it waits for an editor.
            status = Review.Status.DRAFT
            self.report.count("password-protected posts kept as drafts")
        elif not proposal.confident:
            self.report.unmatched.append(
                f"“{headline}” (WordPress post {item.id}): {proposal.reason}"
            )
            if not self.publish_unmatched:
                status = Review.Status.DRAFT
        byline = byline_for(self.export.author_of(item))
        review = Review(
            film=film,
            headline=headline,
            slug=self.slug_for(item, headline),
            critic=self.critic(byline),
            byline=byline,
            original_url=item.link if is_web_address(item.link) and len(item.link) <= 200 else "",
            review_date=item.date.date() if item.date else None,
            status=status,
            publish_at=item.date,
            dek=plain_text(item.excerpt),
            body=to_markdown(item.content, self.media, self.gallery_images),
            film_to_confirm=True,
            import_proposal={
                "film": proposal.as_dict(),
                "film_is": film_is,
                "rating": rating.short if rating else None,
                "rating_written": rating_written,
                "wordpress_status": item.status,
            },
        )
        if status == Review.Status.SCHEDULED and review.publish_at is None:
            review.status = Review.Status.DRAFT
        review.rating = rating
        self.add_featured_image(review, item)
        review.save()
        names = {label[:TAG_LENGTH] for label in [*item.categories, *item.tags]}
        # A category that only names the film ("Never Let Me Go (2010)") is not a tag.
        not_tags = UNCATEGORISED | {str(film).lower()}
        names = {name for name in names if name.strip() and name.lower() not in not_tags}
        if names:
            review.tags.add(*names)
        ImportedItem.objects.create(
            source=self.export.source,
            kind=ImportedItem.Kind.POST,
            wp_id=item.id,
            guid=item.guid[:500],
            object_id=review.pk,
        )
        self.report.count(f"reviews created ({review.get_status_display().lower()})")
        if rating:
            self.report.count("ratings proposed")
        return review

    def add_featured_image(self, review, item):
        """The post's featured image as the review's hero image, when it was brought in."""
        thumbnail_id = item.meta.get("_thumbnail_id", "")
        attachment = self.attachments.get(int(thumbnail_id)) if thumbnail_id.isdigit() else None
        if attachment is None:
            return
        src = attachment.attachment_url or attachment.guid
        self.media(src)
        if name := self.media.stored_names.get(src):
            review.hero_image.name = name
            alt = html.unescape(attachment.excerpt or attachment.title or review.headline)
            review.hero_alt = " ".join(alt.split())[:300]
            self.report.count("featured images as hero images")

    def slug_for(self, item, headline):
        wanted = slugify(unquote(item.slug)) or slugify(headline) or f"post-{item.id}"
        wanted = wanted[:250]
        slug = unique_slug(Review, wanted, 250)
        if slug != wanted:
            self.report.collisions.append(f"“{headline}”: {wanted} was taken; now {slug}")
        return slug


def import_posts(export, report, media, publish_unmatched=False):
    """Make reviews of the export's posts (see PostImporter); ``{wp id: review}``."""
    return PostImporter(export, report, media, publish_unmatched).run()
