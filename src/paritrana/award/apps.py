from django.apps import AppConfig


class AwardConfig(AppConfig):
    name = "paritrana.award"
    label = "award"
    verbose_name = "Paritrana Award"
