"""Importing a WordPress blog (posts, then their threaded comments) in one transaction, and
exporting the published reviews with their approved comments as WXR 1.2.

Here rather than in reviews because it handles comments as well: the reviews app reads the
file and makes the reviews (``reviews.wordpress``), this module adds the comments.
"""

import html
from dataclasses import dataclass
from datetime import UTC

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.text import slugify

from core.weblinks import validate_web_address
from reviews.models import ImportedItem, Review
from reviews.wordpress.convert import TreeParser
from reviews.wordpress.media import MediaImporter
from reviews.wordpress.parse import read_wxr
from reviews.wordpress.posts import import_posts
from reviews.wordpress.report import Report

from .models import Comment
from .services import address_hash

COMMENT_STATUSES = {
    "1": Comment.Status.APPROVED,
    "approve": Comment.Status.APPROVED,
    "0": Comment.Status.PENDING,
    "hold": Comment.Status.PENDING,
    "spam": Comment.Status.SPAM,
}
LINKBACKS = {"pingback", "trackback"}


@dataclass
class ImportOptions:
    media_dir: str | None = None
    publish_unmatched: bool = False
    dry_run: bool = False


def import_wordpress(source, options=None, progress=None):
    """Import the WXR file ``source`` (binary); returns the Report.

    Raises ``reviews.wordpress.parse.WXRError`` for a file that cannot be imported, before
    anything is written. The whole import is one transaction: it all lands or none of it,
    and a dry run rolls it back once the report is made.
    """
    options = options or ImportOptions()
    export = read_wxr(source, progress)
    report = Report(dry_run=options.dry_run, source=export.source, wxr_version=export.version)
    media = MediaImporter(report, options.media_dir, dry_run=options.dry_run)
    try:
        with transaction.atomic():
            reviews = import_posts(export, report, media, options.publish_unmatched)
            import_comments(export, reviews, report)
            if options.dry_run:
                transaction.set_rollback(True)
    except BaseException:
        media.discard()
        raise
    return report


def comment_text(content):
    """A WordPress comment's HTML as the plain text comments are here: paragraphs and line
    breaks kept, a link's address written after its words."""
    parser = TreeParser()
    parser.feed(content.replace("\r\n", "\n"))
    parser.close()

    def text(node):
        parts = []
        for child in node.children:
            if isinstance(child, str):
                parts.append(child)
            elif child.tag == "br":
                parts.append("\n")
            elif child.tag in ("script", "style"):
                continue
            elif child.tag == "a":
                inner, href = text(child), child.attrs.get("href", "")
                parts.append(f"{inner} ({href})" if href and href not in inner else inner)
            elif child.tag in ("p", "div", "blockquote", "li"):
                parts.append(f"\n\n{text(child)}\n\n")
            else:
                parts.append(text(child))
        return "".join(parts)

    paragraphs = [p.strip() for p in text(parser.root).split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p)


def clean_email(value):
    try:
        validate_email(value)
    except ValidationError:
        return ""
    return value


def clean_web_address(value, max_length=200):
    try:
        validate_web_address(value)
    except ValidationError:
        return ""
    return value if len(value) <= max_length else ""


def import_comments(export, reviews, report):
    """Each post's comments on the review it became, threaded as they were. Comments of a
    skipped post are counted, not attached elsewhere."""
    known = dict(
        ImportedItem.objects.filter(
            source=export.source, kind=ImportedItem.Kind.COMMENT
        ).values_list("wp_id", "object_id")
    )
    for item in export.items:
        if not item.comments:
            continue
        review = reviews.get(item.id)
        if review is None:
            report.count("comments on skipped posts", len(item.comments))
            continue
        thread = Thread(export.source, review, export.author_of(item), item.comments, known, report)
        for wp_comment in item.comments:
            thread.place(wp_comment)


