from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "paritrana.core"
    label = "core"
    verbose_name = "Paritrana core"
