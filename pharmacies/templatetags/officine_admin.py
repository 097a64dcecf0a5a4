"""Admin template helpers: phone numbers as people write them, the user's pharmacy name."""

from django import template

from pharmacies import dashboard, phones, tenancy

register = template.Library()


@register.filter
def national_phone(value) -> str:
    """ "+33671234589" → "06 71 23 45 89" (stored E.164, shown nationally)."""
    return phones.national(value)


@register.simple_tag(takes_context=True)
def admin_pharmacy_name(context) -> str:
    """The pharmacy the admin user works for (names joined for several, empty for the agency)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.is_superuser:
        return ""
    names = list(tenancy.pharmacies_for_user(user).order_by("name").values_list("name", flat=True))
    return ", ".join(names[:3])


@register.simple_tag(takes_context=True)
def dashboard_items(context):
    """The features' counts for the dashboard head (see `pharmacies.dashboard`)."""
    request = context.get("request")
    return dashboard.items_for(request) if request is not None else []
