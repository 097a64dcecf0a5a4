"""Routes under a page ("<page url>rdv/..."); each view is called as view(request, page, **kwargs)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.step_view, name="steps"),
    path("creneaux/", views.slots_view, name="slots"),
    path("reserver/", views.book_view, name="book"),
    path("confirmation/<str:token>/", views.confirmation_view, name="confirmation"),
    path("merci/", views.thanks_view, name="thanks"),
    path("attente/", views.waitlist_view, name="waitlist"),
    path("attente/<str:token>/", views.waitlist_joined_view, name="waitlist_joined"),
]
