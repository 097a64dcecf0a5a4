from django.conf import settings
from django.conf.urls.static import static
from django.urls import include, path, re_path
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import JavaScriptCatalog
from wagtail import urls as wagtail_urls
from wagtail import views as wagtail_views
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from cms import two_factor, views
from cms.public_forms import PAGE_ROUTE_PREFIXES
from pharmacies import admin_overrides
from pharmacies.extensions import declared_mappings

urlpatterns = [
    path("admin/", include(two_factor.urlpatterns)),
    # Wagtail admin views scoped to the user's pharmacies, at Wagtail's own addresses (first match).
    path("admin/", include(admin_overrides)),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("theme.css", views.theme_css, name="theme_css"),
    re_path(
        r"^(?P<name>favicon\.ico|apple-touch-icon\.png|icon-192\.png|icon-512\.png)$",
        views.site_icon,
        name="site_icon",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    # Texts of static/js/rdv.js (djangojs domain). "rdv" limits the catalog to that app and
    # LOCALE_PATHS, rather than every installed app's admin strings. One answer per language
    # (Vary: Accept-Language), the same for every visitor: browsers and the page cache keep it.
    path(
        "jsi18n/",
        cache_control(public=True, max_age=3600)(JavaScriptCatalog.as_view(packages=["rdv"])),
        name="javascript-catalog",
    ),
    *(path(prefix, include(urlconf)) for prefix, urlconf in declared_mappings("site_urls").items()),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Feature routes under a page ("<page>/ordonnance/...", "<page>/rdv/...") receive the cookie-less
# public forms, protected by cms.forms_guard instead of a CSRF cookie; every other page keeps
# Wagtail's CSRF-checked serve view.
urlpatterns += [
    re_path(
        rf"^((?:[\w\-]+/)*(?:{PAGE_ROUTE_PREFIXES})/(?:[\w\-]+/)*)$",
        csrf_exempt(wagtail_views.serve),
        name="wagtail_serve_feature_routes",
    ),
    path("", include(wagtail_urls)),
]
