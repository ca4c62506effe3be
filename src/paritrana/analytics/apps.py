from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "paritrana.analytics"
    label = "analytics"
    verbose_name = "Analytics"

    def ready(self) -> None:
        from paritrana.analytics.jobs import register_kinds

        register_kinds()
