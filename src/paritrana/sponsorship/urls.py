from django.urls import path

from paritrana.sponsorship import views

app_name = "sponsorship"
urlpatterns = [
    path("", views.program_list, name="programs"),
    path("<int:pk>/", views.program_detail, name="program"),
    path("billing/", views.billing, name="billing"),
    # The bill page; a POST to the same address moves the bill a step (its older name, bill_step, is kept).
    path("bills/<int:pk>/", views.bill_detail, name="bill"),
    path("bills/<int:pk>/", views.bill_detail, name="bill_step"),
    path("bills/<int:pk>/export.<str:fmt>", views.bill_export, name="bill_export"),
    path("<int:pk>/export.<str:fmt>", views.program_export, name="program_export"),
    path("bpjs/", views.reconcile, name="reconcile"),
    path("bpjs/<int:pk>/", views.reconcile_run, name="reconcile_run"),
    path("payments/", views.payments, name="payments"),
    path("claims/", views.claims, name="claims"),
    path("monev/", views.monev, name="monev"),
    path("monev/overpayments.<str:fmt>", views.overpayments, name="overpayments"),
    path("plan/", views.plan, name="plan"),
]