class Thread:
    """One post's comments, each made after its parent."""

    def __init__(self, source, review, post_author, comments, known, report):
        self.source = source
        self.review = review
        self.post_author = post_author
        self.by_id = {c.id: c for c in comments}
        self.known = known
        self.report = report
        self.made = {}  # wp comment id → Comment pk here, or None when it was skipped
        self.created = {}  # Comment pk → the Comment made by this import, to reply to

    def place(self, wp_comment):
        """The pk of the comment made (or found) for ``wp_comment``; None if skipped."""
        if wp_comment.id in self.made:
            return self.made[wp_comment.id]
        self.made[wp_comment.id] = None  # a loop of parents ends here
        if wp_comment.id in self.known:
            self.report.count("comments already imported")
            self.made[wp_comment.id] = self.known[wp_comment.id]
            return self.made[wp_comment.id]
        if wp_comment.type in LINKBACKS:
            self.report.count(f"skipped: {wp_comment.type}s")
            return None
        status = COMMENT_STATUSES.get(wp_comment.approved)
        if status is None:
            self.report.count("skipped: comments in the trash")
            return None
        parent = None
        if wp_parent := self.by_id.get(wp_comment.parent_id):
            parent = self.comment(self.place(wp_parent))
        comment = create_comment(wp_comment, self.review, parent, status, self.post_author)
        pk = self.made[wp_comment.id] = comment.pk
        self.created[pk] = comment
        ImportedItem.objects.create(
            source=self.source, kind=ImportedItem.Kind.COMMENT, wp_id=wp_comment.id, object_id=pk
        )
        self.report.count(f"comments created ({status.label.lower()})")
        return pk

    def comment(self, pk):
        """The Comment ``pk``: one this import made, else one imported before; None for None."""
        if pk is None:
            return None
        return self.created.get(pk) or Comment.objects.get(pk=pk)


def create_comment(wp_comment, review, parent, status, post_author):
    email = clean_email(wp_comment.author_email.strip())
    by_author = bool(wp_comment.user_id) and (
        (email and email.lower() == post_author.email.lower())
        or html.unescape(wp_comment.author) == review.byline_name
    )
    comment = Comment(
        review=review,
        parent=parent,
        author_name=" ".join(html.unescape(wp_comment.author).split())[:100],
        author_email=email,
        author_url=clean_web_address(wp_comment.author_url.strip()),
        body=comment_text(wp_comment.content) or "(empty)",
        status=status,
        is_review_author=by_author,
        submitted_at=wp_comment.date,
        ip_hash=address_hash(wp_comment.author_ip) if wp_comment.author_ip else "",
    )
    comment.save()
    if wp_comment.date is None:  # unknown, as the site records it, rather than now
        Comment.objects.filter(pk=comment.pk).update(submitted_at=None)
    return comment


