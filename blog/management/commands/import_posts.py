"""Import agency posts from Markdown files with YAML front matter.

    manage.py import_posts articles/*.md [--publish]

Each file is imported in its own transaction: a bad file is reported by name with the reason and
the others still import. The exit code is non-zero when any file failed.
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from blog.importer import ImportFailure, import_post_file
from blog.models import BlogIndexPage
from blog.roles import agency_collection


class Command(BaseCommand):
    help = "Import Markdown files (YAML front matter) as agency posts; re-importing updates them."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Markdown files or folders of .md files")
        parser.add_argument(
            "--publish", action="store_true", help="publish the posts (default: save as drafts)"
        )
        parser.add_argument("--index", type=int, help="id of the agency blog index page")

    def handle(self, *args, paths, publish=False, index=None, **options):
        indexes = BlogIndexPage.objects.order_by("path")
        parent = (indexes.filter(pk=index) if index else indexes).first()
        if parent is None:
            raise CommandError("No agency blog index page: create one (or run seed_demo) first.")
        files = self.expand(paths)
        collection = agency_collection()
        failures = 0
        for path in files:
            try:
                with transaction.atomic():
                    result = import_post_file(path, parent, publish=publish, collection=collection)
            except ImportFailure as exc:
                failures += 1
                self.stderr.write(f"{path}: {exc}")
                continue
            except ValidationError as exc:
                failures += 1
                self.stderr.write(f"{path}: invalid post ({'; '.join(exc.messages)})")
                continue
            verb = "created" if result.created else "updated"
            state = "published" if publish else "draft"
            self.stdout.write(f"{path}: {verb} ({state}) {result.page.url_path}")
        summary = f"{len(files) - failures} imported, {failures} failed"
        if failures:
            raise CommandError(summary, returncode=1)
        self.stdout.write(self.style.SUCCESS(summary))

    def expand(self, paths):
        files = []
        for raw in paths:
            path = Path(raw)
            if path.is_dir():
                files.extend(sorted(path.glob("*.md")))
            else:
                files.append(path)
        return files
