"""WordPress post HTML, block comments and common shortcodes as the site's Markdown.

Headings become sections (``##``), quotations ``>``, lists, links and images their
Markdown; a table, which Markdown cannot say as WordPress does, stays HTML, kept to the
tags the site allows (the body is sanitised again when it is rendered). Script, styles,
frames and forms are dropped; an embedded video or post becomes a link to it.
"""

import html
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "param",
    "source",
    "track",
    "wbr",
}
DROPPED = {
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "math",
    "form",
    "button",
    "input",
    "select",
    "textarea",
    "head",
    "title",
    "meta",
    "link",
    "object",
    "canvas",
}
INLINE = {
    "a",
    "abbr",
    "b",
    "big",
    "br",
    "cite",
    "code",
    "del",
    "em",
    "font",
    "i",
    "img",
    "ins",
    "kbd",
    "mark",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "sup",
    "time",
    "tt",
    "u",
    "var",
    "wbr",
    "label",
}
TABLE_TAGS = {
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "td",
    "th",
    "caption",
    "a",
    "strong",
    "em",
    "b",
    "i",
    "br",
    "code",
    "sup",
    "sub",
}
HEADING_LEVEL = {"h1": 2, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 5}
LINK_SCHEMES = {"http", "https", "mailto", ""}

PARAGRAPH = "\x00P"
LINE_BREAK = "\x00B"

CAPTION = re.compile(r"\[(?:wp_)?caption([^\]]*)\](.*?)\[/(?:wp_)?caption\]", re.S | re.I)
GALLERY = re.compile(r"\[gallery([^\]]*)\]", re.I)
EMBED = re.compile(r"\[embed[^\]]*\](.*?)\[/embed\]", re.S | re.I)
MEDIA = re.compile(
    r"\[(?:video|audio|youtube|vimeo)[= ]([^\]]*)\](?:.*?\[/(?:video|audio)\])?", re.S | re.I
)
SHORTCODE_ATTRIBUTE = re.compile(r'([\w-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\'|(\S+))')
FIRST_URL = re.compile(r"https?://[^\s\"'\]<>]+")
IMAGE_TAG = re.compile(r"<img\b[^>]*>", re.I)


def shortcode_attributes(text):
    return {m[1].lower(): m[2] or m[3] or m[4] or "" for m in SHORTCODE_ATTRIBUTE.finditer(text)}


def expand_shortcodes(content, gallery_images):
    """[caption], [gallery], [embed] and the media shortcodes as the HTML they stand for."""

    def caption(match):
        attributes = shortcode_attributes(match[1])
        inner = match[2]
        images = re.search(r"(?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?", inner, re.I)
        text = attributes.get("caption", "")
        if images:
            text = (inner[: images.start()] + inner[images.end() :]).strip() or text
            image = images[0]
        else:
            image = ""
        return f"<figure>{image}<figcaption>{text}</figcaption></figure>"

    def gallery(match):
        pictures = gallery_images(shortcode_attributes(match[1]))
        tags = "".join(
            f'<img src="{html.escape(src)}" alt="{html.escape(alt)}">' for src, alt in pictures
        )
        return f"<figure>{tags}</figure>" if tags else ""

    def link(url):
        url = url.strip()
        if not FIRST_URL.fullmatch(url):
            return ""
        return f'<p><a href="{html.escape(url)}">{html.escape(url)}</a></p>'

    def media(match):
        found = FIRST_URL.search(match[1])
        return link(found[0]) if found else ""

    content = CAPTION.sub(caption, content)
    content = GALLERY.sub(gallery, content)
    content = EMBED.sub(lambda match: link(html.unescape(match[1])), content)
    return MEDIA.sub(media, content)


def image_sources(content):
    """The address of every image the post shows, as written."""
    found = []
    for tag in IMAGE_TAG.findall(content):
        match = re.search(r"""\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)')""", tag, re.I)
        if match:
            found.append(html.unescape(match[1] or match[2] or ""))
    return found


class Node:
    def __init__(self, tag, attrs=(), parent=None):
        self.tag = tag
        self.attrs = dict(attrs)
        self.children = []
        self.parent = parent

    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def has_block(self):
        return any(
            not isinstance(c, str)
            and c.tag not in DROPPED
            and (c.tag not in INLINE or c.has_block())
            for c in self.children
        )


