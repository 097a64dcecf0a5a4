"""Markdown files with a YAML front matter block → agency posts (used by `import_posts`).

Kept apart from the command so the conversion can be tested and reused (the demo seed uses it).
Front matter: `title`, `date`, `author`, `tags` (list or comma-separated), `caption` (the header
image's file name, next to the Markdown file), optionally `id` (stable identity; defaults to the
file name), `intro`, `alt` and `image_caption`. Re-importing a file updates the same post.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import frontmatter
import markdown
import yaml
from bs4 import BeautifulSoup, NavigableString, Tag
from django.core.files.images import ImageFile
from django.utils.text import slugify
from PIL import Image as PILImage
from PIL import UnidentifiedImageError
from wagtail.images import get_image_model
from wagtail.rich_text import RichText

from .models import BlogPostPage

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"]
HEADINGS = {"h1": "h2", "h2": "h2", "h3": "h3", "h4": "h3", "h5": "h3", "h6": "h3"}
RENAMED_TAGS = {"strong": "b", "em": "i", "pre": "p"}
# What Wagtail's default rich text editor keeps (its "database" HTML format).
ALLOWED_TAGS = {"p", "b", "i", "a", "ul", "ol", "li", "br", "hr"}


class ImportFailure(Exception):
    """A file that cannot become a post; the message says why, for the person importing."""


@dataclass
class ImportedPost:
    page: BlogPostPage
    created: bool


def parse_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ImportFailure(f"unknown date format {text!r} (expected YYYY-MM-DD or DD/MM/YYYY)")


def parse_tags(value) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def _clean(node: Tag) -> None:
    """Reduce converted Markdown to the subset of HTML Wagtail rich text stores."""
    for element in node.find_all(True):
        if element.name == "img":
            element.decompose()
            continue
        element.name = RENAMED_TAGS.get(element.name, element.name)
        if element.name in HEADINGS:
            element.name = "b"
        if element.name not in ALLOWED_TAGS:
            element.unwrap()
            continue
        href = element.get("href") if element.name == "a" else None
        element.attrs = {"href": href} if href else {}


def markdown_to_blocks(text: str, extract_intro=False) -> tuple[list[tuple[str, object]], str]:
    """StreamField data (headings as heading blocks, the rest as rich text) and an intro.

    With `extract_intro`, the first paragraph before any heading is taken out as plain text, to
    serve as the post's intro ("chapeau").
    """
    html = markdown.markdown(text, extensions=["sane_lists"], output_format="html")
    soup = BeautifulSoup(html, "html.parser")
    stream: list[tuple[str, object]] = []
    buffer: list[str] = []
    first_paragraph = ""

    def flush():
        content = "".join(buffer).strip()
        if content:
            stream.append(("paragraph", RichText(content)))
        buffer.clear()

    for node in list(soup.contents):
        if isinstance(node, NavigableString):
            if node.strip():
                buffer.append(f"<p>{node.strip()}</p>")
            continue
        if node.name in HEADINGS:
            flush()
            stream.append(
                (
                    "heading",
                    {"text": node.get_text(" ", strip=True)[:150], "level": HEADINGS[node.name]},
                )
            )
            continue
        if extract_intro and node.name == "p" and not stream and not buffer and not first_paragraph:
            first_paragraph = node.get_text("", strip=False).strip()
            continue
        wrapper = BeautifulSoup("", "html.parser").new_tag("div")
        wrapper.append(node)
        _clean(wrapper)
        content = wrapper.decode_contents().strip()
        if content and not content.startswith(("<p", "<ul", "<ol", "<hr")):
            content = f"<p>{content}</p>"
        if content:
            buffer.append(content)
    flush()
    return stream, first_paragraph


def _header_image(markdown_path: Path, file_name: str, collection, title: str):
    image_path = markdown_path.parent / file_name
    if not image_path.is_file():
        raise ImportFailure(f"header image {file_name!r} not found next to the Markdown file")
    data = image_path.read_bytes()
    try:
        with PILImage.open(io.BytesIO(data)) as probe:
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ImportFailure(f"header image {file_name!r} is not a readable image") from exc
    Image = get_image_model()
    file_hash = hashlib.sha1(data).hexdigest()  # noqa: S324 - same content hash as Wagtail's
    existing = Image.objects.filter(collection=collection, file_hash=file_hash).first()
    if existing:
        return existing
    image = Image(
        title=title[:255], collection=collection, file=ImageFile(io.BytesIO(data), name=file_name)
    )
    image.file_hash = file_hash
    image.save()
    return image


def _unique_slug(parent, title: str, page: BlogPostPage | None) -> str:
    base = slugify(title)[:70] or "article"
    siblings = parent.get_children()
    if page is not None and page.pk:
        siblings = siblings.exclude(pk=page.pk)
    taken = set(siblings.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def read_post_file(path: Path) -> frontmatter.Post:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ImportFailure("not UTF-8 text") from exc
    except OSError as exc:
        raise ImportFailure(f"cannot read the file ({exc.strerror})") from exc
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as exc:
        raise ImportFailure(f"invalid YAML front matter ({exc.__class__.__name__})") from exc
    if not post.metadata:
        raise ImportFailure("no front matter (a '---' YAML block with title, date, author)")
    for key in ("title", "date"):
        if not str(post.metadata.get(key) or "").strip():
            raise ImportFailure(f"front matter has no {key!r}")
    return post


def import_post_file(path: Path, parent, *, publish: bool, collection) -> ImportedPost:
    """Create or update the agency post of one Markdown file; raises ImportFailure on bad input."""
    path = Path(path)
    source = read_post_file(path)
    meta = source.metadata
    title = str(meta["title"]).strip()
    if len(title) > 255:
        raise ImportFailure("title longer than 255 characters")
    post_date = parse_date(meta["date"])
    tags = parse_tags(meta.get("tags"))
    intro = str(meta.get("intro") or "").strip()
    stream, first_paragraph = markdown_to_blocks(source.content, extract_intro=not intro)
    intro = intro or first_paragraph
    image = None
    if meta.get("caption"):
        image = _header_image(path, str(meta["caption"]).strip(), collection, title)

    key = str(meta.get("id") or path.stem).strip()
    page = BlogPostPage.objects.filter(import_key=key).first()
    created = page is None
    if created:
        page = BlogPostPage(import_key=key, live=False)
    page.title = title
    page.slug = _unique_slug(parent, title, page)
    page.author = str(meta.get("author") or "").strip()[:120]
    page.date = post_date
    page.intro = intro
    page.body = stream
    page.header_image = image
    page.header_image_alt = str(meta.get("alt") or "").strip()[:250]
    page.header_caption = str(meta.get("image_caption") or "").strip()[:250]
    page.tags.set(tags)
    if created:
        parent.add_child(instance=page)
    revision = page.save_revision(log_action=True)
    if publish:
        revision.publish()
    return ImportedPost(page=page, created=created)
