"""Routes under a page ("<page url>message/..."); each view is called as view(request, page, **kwargs)."""

from django.urls import path

from . import views

urlpatterns = [
    path("<str:block_id>/", views.submit, name="submit"),
    path("<str:block_id>/envoye/", views.sent, name="sent"),
]
