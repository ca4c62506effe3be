from django.urls import path

from paritrana.sponsorship import views

app_name = "sponsorship"
urlpatterns = [
    path("", views.program_list, name="programs"),
    path("<int:pk>/", views.program_detail, name="program"),
    path("billing/", views.billing, name="billing"),
    path("bills/<int:pk>/", views.bill_step, name="bill_step"),
    path("payments/", views.payments, name="payments"),
    path("claims/", views.claims, name="claims"),
    path("monev/", views.monev, name="monev"),
    path("plan/", views.plan, name="plan"),
]
