"""`import_posts`: Markdown with front matter → agency posts, exact French text, idempotent."""

import io

import pytest
from django.core.management import CommandError, call_command
from PIL import Image as PILImage
from wagtail.images import get_image_model

from blog.models import BlogPostPage
from blog.roles import AGENCY_COLLECTION

SAMPLE = """---
title: "Grippe : « protégez-vous » — c’est le moment…"
author: Dr Hélène Roussel
date: 2026-10-13
tags: [vaccination, prévention]
caption: entete.png
alt: Une pharmacienne prépare un vaccin
---
La campagne démarre le **13 octobre** : c’est l’heure de la vaccination… sans ordonnance.

## Qui peut être vacciné ?

Les personnes *à risque* et leur entourage — voir [ameli.fr](https://www.ameli.fr/grippe).

- plus de 65 ans ;
- femmes enceintes.

### Où ?

Dans votre pharmacie, « sans rendez-vous ».
"""


def _png(path):
    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 48), (11, 122, 86)).save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())


def _import(*paths, publish=True):
    out, err = io.StringIO(), io.StringIO()
    args = [str(p) for p in paths] + (["--publish"] if publish else [])
    try:
        call_command("import_posts", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), exc
    return out.getvalue(), err.getvalue(), None


@pytest.fixture
def sample(tmp_path):
    md = tmp_path / "grippe-2026.md"
    md.write_text(SAMPLE, encoding="utf-8")
    _png(tmp_path / "entete.png")
    return md


def test_import_keeps_french_text_and_structure(agency_blog, sample, client_a):
    out, err, failed = _import(sample)
    assert failed is None, err
    post = BlogPostPage.objects.get()
    assert post.title == "Grippe : « protégez-vous » — c’est le moment…"
    assert post.author == "Dr Hélène Roussel"
    assert str(post.date) == "2026-10-13"
    assert sorted(t.name for t in post.tags.all()) == ["prévention", "vaccination"]
    assert (
        post.intro
        == "La campagne démarre le 13 octobre : c’est l’heure de la vaccination… sans ordonnance."
    )
    assert [b.block_type for b in post.body] == ["heading", "paragraph", "heading", "paragraph"]
    assert post.body[0].value["text"] == "Qui peut être vacciné ?"
    assert post.body[0].value["level"] == "h2"
    assert post.body[2].value["level"] == "h3"
    paragraph = post.body[1].value.source
    assert "<i>à risque</i>" in paragraph
    assert '<a href="https://www.ameli.fr/grippe">ameli.fr</a>' in paragraph
    assert "<ul>" in paragraph and "<li>femmes enceintes.</li>" in paragraph
    assert "« sans rendez-vous »" in post.body[3].value.source
    assert post.header_image.collection.name == AGENCY_COLLECTION
    assert post.header_image_alt == "Une pharmacienne prépare un vaccin"
    assert post.live

    html = client_a.get(f"/actualites/{post.slug}/").content.decode()
    assert "Grippe : « protégez-vous » — c’est le moment…" in html
    assert "<i>à risque</i>" in html
    assert 'alt="Une pharmacienne prépare un vaccin"' in html


def test_reimport_updates_instead_of_duplicating(agency_blog, sample):
    _import(sample)
    sample.write_text(SAMPLE.replace("Dr Hélène Roussel", "Dr Hélène Roussel-Martin"), "utf-8")
    out, err, failed = _import(sample)
    assert failed is None, err
    assert "updated" in out
    post = BlogPostPage.objects.get()
    assert post.author == "Dr Hélène Roussel-Martin"
    assert get_image_model().objects.count() == 1


def test_draft_by_default(agency_blog, sample, client_a):
    out, err, failed = _import(sample, publish=False)
    assert failed is None, err
    post = BlogPostPage.objects.get()
    assert not post.live
    assert client_a.get(f"/actualites/{post.slug}/").status_code == 404


def test_bad_files_are_reported_and_the_others_import(agency_blog, sample, tmp_path):
    no_front = tmp_path / "sans-entete.md"
    no_front.write_text("# Juste du texte\n\nPas de bloc YAML.", encoding="utf-8")
    bad_date = tmp_path / "date-bizarre.md"
    bad_date.write_text(
        '---\ntitle: "Date"\ndate: "le 3 mars"\nauthor: X\n---\nTexte.', encoding="utf-8"
    )
    no_image = tmp_path / "image-absente.md"
    no_image.write_text(
        '---\ntitle: "Canicule"\ndate: 2026-07-01\ncaption: absente.jpg\n---\nTexte.',
        encoding="utf-8",
    )
    out, err, failed = _import(no_front, bad_date, sample, no_image)
    assert failed is not None and failed.returncode == 1
    assert f"{no_front}: no front matter" in err
    assert f"{bad_date}: unknown date format 'le 3 mars'" in err
    assert f"{no_image}: header image 'absente.jpg' not found" in err
    assert "1 imported, 3 failed" in str(failed)
    assert list(BlogPostPage.objects.values_list("title", flat=True)) == [
        "Grippe : « protégez-vous » — c’est le moment…"
    ]


def test_without_agency_blog_the_command_fails_clearly(db, sample):
    with pytest.raises(CommandError, match="No agency blog index"):
        call_command("import_posts", str(sample))
