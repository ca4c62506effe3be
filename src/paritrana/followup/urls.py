from django.urls import path, re_path

from paritrana.followup import views

app_name = "followup"
urlpatterns = [
    path("", views.session_list, name="sessions"),
    path("<int:pk>/", views.session_detail, name="session"),
    re_path(r"^(?P<pk>\d+)/minutes\.(?P<fmt>pdf|xlsx)$", views.minutes, name="minutes"),
    path("findings/<int:pk>/status/", views.finding_status, name="finding_status"),
    path("followups/", views.followups, name="followups"),
    path("claims/", views.claim_list, name="claims"),
    path("claims/new/", views.claim_new, name="claim_new"),
    path("claims/new/workers/", views.claim_workers, name="claim_workers"),
    path("claims/<int:pk>/", views.claim_detail, name="claim"),
    path("referrals/", views.referrals, name="referrals"),
]
