"""Reading a WordPress export (WXR 1.0, 1.1 or 1.2) safely, as plain data.

The file is parsed with defusedxml, streamed: an XML bomb (entities that expand), an
external entity (which could read the server's files) or malformed XML is refused with
the line where it was found, before anything is imported.
"""

import email.utils
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.etree.ElementTree import ParseError, TreeBuilder, XMLPullParser

from defusedxml import (
    DefusedXmlException,
    DTDForbidden,
    EntitiesForbidden,
    ExternalReferenceForbidden,
    NotSupportedError,
)
from defusedxml.ElementTree import DefusedXMLParser

WP_NAMESPACE = re.compile(r"^https?://wordpress\.org/export/(1\.\d+)/$")
EXCERPT_NAMESPACE = re.compile(r"^https?://wordpress\.org/export/1\.\d+/excerpt/$")
PREFIXES = {
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://wellformedweb.org/CommentAPI/": "wfw",
}
CHUNK = 64 * 1024


class WXRError(ValueError):
    """The file cannot be imported; the message says why, and where."""


@dataclass
class Author:
    login: str
    email: str = ""
    display_name: str = ""
    first_name: str = ""
    last_name: str = ""


@dataclass
class WPComment:
    id: int
    author: str = ""
    author_email: str = ""
    author_url: str = ""
    author_ip: str = ""
    date: datetime | None = None
    content: str = ""
    approved: str = "1"  # "1", "0", "spam", "trash", "post-trashed"
    type: str = ""  # "", "comment", "pingback", "trackback"
    parent_id: int = 0
    user_id: int = 0


@dataclass
class Item:
    """A post, page, attachment, menu item... as WordPress exports it."""

    id: int
    post_type: str = "post"
    title: str = ""
    link: str = ""
    guid: str = ""
    creator: str = ""
    content: str = ""
    excerpt: str = ""
    slug: str = ""
    status: str = ""
    date: datetime | None = None
    parent_id: int = 0
    attachment_url: str = ""
    password: str = ""
    categories: list = field(default_factory=list)
    tags: list = field(default_factory=list)
    comments: list = field(default_factory=list)
    meta: dict = field(default_factory=dict)


@dataclass
class Export:
    version: str
    title: str = ""
    link: str = ""
    base_site_url: str = ""
    base_blog_url: str = ""
    authors: dict = field(default_factory=dict)
    items: list = field(default_factory=list)

    @property
    def source(self):
        """The blog, as the imported items remember where they came from."""
        return (self.base_blog_url or self.link or self.base_site_url or self.title).rstrip("/")

    def author_of(self, item):
        return self.authors.get(item.creator) or Author(login=item.creator)


def local_name(tag):
    """``{ns}name`` as ``wp:name``, ``content:encoded``, ``excerpt:encoded`` or ``name``,
    whichever WXR version's namespace it is in."""
    if not tag.startswith("{"):
        return tag
    namespace, name = tag[1:].split("}", 1)
    if WP_NAMESPACE.match(namespace):
        return f"wp:{name}"
    if EXCERPT_NAMESPACE.match(namespace):
        return f"excerpt:{name}"
    prefix = PREFIXES.get(namespace)
    return f"{prefix}:{name}" if prefix else name


def read_wxr(source, progress=None):
    """The export in ``source`` (a binary file), or WXRError saying what is wrong and on
    which line. ``progress(count)`` is called as items are read."""
    builder = RootLineBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=False)
    builder.current_line = lambda: parser.parser.CurrentLineNumber
    pull = XMLPullParser(events=("start", "end"), _parser=parser)
    reader = Reader(progress)
    try:
        while chunk := source.read(CHUNK):
            pull.feed(chunk)
            reader.handle(pull.read_events(), builder.root_line)
        pull.close()
        reader.handle(pull.read_events(), builder.root_line)
    except ParseError as error:
        line, column = error.position
        problem = re.sub(r": line \d+, column \d+$", "", str(error))
        raise WXRError(
            f"Line {line}, column {column + 1}: this is not well-formed XML ({problem})."
        )
    except EntitiesForbidden as error:
        line = parser.parser.CurrentLineNumber
        if error.sysid or error.pubid:
            raise WXRError(
                f"Line {line}: the file declares an external entity ({error.name!s} → "
                f"{error.sysid or error.pubid}), which could read files from this server. "
                "Refused: a WordPress export never has one."
            )
        raise WXRError(
            f"Line {line}: the file declares an entity ({error.name}); entities can make a "
            "small file expand to gigabytes (an XML bomb). Refused: a WordPress export never "
            "declares one."
        )
    except (ExternalReferenceForbidden, DTDForbidden, NotSupportedError, DefusedXmlException):
        line = parser.parser.CurrentLineNumber
        raise WXRError(
            f"Line {line}: the file refers to an external document, which could read files "
            "from this server. Refused: a WordPress export never does."
        )
    return reader.finish()


class RootLineBuilder(TreeBuilder):
    """A tree builder that notes the line of the first element, for the error message."""

    root_line = 1

    def start(self, tag, attrs):
        if not getattr(self, "started", False):
            self.started = True
            self.root_line = self.current_line()
        return super().start(tag, attrs)


