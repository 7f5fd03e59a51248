"""Readers' comments are plain text: paragraphs kept, addresses made links, no HTML."""

import re

from django.utils.html import urlize

PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
READER_LINK_REL = 'rel="nofollow ugc noopener"'


def render_comment_text(text):
    """Escape everything a reader wrote, then add paragraphs, line breaks and links."""
    paragraphs = PARAGRAPH_BREAK.split(text.replace("\r\n", "\n").strip())
    rendered = []
    for paragraph in paragraphs:
        if not paragraph.strip():
            continue
        html = urlize(paragraph.strip(), trim_url_limit=60, nofollow=True, autoescape=True)
        # urlize escaped the reader's text, so this attribute can only be one urlize wrote.
        html = html.replace('rel="nofollow"', READER_LINK_REL).replace("\n", "<br>")
        rendered.append(f"<p>{html}</p>")
    return "\n".join(rendered)
