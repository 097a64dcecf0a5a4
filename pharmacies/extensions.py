"""Extension points: how an app plugs into the platform without the platform importing it.

Dependencies point one way (features → platform → pharmacies), so the platform cannot name the
features it serves. Instead each app declares on its AppConfig, as dotted paths, what it adds; the
platform reads those declarations here, in INSTALLED_APPS order. Adding a feature app is then a
matter of listing it in the settings: no edit in `cms/` or `pharmacies/`.

Every extension point, who reads it, and what the dotted path must name:

==========================  ==================  ==================================================
attribute                   read by             declares
==========================  ==================  ==================================================
``body_blocks``             cms.blocks          {stream name: block class} added to every page body
``page_routes``             cms.public_forms    {prefix: URLconf} of public routes under any page
                                                ("<page url><prefix>/..."), views called as
                                                view(request, page, **kwargs)
``site_urls``               config.urls         {prefix: URLconf} of site-wide routes
``staff_permissions``       provisioning        "app_label.codename" given to every staff group
``agency_permissions``      blog.roles          "app_label.codename" given to the agency editors
                                                group (shared data only, never a pharmacy's)
``home_page``               provisioning        callable(name, slug) -> the new site's root page
                                                (one app, the page-tree owner, declares it)
``default_pages``           provisioning        callable(home) -> pages created for a new pharmacy
``pharmacy_provisioned``    provisioning        callable(pharmacy, home), after all default pages
``demo_agency``             seed_demo           callable(agency_home): demo content of the agency
``demo_pharmacy``           seed_demo           callable(pharmacy): demo content of a pharmacy
``patient_data``            pharmacies.gdpr     a PatientData class: export and erase its own rows
``public_services``         cms (services page, callable(pharmacy, request) -> [{"name", "description",
                            meta, JSON-LD)      "url"}]: what patients can book or ask for, with a link
``page_cache_models``       cms.caching         "app_label.Model" with a ``pharmacy`` foreign key,
                                                shown on that pharmacy's pages (saves purge them)
``notification_events``     notifications       {event code: French label} of the messages the app
                                                sends, shown in the sending log instead of the code
``dashboard``               pharmacies.         callable(request) -> list of `DashboardItem`: the
                            dashboard           app's panel, menu badge and live count on the
                                                pharmacy's dashboard (none when not permitted)
==========================  ==================  ==================================================

Celery beat entries are the project's: `config/settings/base.py` lists them (the project package is
the only code that knows every app).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.apps import AppConfig, apps
from django.utils.module_loading import import_string


class PluggableAppConfig(AppConfig):
    """Base of the AppConfig of every app that plugs into the platform; all points are optional.

    Subclass it as `extensions.PluggableAppConfig` (module import): Django picks an app's config
    only when its apps.py holds exactly one AppConfig subclass by name.
    """

    body_blocks: dict[str, str] = {}
    page_routes: dict[str, str] = {}
    site_urls: dict[str, str] = {}
    staff_permissions: list[str] = []
    agency_permissions: list[str] = []
    home_page: str = ""
    default_pages: str = ""
    pharmacy_provisioned: str = ""
    demo_agency: str = ""
    demo_pharmacy: str = ""
    patient_data: str = ""
    public_services: str = ""
    page_cache_models: list[str] = []
    notification_events: str = ""
    dashboard: str = ""


def _configs() -> Iterator[AppConfig]:
    return (config for config in apps.get_app_configs() if isinstance(config, PluggableAppConfig))


def declared_mappings(attribute: str) -> dict[str, str]:
    """The union of every app's {name: dotted path} for `attribute`; a name declared twice is a bug."""
    merged: dict[str, str] = {}
    for config in _configs():
        for name, target in getattr(config, attribute).items():
            if name in merged:
                raise ValueError(f"{attribute} {name!r} is declared by two apps")
            merged[name] = target
    return merged


def declared_lists(attribute: str) -> list[str]:
    return [item for config in _configs() for item in getattr(config, attribute)]


def declared_objects(attribute: str) -> list[Any]:
    """The objects named by every app's dotted path for `attribute`, in INSTALLED_APPS order."""
    return [
        import_string(getattr(config, attribute))
        for config in _configs()
        if getattr(config, attribute)
    ]


def merged_objects(attribute: str) -> dict:
    """The union of the dictionaries named by every app's dotted path for `attribute`."""
    merged: dict = {}
    for found in declared_objects(attribute):
        merged.update(found)
    return merged


def single_callable(attribute: str) -> Callable:
    found = declared_objects(attribute)
    if len(found) != 1:
        raise LookupError(f"Exactly one app must declare {attribute}; found {len(found)}")
    return found[0]
