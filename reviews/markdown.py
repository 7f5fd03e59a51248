"""Markdown to safe HTML, for the bodies editors write."""

import html as html_entities
import re
from urllib.parse import urlsplit

import nh3
from django.conf import settings
from django.utils.html import escape
from django.utils.text import slugify
from markdown_it import MarkdownIt
from mdit_py_plugins.container import container_plugin

SPOILER = "spoiler"


def render_spoiler(self, tokens, index, options, env):
    """``::: spoiler`` (optionally ``::: spoiler What it gives away``) to ``:::``: a passage
    folded under a label, opened with a click and no script."""
    token = tokens[index]
    if token.nesting != 1:
        return "</details>\n"
    about = token.info.strip()[len(SPOILER) :].strip()
    label = f"Spoiler: {about}" if about else "Spoiler"
    return f'<details class="spoiler"><summary>{escape(label)}</summary>\n'


_markdown = MarkdownIt("commonmark", {"typographer": False}).enable("table").enable("strikethrough")
container_plugin(_markdown, SPOILER, render=render_spoiler)

ALLOWED_TAGS = {
    "a",
    "abbr",
    "blockquote",
    "br",
    "cite",
    "code",
    "del",
    "details",
    "em",
    "figcaption",
    "figure",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "details": {"class"},
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "td": {"align"},
    "th": {"align"},
}


# A folded passage as render_markdown writes it (innermost first, for nested ones).
FOLDED = re.compile(r"<details\b[^>]*>(?:(?!<details\b).)*?</details>", re.DOTALL)
SPOILER_FENCE = re.compile(r"^ {0,3}(:{3,})\s*(\S*)")

# Links may be to web pages, email addresses or this site; images only from this site.
LINK_SCHEMES = {"http", "https", "mailto"}
# An <img> as nh3 writes it: every attribute name="value", with " written &quot;.
IMG_TAG = re.compile(r"<img((?:\s+[\w:-]+=\"[^\"]*\")*)\s*/?>")
ATTRIBUTE = re.compile(r'([\w:-]+)="([^"]*)"')


def image_origins():
    """The origins images may come from besides relative paths: the site's own (SITE_URL)
    and the media host's (MEDIA_ORIGINS)."""
    origins = {settings.SITE_URL, *settings.MEDIA_ORIGINS}
    return {origin_of(url) for url in origins if url}


def origin_of(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def is_own_image(src):
    """Whether an image address is a path on this site or on one of ``image_origins()``.

    A path starting with two slashes, or a slash and a backslash, names another host to a
    browser; an address with a scheme must be on one of the allowed origins.
    """
    src = src.strip()
    if src.startswith(("//", "/\\", "\\")):
        return False
    parts = urlsplit(src)
    if not parts.scheme and not parts.netloc:
        return True
    return bool(parts.netloc) and origin_of(src) in image_origins()


def keep_own_images(element, attribute, value):
    """nh3's attribute filter: an image from elsewhere loses its ``src``."""
    if element == "img" and attribute == "src" and not is_own_image(value):
        return None
    return value


def foreign_images_as_text(html):
    """Each <img> left without a ``src`` (it was from elsewhere) replaced by its alt text."""

    def replace(match):
        attributes = dict(ATTRIBUTE.findall(match.group(1)))
        if "src" in attributes:
            return match.group(0)
        return escape(html_entities.unescape(attributes.get("alt", "")))

    return IMG_TAG.sub(replace, html)


def _add_heading_ids(tokens):
    """Give each heading an id from its text, unique within the document."""
    seen = set()
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        base = slugify(tokens[index + 1].content) or "section"
        anchor, n = base, 2
        while anchor in seen:
            anchor, n = f"{base}-{n}", n + 1
        seen.add(anchor)
        token.attrSet("id", anchor)


def render_markdown(text):
    """Render Markdown to HTML that cannot run script, with the list of its sections.

    Raw HTML is sanitised: links keep only http, https, mailto or relative addresses, and
    an image is kept only from this site or its media host (any other, a tracking pixel,
    becomes its alt text), whatever the Content Security Policy would have let through.
    Headings written as ``#`` become ``<h2>`` (the page's own title is the ``<h1>``),
    and every heading gets an ``id``. Returns ``(html, sections)`` where ``sections``
    lists the ``{"id", "title"}`` of each ``<h2>`` in order, for a table of contents.
    """
    env = {}
    tokens = _markdown.parse(text or "", env)
    for token in tokens:
        if token.type in ("heading_open", "heading_close") and token.tag == "h1":
            token.tag = "h2"
    _add_heading_ids(tokens)
    sections = [
        {"id": token.attrGet("id"), "title": tokens[index + 1].content}
        for index, token in enumerate(tokens)
        if token.type == "heading_open" and token.tag == "h2"
    ]
    html = _markdown.renderer.render(tokens, _markdown.options, env)
    html = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=keep_own_images,
        url_schemes=LINK_SCHEMES,
        link_rel="noopener",
    )
    return foreign_images_as_text(html), sections


def without_folded(html):
    """The HTML without its folded passages (spoilers), for snippets and summaries."""
    while True:
        html, removed = FOLDED.subn("", html)
        if not removed:
            return html


def without_spoilers(text):
    """The Markdown without its ``::: spoiler`` blocks, for summaries of the text."""
    kept, open_fences = [], []
    for line in (text or "").splitlines():
        fence = SPOILER_FENCE.match(line)
        colons, name = (len(fence.group(1)), fence.group(2)) if fence else (0, "")
        if fence and name.startswith(SPOILER):
            open_fences.append(colons)
        elif fence and not name and open_fences and colons >= open_fences[-1]:
            open_fences.pop()
        elif not open_fences:
            kept.append(line)
    return "\n".join(kept)
