"""Routes under a page ("<page url>ordonnance/..."); each view is called as view(request, page, **kwargs)."""

urlpatterns: list = []
