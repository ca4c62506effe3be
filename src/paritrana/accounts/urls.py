from django.urls import path

from paritrana.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.user_list, name="list"),
    path("new/", views.user_new, name="new"),
    path("me/password/", views.password_change, name="password"),
    path("<int:pk>/", views.user_detail, name="detail"),
    path("<int:pk>/roles/<int:role_pk>/remove/", views.role_remove, name="role_remove"),
    path("<int:pk>/active/", views.user_active, name="active"),
    path("<int:pk>/password/", views.password_reset, name="password_reset"),
]