class Reader:
    """Builds the Export from the parser's events, one <item> at a time."""

    def __init__(self, progress):
        self.progress = progress
        self.export = None
        self.root_checked = False
        self.depth = 0
        self.channel = None

    def handle(self, events, root_line):
        for event, element in events:
            if event == "start":
                self.depth += 1
                if not self.root_checked:
                    self.check_root(element, root_line)
                elif self.depth == 2 and local_name(element.tag) == "channel":
                    self.channel = element
                continue
            self.depth -= 1
            name = local_name(element.tag)
            if self.depth == 2 and self.channel is not None:
                self.channel_child(name, element)
                if name == "item":
                    self.export.items.append(read_item(element))
                    if self.progress and len(self.export.items) % 100 == 0:
                        self.progress(len(self.export.items))
                # An item or author read is kept only as plain data: free the elements.
                self.channel.remove(element)

    def check_root(self, element, line):
        self.root_checked = True
        if local_name(element.tag) != "rss":
            raise WXRError(
                f"Line {line}: this is not a WordPress export (WXR): its first element is "
                f"<{local_name(element.tag)}>, where an export has <rss>. In WordPress, use "
                "Tools → Export and upload the file it gives."
            )
        self.export = Export(version="")

    def channel_child(self, name, element):
        export = self.export
        if name == "wp:wxr_version":
            export.version = text(element)
        elif name == "title":
            export.title = text(element)
        elif name == "link":
            export.link = text(element)
        elif name == "wp:base_site_url":
            export.base_site_url = text(element)
        elif name == "wp:base_blog_url":
            export.base_blog_url = text(element)
        elif name == "wp:author":
            author = Author(
                login=child_text(element, "wp:author_login"),
                email=child_text(element, "wp:author_email"),
                display_name=child_text(element, "wp:author_display_name"),
                first_name=child_text(element, "wp:author_first_name"),
                last_name=child_text(element, "wp:author_last_name"),
            )
            export.authors[author.login] = author

    def finish(self):
        if self.export is None or not self.export.version:
            raise WXRError(
                "This is not a WordPress export (WXR): it has no <wp:wxr_version>. In "
                "WordPress, use Tools → Export and upload the file it gives."
            )
        if not WP_NAMESPACE.match(f"http://wordpress.org/export/{self.export.version}/"):
            raise WXRError(
                f"This export is WXR version {self.export.version}; versions 1.0 to 1.2 can "
                "be imported."
            )
        if self.progress:
            self.progress(len(self.export.items))
        return self.export


def text(element):
    return (element.text or "").strip() if element is not None else ""


def child_text(element, name):
    for child in element:
        if local_name(child.tag) == name:
            return text(child)
    return ""


def as_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def wp_date(gmt, local="", rfc822=""):
    """A WordPress date as an aware UTC datetime: the GMT field, else the RFC 822 date,
    else the local time read as UTC; None when there is none (drafts have 0000-00-00)."""
    for value in (gmt, rfc822, local):
        # WordPress writes an undated draft as 0000-00-00, or in RSS as "30 Nov -0001".
        if not value or value.startswith("0000") or "-0001" in value:
            continue
        try:
            if value is rfc822:
                return email.utils.parsedate_to_datetime(value).astimezone(UTC)
            return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        except (TypeError, ValueError, IndexError):
            continue
    return None


def read_item(element):
    values = {}
    item = Item(id=0)
    for child in element:
        name = local_name(child.tag)
        if name == "category":
            domain = child.get("domain", "category")
            label = text(child)
            if not label:
                continue
            if domain in ("post_tag", "tag"):
                item.tags.append(label)
            elif domain == "category":
                item.categories.append(label)
        elif name == "wp:comment":
            item.comments.append(read_comment(child))
        elif name == "wp:postmeta":
            item.meta[child_text(child, "wp:meta_key")] = child_text(child, "wp:meta_value")
        elif name in ("content:encoded", "excerpt:encoded"):
            values[name] = child.text or ""
        else:
            values.setdefault(name, text(child))
    item.id = as_int(values.get("wp:post_id"))
    item.post_type = values.get("wp:post_type", "post")
    item.title = values.get("title", "")
    item.link = values.get("link", "")
    item.guid = values.get("guid", "")
    item.creator = values.get("dc:creator", "")
    item.content = values.get("content:encoded", "")
    item.excerpt = values.get("excerpt:encoded", "").strip()
    item.slug = values.get("wp:post_name", "")
    item.status = values.get("wp:status", "")
    item.parent_id = as_int(values.get("wp:post_parent"))
    item.attachment_url = values.get("wp:attachment_url", "")
    item.password = values.get("wp:post_password", "")
    item.date = wp_date(
        values.get("wp:post_date_gmt"), values.get("wp:post_date"), values.get("pubDate")
    )
    return item


def read_comment(element):
    return WPComment(
        id=as_int(child_text(element, "wp:comment_id")),
        author=child_text(element, "wp:comment_author"),
        author_email=child_text(element, "wp:comment_author_email"),
        author_url=child_text(element, "wp:comment_author_url"),
        author_ip=child_text(element, "wp:comment_author_IP"),
        date=wp_date(
            child_text(element, "wp:comment_date_gmt"), child_text(element, "wp:comment_date")
        ),
        content=child_text(element, "wp:comment_content"),
        approved=child_text(element, "wp:comment_approved") or "1",
        type=child_text(element, "wp:comment_type"),
        parent_id=as_int(child_text(element, "wp:comment_parent")),
        user_id=as_int(child_text(element, "wp:comment_user_id")),
    )
