from django.apps import AppConfig


class CalculatorConfig(AppConfig):
    name = "paritrana.calculator"
    label = "calculator"
    verbose_name = "Calculator"
