from django.urls import path

from paritrana.calculator import views

app_name = "calculator"

urlpatterns = [path("", views.simulate, name="simulate")]
