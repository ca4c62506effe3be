from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import path, re_path
from django.views.generic import RedirectView

from paritrana.web import jobs, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    # browsers ask for /favicon.ico whatever the page says: send them to the static file (cached by WhiteNoise)
    path("favicon.ico", RedirectView.as_view(url=static("web/favicon.ico"), permanent=True), name="favicon"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="web/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("regions/", views.regions, name="regions"),
    path("regions/groups/", views.groups, name="groups"),
    path("regions/groups/new/", views.group_edit, name="group_new"),
    path("regions/groups/<int:pk>/", views.group_edit, name="group_edit"),
    path("regions/groups/<int:pk>/delete/", views.group_delete, name="group_delete"),
    path("regions/<str:code>/", views.region_detail, name="region"),
    path("jobs/", jobs.job_list, name="jobs"),
    path("jobs/<int:pk>/", jobs.job_detail, name="job"),
    path("audit/", views.audit_list, name="audit"),
    re_path(r"^audit/export\.(?P<fmt>csv|xlsx)$", views.audit_export, name="audit_export"),
]
