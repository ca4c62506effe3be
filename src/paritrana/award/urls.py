"""Award pages under ``/award/`` and the published results (``public_patterns``, mounted at ``/penghargaan/``)."""

from django.urls import path, re_path

from paritrana.award import views

app_name = "award"
urlpatterns = [
    path("", views.editions, name="editions"),
    path("mine/", views.mine, name="mine"),
    path("panels/", views.panels, name="panels"),
    path("zones/", views.zones, name="zones"),
    path("editions/<int:pk>/", views.edition, name="edition"),
    path("categories/<int:pk>/", views.category, name="category"),
    path("categories/<int:pk>/ranking/", views.ranking, name="ranking"),
    path("categories/<int:pk>/crosscheck/", views.crosscheck, name="crosscheck"),
    re_path(r"^categories/(?P<pk>\d+)/export\.(?P<fmt>csv|xlsx)$", views.export, name="export"),
    re_path(r"^categories/(?P<pk>\d+)/framework\.(?P<fmt>yaml|json)$", views.framework, name="framework"),
    path("categories/<int:pk>/piagam.pdf", views.certificates, name="certificates"),
    path("participants/<int:pk>/", views.participant, name="participant"),
    path("participants/<int:pk>/report.pdf", views.participant_report, name="participant_report"),
    path("participants/<int:pk>/assessment/", views.assessment, name="assessment"),
    path("participants/<int:pk>/score/", views.score, name="score"),
    path("evidence/<int:pk>/", views.evidence, name="evidence"),
]

#: Published results, for everybody without logging in: ``include(public_patterns)`` names them ``penghargaan:*``.
public_patterns = (
    [
        path("", views.public_results, name="results"),
        path("peserta/<int:pk>/", views.public_participant, name="participant"),
        path("kategori/<int:pk>/piagam.pdf", views.public_certificates, name="certificates"),
        path("kategori/<int:pk>/hasil.xlsx", views.public_results_xlsx, name="results_xlsx"),
    ],
    "penghargaan",
)
