"""Markdown to safe HTML, for the bodies editors write."""

import nh3
from django.utils.text import slugify
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"typographer": False}).enable("table").enable("strikethrough")

ALLOWED_TAGS = {
    "a",
    "abbr",
    "blockquote",
    "br",
    "cite",
    "code",
    "del",
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
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "td": {"align"},
    "th": {"align"},
}


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

    Raw HTML is sanitised and unsafe URLs (``javascript:``, ``data:``) are removed.
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
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener",
    )
    return html, sections
