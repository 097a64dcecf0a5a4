from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

NEWS_INDEX_SLUG = "actualites"
BLOG_INDEX_SLUG = "actualites"
PUBLISH_SCHEDULED_EVERY_SECONDS = 60.0


class BlogConfig(AppConfig):
    """Agency news and pharmacy news; plugs into provisioning, the demo seed and Celery beat."""

    name = "cms.blog"
    label = "blog"
    verbose_name = _("Actualités")

    def ready(self):
        from cms.celery import app

        app.conf.beat_schedule["blog-publish-scheduled"] = {
            "task": "cms.blog.tasks.publish_scheduled",
            "schedule": PUBLISH_SCHEDULED_EVERY_SECONDS,
        }

    def pharmacy_default_pages(self, home):
        """Every pharmacy gets its "Actualités" page, showing the agency's news from day one."""
        from .models import NewsIndexPage

        if NewsIndexPage.objects.child_of(home).exists():
            return []
        news = NewsIndexPage(
            title="Actualités",
            slug=NEWS_INDEX_SLUG,
            show_in_menus=True,
            intro="Les conseils santé et les nouvelles de votre pharmacie.",
        )
        home.add_child(instance=news)
        news.save_revision().publish()
        return [news]

    def seed_demo_agency(self, agency_home):
        from .demo import seed_agency_blog

        seed_agency_blog(agency_home)

    def seed_demo(self, pharmacy):
        from .demo import seed_pharmacy_news

        seed_pharmacy_news(pharmacy)
