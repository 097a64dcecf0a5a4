"""Site-wide routes of this app: the signed link to manage a booking and its calendar file."""

from django.urls import path

from . import views

app_name = "rdv"
urlpatterns = [
    path("gerer/<str:token>/", views.manage_view, name="manage"),
    path("gerer/<str:token>/rendez-vous.ics", views.ics_view, name="ics"),
]
