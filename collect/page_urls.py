"""Routes under a page ("<page url>boutique/..."); each view is called as view(request, page, **kwargs)."""

from django.urls import path

from . import views

urlpatterns = [
    path("<str:block_id>/", views.catalogue_view, name="catalogue"),
    path("<str:block_id>/produit/<int:offer_id>/", views.product_view, name="product"),
    path("<str:block_id>/reserver/", views.reserve_view, name="reserve"),
    path("<str:block_id>/reservee/", views.confirmation_view, name="confirmation"),
]
