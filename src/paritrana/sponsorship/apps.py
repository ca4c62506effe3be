from django.apps import AppConfig


class SponsorshipConfig(AppConfig):
    name = "paritrana.sponsorship"
    label = "sponsorship"
    verbose_name = "Sponsorship"

    def ready(self) -> None:
        # A worker's death, move, merge or inactivity ends or moves enrollments, in the registry action's transaction.
        from paritrana.registry.lifecycle import on_worker_change
        from paritrana.sponsorship.lifecycle import worker_changed

        on_worker_change(worker_changed)

        from paritrana.core.observability import register_figures
        from paritrana.sponsorship.queries import metric_figures

        register_figures(metric_figures)

        from paritrana.registry.queries import on_worker_page
        from paritrana.sponsorship.queries import worker_page

        on_worker_page(worker_page)

        from paritrana.sponsorship.jobs import register_kinds

        register_kinds()
