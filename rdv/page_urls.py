"""Routes under a page ("<page url>rdv/..."); each view is called as view(request, page, **kwargs)."""

urlpatterns: list = []
