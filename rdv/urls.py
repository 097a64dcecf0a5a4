"""Site-wide routes of this app: the signed link to manage a booking and its calendar file, and
the staff's private iCal feed."""

from django.urls import path

from . import feed_views, views

app_name = "rdv"
urlpatterns = [
    path("gerer/<str:token>/", views.manage_view, name="manage"),
    path("gerer/<str:token>/rendez-vous.ics", views.ics_view, name="ics"),
    path("agenda/<str:token>/agenda.ics", feed_views.agenda_feed_view, name="agenda_feed"),
    path("attente/<str:token>/", views.waitlist_take_view, name="waitlist_take"),
]
