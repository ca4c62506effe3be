from django.apps import AppConfig


class SponsorshipConfig(AppConfig):
    name = "paritrana.sponsorship"
    label = "sponsorship"
    verbose_name = "Sponsorship"
