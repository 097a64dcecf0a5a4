"""Site-wide routes of this app (tracking and cancel links, webhooks, admin file views)."""

app_name = "rdv"
urlpatterns: list = []
