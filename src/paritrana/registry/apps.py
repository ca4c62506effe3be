from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "paritrana.registry"
    label = "registry"
    verbose_name = "Registry"