class TreeParser(HTMLParser):
    """A forgiving HTML tree: unknown end tags ignored, <p> and <li> closed as browsers do."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("root")

    def handle_starttag(self, tag, attrs):
        if tag not in INLINE and tag not in DROPPED:
            self.close_open("p")
        if tag == "li":
            self.close_open("li", stop={"ul", "ol"})
        node = Node(tag, [(k, v or "") for k, v in attrs], self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.current.tag == tag:
            self.current = self.current.parent

    def close_open(self, tag, stop=()):
        node = self.current
        while node.tag != "root" and node.tag not in stop:
            if node.tag == tag:
                self.current = node.parent
                return
            node = node.parent

    def handle_endtag(self, tag):
        node = self.current
        while node.tag != "root":
            if node.tag == tag:
                self.current = node.parent
                return
            node = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def escape_text(text):
    """Text as Markdown that shows it as written: no formatting, no HTML of its own."""
    text = text.replace("\\", "\\\\").replace("&", "&amp;").replace("<", "&lt;")
    return re.sub(r"([`*_\[\]~])", r"\\\1", text)


LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)]|[-=]+\s*$)", re.M)


def escape_line_starts(paragraph):
    return LINE_START.sub(
        lambda m: (
            m[1] + "\\" + m[2]
            if m[2][0] not in "0123456789"
            else m[1] + m[2][:-1] + "\\" + m[2][-1]
        ),
        paragraph,
    )


def safe_link(href):
    href = (href or "").strip()
    try:
        scheme = urlsplit(href).scheme.lower()
    except ValueError:
        return ""
    return href if href and scheme in LINK_SCHEMES else ""


def url_for_markdown(url):
    return f"<{url}>" if re.search(r"[\s()<>]", url) else url


class Converter:
    def __init__(self, image_src, autop):
        self.image_src = image_src
        self.autop = autop

    def blocks(self, children):
        blocks, run = [], []
        for child in children:
            if not isinstance(child, str) and child.tag in DROPPED:
                continue
            if isinstance(child, str) or (child.tag in INLINE and not child.has_block()):
                run.append(child)
                continue
            blocks.extend(self.paragraphs(run))
            run = []
            blocks.extend(self.block(child))
        blocks.extend(self.paragraphs(run))
        return [block for block in blocks if block.strip()]

    def paragraphs(self, run):
        text = self.inline(run)
        result = []
        for paragraph in text.split(PARAGRAPH):
            lines = [" ".join(line.split()) for line in paragraph.split(LINE_BREAK)]
            lines = [line for line in lines if line]
            if lines:
                result.append(escape_line_starts("\\\n".join(lines)))
        return result

    def block(self, node):
        tag = node.tag
        if tag in DROPPED:
            return []
        if tag in HEADING_LEVEL:
            text = " ".join(self.inline(node.children, breaks=False).split())
            return [f"{'#' * HEADING_LEVEL[tag]} {text}"] if text else []
        if tag == "blockquote":
            inner = "\n\n".join(self.blocks(node.children))
            return ["\n".join(f"> {line}".rstrip() for line in inner.split("\n"))] if inner else []
        if tag in ("ul", "ol"):
            return [self.list(node)]
        if tag == "pre":
            code = node.text().strip("\n")
            fence = "`" * max(3, max((len(m) for m in re.findall(r"`+", code)), default=0) + 1)
            return [f"{fence}\n{code}\n{fence}"]
        if tag == "hr":
            return ["---"]
        if tag == "figcaption":
            text = " ".join(self.inline(node.children, breaks=False).split())
            return [f"*{text}*"] if text else []
        if tag == "table":
            return [self.table_html(node)]
        if tag in ("iframe", "embed", "video", "audio"):
            sources = [node.attrs.get("src", "")] + [
                c.attrs.get("src", "") for c in node.children if not isinstance(c, str)
            ]
            links = [s for s in sources if s.startswith(("http://", "https://"))]
            return [f"<{links[0]}>"] if links else []
        if tag == "dt":
            text = " ".join(self.inline(node.children, breaks=False).split())
            return [f"**{text}**"] if text else []
        return self.blocks(node.children)

    def list(self, node, depth=0):
        items = []
        number = 1
        for child in node.children:
            if isinstance(child, str) or child.tag != "li":
                continue
            marker = f"{number}. " if node.tag == "ol" else "- "
            number += 1
            blocks = self.blocks(child.children) or [""]
            # A list inside an item follows its words directly, so the list stays tight.
            inner = blocks[0]
            for block in blocks[1:]:
                inner += ("\n" if re.match(r"(- |\d+\. )", block) else "\n\n") + block
            indent = " " * len(marker)
            lines = inner.split("\n")
            items.append(
                "\n".join(
                    [marker + lines[0]] + [indent + line if line else "" for line in lines[1:]]
                )
            )
        return "\n".join(items)

    def inline(self, nodes, breaks=True):
        parts = []
        for node in nodes:
            if isinstance(node, str):
                parts.append(self.text(node, breaks))
                continue
            tag = node.tag
            if tag in DROPPED:
                continue
            if tag == "br":
                parts.append(LINE_BREAK if breaks else " ")
            elif tag == "img":
                parts.append(self.image(node))
            elif tag == "a":
                parts.append(self.link(node, breaks))
            elif tag in ("strong", "b"):
                parts.append(self.wrap("**", self.inline(node.children, breaks)))
            elif tag in ("em", "i", "cite"):
                parts.append(self.wrap("*", self.inline(node.children, breaks)))
            elif tag in ("del", "s", "strike"):
                parts.append(self.wrap("~~", self.inline(node.children, breaks)))
            elif tag in ("code", "kbd", "samp", "tt"):
                code = " ".join(node.text().split())
                fence = "``" if "`" in code else "`"
                parts.append(f"{fence}{code}{fence}" if code else "")
            elif tag in ("sub", "sup"):
                inner = self.inline(node.children, breaks)
                parts.append(f"<{tag}>{inner}</{tag}>" if inner.strip() else "")
            elif tag == "q":
                parts.append(f"“{self.inline(node.children, breaks)}”")
            else:
                parts.append(self.inline(node.children, breaks))
        return "".join(parts)

    def text(self, text, breaks):
        text = escape_text(text)
        if self.autop and breaks:
            text = re.sub(r"[ \t]*\n[ \t]*\n\s*", PARAGRAPH, text)
            text = re.sub(r"[ \t]*\n[ \t]*", LINE_BREAK, text)
        return re.sub(r"[ \t\r\n\f\v]+", " ", text)

    @staticmethod
    def wrap(marker, inner):
        stripped = inner.strip()
        if not stripped:
            return inner
        lead = " " if inner[:1].isspace() else ""
        trail = " " if inner[-1:].isspace() else ""
        return f"{lead}{marker}{stripped}{marker}{trail}"

    def image(self, node):
        src = self.image_src(html.unescape(node.attrs.get("src", "")).strip())
        alt = escape_text(" ".join(node.attrs.get("alt", "").split()))
        if not src:
            return ""
        return f"![{alt}]({url_for_markdown(src)})"

    def link(self, node, breaks):
        content = [c for c in node.children if not (isinstance(c, str) and not c.strip())]
        if len(content) == 1 and not isinstance(content[0], str) and content[0].tag == "img":
            return self.image(content[0])  # a thumbnail linked to its full size
        inner = self.inline(node.children, breaks)
        href = safe_link(html.unescape(node.attrs.get("href", "")))
        if not href or not inner.strip():
            return inner
        return f"[{inner.strip()}]({url_for_markdown(href)})"

    def table_html(self, node):
        def serialise(item):
            if isinstance(item, str):
                return html.escape(" ".join(item.split()) and item.replace("\n", " "))
            if item.tag in DROPPED:
                return ""
            inner = "".join(serialise(child) for child in item.children)
            if item.tag not in TABLE_TAGS:
                return inner
            if item.tag == "br":
                return "<br>"
            attributes = ""
            if item.tag == "a" and (href := safe_link(item.attrs.get("href"))):
                attributes = f' href="{html.escape(href)}"'
            return f"<{item.tag}{attributes}>{inner}</{item.tag}>"

        return re.sub(r"\n+", " ", serialise(node))


def to_markdown(content, image_src=lambda src: src, gallery_images=lambda attributes: []):
    """The post's ``content`` as Markdown.

    ``image_src(src)`` gives the address each image is shown from, or "" to leave it out;
    ``gallery_images(attributes)`` the ``(src, alt)`` of a [gallery]'s images.
    """
    # WordPress adds paragraphs at blank lines (wpautop) only to classic posts, not blocks.
    autop = "<!-- wp:" not in content
    expanded = expand_shortcodes(content, gallery_images)
    parser = TreeParser()
    parser.feed(expanded)
    parser.close()
    blocks = Converter(image_src, autop).blocks(parser.root.children)
    return "\n\n".join(blocks).strip() + "\n" if blocks else ""


def plain_text(content):
    """The post's words without markup, for finding a rating in them."""
    parser = TreeParser()
    parser.feed(expand_shortcodes(content, lambda attributes: []))
    parser.close()
    return " ".join(parser.root.text().split())
