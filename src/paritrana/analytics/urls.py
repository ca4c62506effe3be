"""Indicator pages under ``/indicators/`` and the public dashboard (``public_patterns``, mounted at ``/publik/``)."""

from django.urls import path, re_path

from paritrana.analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.scorecard, name="scorecard"),
    re_path(r"^export\.(?P<fmt>csv|xlsx|pdf)$", views.export, name="export"),
    path("region/<str:code>/", views.region_detail, name="region"),
    path("boundaries/", views.boundaries, name="boundaries"),
    path("refresh/", views.refresh, name="refresh"),
    path("reference/", views.reference, name="reference"),
]

#: The dashboard anyone may read, without logging in: ``include(public_patterns)`` names it ``public:dashboard``.
public_patterns = ([path("", views.public_dashboard, name="dashboard")], "public")
