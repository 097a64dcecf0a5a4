"""Demo content of the news feature: the agency blog with three posts, one pharmacy's own post."""

import datetime as dt
import shutil
import tempfile
from pathlib import Path

from django.utils.text import slugify
from PIL import Image as PILImage
from PIL import ImageDraw

from .importer import import_post_file
from .models import BlogIndexPage, BlogPostPage, NewsIndexPage
from .provisioning import default_pages
from .roles import agency_collection, setup_agency_editors

DEMO_POSTS_DIR = Path(__file__).parent / "demo_posts"
HEADER_COLOURS = [(11, 122, 86), (28, 93, 153), (199, 120, 34)]


def _header_png(path: Path, colour) -> None:
    """A plain banner, so the demo shows header images without shipping binaries."""
    image = PILImage.new("RGB", (1200, 675), colour)
    draw = ImageDraw.Draw(image)
    for i in range(0, 1200, 60):
        draw.line([(i, 675), (i + 300, 0)], fill=tuple(min(255, c + 25) for c in colour), width=8)
    image.save(path, "PNG")


def ensure_agency_blog(agency_home) -> BlogIndexPage:
    blog = BlogIndexPage.objects.child_of(agency_home).first()
    if blog is None:
        blog = BlogIndexPage(
            title="Actualités santé",
            slug="actualites",
            show_in_menus=True,
            intro="Les conseils santé de l’agence, repris sur le site de chaque pharmacie du réseau.",
        )
        agency_home.add_child(instance=blog)
        blog.save_revision().publish()
    return blog


def seed_agency_blog(agency_home) -> BlogIndexPage:
    blog = ensure_agency_blog(agency_home)
    setup_agency_editors(blog)
    sources = sorted(DEMO_POSTS_DIR.glob("*.md"))
    with tempfile.TemporaryDirectory() as tmp:
        for number, source in enumerate(sources):
            if BlogPostPage.objects.filter(import_key=f"demo-{source.stem}").exists():
                continue
            copy = Path(tmp) / source.name
            shutil.copyfile(source, copy)
            _header_png(Path(tmp) / f"{_image_name(source)}", HEADER_COLOURS[number % 3])
            import_post_file(copy, blog, publish=True, collection=agency_collection())
    return blog


def _image_name(source: Path) -> str:
    for line in source.read_text(encoding="utf-8").splitlines():
        if line.startswith("caption:"):
            return line.split(":", 1)[1].strip()
    return f"{slugify(source.stem)}.png"


def seed_pharmacy_news(pharmacy) -> None:
    """Every pharmacy has its news page; the first demo pharmacy also has a post of its own."""
    home = pharmacy.site.root_page.specific
    default_pages(home)
    if pharmacy.slug != "pharmacie-du-centre":
        return
    news = NewsIndexPage.objects.child_of(home).first()
    if BlogPostPage.objects.child_of(news).exists():
        return
    post = BlogPostPage(
        title="Journée de dépistage du diabète le samedi 14 novembre",
        slug="journee-depistage-diabete",
        author="Claire Martin",
        date=dt.date(2026, 11, 2),
        intro="À l’occasion de la Journée mondiale du diabète, nous vous proposons un test de "
        "glycémie gratuit et confidentiel, sans rendez-vous, de 9 h à 12 h 30.",
        body=[
            (
                "paragraph",
                "<p>Le test prend cinq minutes : une goutte de sang au bout du doigt suffit. "
                "Si le résultat est élevé, nous vous orientons vers votre médecin traitant.</p>",
            )
        ],
    )
    post.tags.set(["dépistage", "diabète"])
    news.add_child(instance=post)
    post.save_revision().publish()
