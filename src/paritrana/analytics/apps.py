from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "paritrana.analytics"
    label = "analytics"
    verbose_name = "Analytics"
