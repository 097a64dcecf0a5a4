"""Every pharmacy gets its "Actualités" page, showing the agency's news from day one."""

from .models import NewsIndexPage

NEWS_INDEX_SLUG = "actualites"


def default_pages(home):
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