def cdata(text):
    """Text in a CDATA section, as WordPress writes its exports."""
    return "<![CDATA[" + str(text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def escape_text(text):
    """Plain text (a comment, a headline) as the HTML WordPress takes it to be."""
    return html.escape(text, quote=False)


def wp_datetime(moment):
    return timezone.localtime(moment, UTC).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def author_login(byline):
    return slugify(byline) or "unknown"


def export_wordpress(out, site_url=None):
    """Write the published reviews, their bylines as authors, their tags and films (as
    categories), and their approved comments with threads, as WXR 1.2, to ``out`` (text)."""
    site_url = (site_url or settings.SITE_URL).rstrip("/")
    reviews = (
        Review.objects.published()
        .select_related("film", "critic")
        .prefetch_related(
            "tags",
            Prefetch(
                "comments",
                queryset=Comment.objects.approved()
                .select_related("user")
                .order_by("submitted_at", "pk"),
                to_attr="approved_comments",
            ),
        )
        .order_by("publish_at", "pk")
    )
    bylines = sorted({r.byline_name for r in reviews if r.byline_name})
    write = out.write
    write('<?xml version="1.0" encoding="UTF-8" ?>\n')
    write(
        '<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:wfw="http://wellformedweb.org/CommentAPI/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
    )
    write(
        f"<title>{html.escape(settings.SITE_NAME)}</title>\n<link>{html.escape(site_url)}</link>\n"
    )
    write("<language>en</language>\n<wp:wxr_version>1.2</wp:wxr_version>\n")
    write(f"<wp:base_site_url>{html.escape(site_url)}</wp:base_site_url>\n")
    write(f"<wp:base_blog_url>{html.escape(site_url)}</wp:base_blog_url>\n")
    for number, byline in enumerate(bylines, start=1):
        write(
            f"<wp:author><wp:author_id>{number}</wp:author_id>"
            f"<wp:author_login>{cdata(author_login(byline))}</wp:author_login>"
            f"<wp:author_email></wp:author_email>"
            f"<wp:author_display_name>{cdata(byline)}</wp:author_display_name>"
            f"<wp:author_first_name></wp:author_first_name><wp:author_last_name></wp:author_last_name>"
            f"</wp:author>\n"
        )
    for review in reviews:
        write_item(write, review, site_url)
    write("</channel>\n</rss>\n")


def write_item(write, review, site_url):
    link = site_url + review.get_absolute_url()
    film = f"{review.film.title} ({review.film.year})"
    write("<item>\n")
    title = escape_text(review.headline)
    write(f"<title>{cdata(title)}</title>\n<link>{html.escape(link)}</link>\n")
    write(f"<pubDate>{review.publish_at.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>\n")
    creator = author_login(review.byline_name) if review.byline_name else ""
    write(f"<dc:creator>{cdata(creator)}</dc:creator>\n")
    write(f'<guid isPermaLink="false">{html.escape(link)}</guid>\n<description></description>\n')
    write(f"<content:encoded>{cdata(review.body_html)}</content:encoded>\n")
    write(f"<excerpt:encoded>{cdata(escape_text(review.dek))}</excerpt:encoded>\n")
    write(f"<wp:post_id>{review.pk}</wp:post_id>\n")
    write(f"<wp:post_date>{cdata(wp_datetime(review.publish_at))}</wp:post_date>\n")
    write(f"<wp:post_date_gmt>{cdata(wp_datetime(review.publish_at))}</wp:post_date_gmt>\n")
    write("<wp:comment_status>open</wp:comment_status><wp:ping_status>closed</wp:ping_status>\n")
    write(f"<wp:post_name>{cdata(review.slug)}</wp:post_name>\n<wp:status>publish</wp:status>\n")
    write("<wp:post_parent>0</wp:post_parent><wp:menu_order>0</wp:menu_order>\n")
    write("<wp:post_type>post</wp:post_type><wp:post_password></wp:post_password>\n")
    write("<wp:is_sticky>0</wp:is_sticky>\n")
    write(f'<category domain="category" nicename="{slugify(film)}">{cdata(film)}</category>\n')
    for tag in review.tags.all():
        nicename = html.escape(tag.slug)
        write(f'<category domain="post_tag" nicename="{nicename}">{cdata(tag.name)}</category>\n')
    if review.rating:
        write(
            f"<wp:postmeta><wp:meta_key>rating</wp:meta_key>"
            f"<wp:meta_value>{cdata(review.rating.short)}</wp:meta_value></wp:postmeta>\n"
        )
    comments = review.approved_comments
    approved = {c.pk for c in comments}
    for comment in comments:
        parent = comment.parent_id if comment.parent_id in approved else 0
        # An unknown name stays unknown (WordPress shows "Anonymous" itself).
        name = comment.display_name if comment.author_name or comment.is_staff_reply else ""
        write(
            "<wp:comment>"
            f"<wp:comment_id>{comment.pk}</wp:comment_id>"
            f"<wp:comment_author>{cdata(name)}</wp:comment_author>"
            f"<wp:comment_author_email>{cdata(comment.author_email)}</wp:comment_author_email>"
            f"<wp:comment_author_url>{html.escape(comment.author_url)}</wp:comment_author_url>"
            "<wp:comment_author_IP></wp:comment_author_IP>"
            f"<wp:comment_date>{cdata(wp_datetime(comment.submitted_at))}</wp:comment_date>"
            f"<wp:comment_date_gmt>{cdata(wp_datetime(comment.submitted_at))}</wp:comment_date_gmt>"
            f"<wp:comment_content>{cdata(escape_text(comment.body))}</wp:comment_content>"
            "<wp:comment_approved>1</wp:comment_approved><wp:comment_type>comment</wp:comment_type>"
            f"<wp:comment_parent>{parent}</wp:comment_parent>"
            f"<wp:comment_user_id>{1 if comment.is_review_author else 0}</wp:comment_user_id>"
            "</wp:comment>\n"
        )
    write("</item>\n")
