"""Site-wide routes of this app: the patient's private tracking link and its cancel action."""

from django.urls import path

from . import views

app_name = "collect"
urlpatterns = [
    path("suivi/<str:token>/", views.track, name="track"),
    path("suivi/<str:token>/annuler/", views.cancel, name="cancel"),
]
