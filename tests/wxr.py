"""Small WordPress exports (WXR) written for the tests, in any of the versions 1.0-1.2."""

import email.utils
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape


def cdata(text):
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


@dataclass
class C:
    """A comment as WordPress exports it."""

    id: int
    content: str
    author: str = "A reader"
    email: str = "reader@example.com"
    url: str = ""
    ip: str = "192.0.2.7"
    date: str = "2011-02-03 10:00:00"
    approved: str = "1"
    type: str = ""
    parent: int = 0
    user_id: int = 0


@dataclass
class P:
    """A post (or page, attachment...) as WordPress exports it."""

    id: int
    title: str
    content: str = "<p>Words.</p>"
    slug: str = ""
    status: str = "publish"
    type: str = "post"
    date: str = "2011-02-01 09:00:00"
    excerpt: str = ""
    creator: str = "melissa"
    categories: list = field(default_factory=list)
    tags: list = field(default_factory=list)
    comments: list = field(default_factory=list)
    attachment_url: str = ""
    parent: int = 0
    guid: str = ""
    password: str = ""
    meta: dict = field(default_factory=dict)


def rfc822(date):
    if date.startswith("0000"):
        return "Mon, 30 Nov -0001 00:00:00 +0000"  # as WordPress writes an undated draft
    return email.utils.format_datetime(datetime.fromisoformat(date).replace(tzinfo=UTC))


def item_xml(post):
    gmt = post.date if post.status != "draft" else "0000-00-00 00:00:00"
    guid = post.guid or f"http://blog.example.com/?p={post.id}"
    parts = [
        "<item>",
        f"<title>{escape(post.title)}</title>",
        f"<link>http://blog.example.com/{post.slug or post.id}/</link>",
        f"<pubDate>{rfc822(post.date)}</pubDate>",
        f"<dc:creator>{cdata(post.creator)}</dc:creator>",
        f'<guid isPermaLink="false">{escape(guid)}</guid>',
        "<description></description>",
        f"<content:encoded>{cdata(post.content)}</content:encoded>",
        f"<excerpt:encoded>{cdata(post.excerpt)}</excerpt:encoded>",
        f"<wp:post_id>{post.id}</wp:post_id>",
        f"<wp:post_date>{post.date}</wp:post_date>",
        f"<wp:post_date_gmt>{gmt}</wp:post_date_gmt>",
        f"<wp:post_name>{escape(post.slug)}</wp:post_name>",
        f"<wp:status>{post.status}</wp:status>",
        f"<wp:post_parent>{post.parent}</wp:post_parent>",
        f"<wp:post_type>{post.type}</wp:post_type>",
        f"<wp:post_password>{escape(post.password)}</wp:post_password>",
    ]
    if post.attachment_url:
        parts.append(f"<wp:attachment_url>{escape(post.attachment_url)}</wp:attachment_url>")
    for name in post.categories:
        parts.append(f'<category domain="category" nicename="x">{cdata(name)}</category>')
    for name in post.tags:
        parts.append(f'<category domain="post_tag" nicename="x">{cdata(name)}</category>')
    for key, value in post.meta.items():
        parts.append(
            f"<wp:postmeta><wp:meta_key>{key}</wp:meta_key>"
            f"<wp:meta_value>{cdata(value)}</wp:meta_value></wp:postmeta>"
        )
    for c in post.comments:
        parts.append(
            "<wp:comment>"
            f"<wp:comment_id>{c.id}</wp:comment_id>"
            f"<wp:comment_author>{cdata(c.author)}</wp:comment_author>"
            f"<wp:comment_author_email>{escape(c.email)}</wp:comment_author_email>"
            f"<wp:comment_author_url>{escape(c.url)}</wp:comment_author_url>"
            f"<wp:comment_author_IP>{c.ip}</wp:comment_author_IP>"
            f"<wp:comment_date>{c.date}</wp:comment_date>"
            f"<wp:comment_date_gmt>{c.date}</wp:comment_date_gmt>"
            f"<wp:comment_content>{cdata(c.content)}</wp:comment_content>"
            f"<wp:comment_approved>{c.approved}</wp:comment_approved>"
            f"<wp:comment_type>{c.type}</wp:comment_type>"
            f"<wp:comment_parent>{c.parent}</wp:comment_parent>"
            f"<wp:comment_user_id>{c.user_id}</wp:comment_user_id>"
            "</wp:comment>"
        )
    parts.append("</item>")
    return "\n".join(parts)


def wxr(*posts, version="1.2", blog="http://blog.example.com"):
    """The bytes of an export of ``posts`` (P) from the blog ``blog``."""
    ns = f"http://wordpress.org/export/{version}/"
    items = "\n".join(item_xml(post) for post in posts)
    return f"""<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="{ns}excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:wp="{ns}">
<channel>
<title>Melissa's film blog</title>
<link>{blog}</link>
<wp:wxr_version>{version}</wp:wxr_version>
<wp:base_site_url>{blog}</wp:base_site_url>
<wp:base_blog_url>{blog}</wp:base_blog_url>
<wp:author><wp:author_id>1</wp:author_id><wp:author_login>{cdata("melissa")}</wp:author_login>
<wp:author_email>{cdata("melissa@example.com")}</wp:author_email>
<wp:author_display_name>{cdata("Melissa")}</wp:author_display_name>
<wp:author_first_name></wp:author_first_name><wp:author_last_name></wp:author_last_name></wp:author>
{items}
</channel>
</rss>
""".encode()
