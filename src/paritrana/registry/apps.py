from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "paritrana.registry"
    label = "registry"
    verbose_name = "Registry"

    def ready(self) -> None:
        from paritrana.core.observability import register_figures
        from paritrana.registry.queries import metric_figures

        register_figures(metric_figures)

        import paritrana.registry.tasks  # noqa: F401 - its lease joins the ones the worker sweeps
