from django.urls import path

from paritrana.registry import views

app_name = "registry"

urlpatterns = [
    path("", views.worker_list, name="workers"),
    path("<int:pk>/", views.worker_detail, name="worker"),
    path("<int:pk>/change/", views.worker_change, name="worker_change"),
    path("changes/<int:pk>/evidence/", views.event_evidence, name="evidence"),
    path("deaths/", views.deaths, name="deaths"),
    path("import/", views.import_new, name="import_new"),
    path("import/<int:pk>/", views.import_detail, name="import"),
    path("import/<int:pk>/report.xlsx", views.import_report, name="import_report"),
]
