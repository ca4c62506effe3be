from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "paritrana.followup"
    label = "followup"
    verbose_name = "Follow-up"

    def ready(self) -> None:
        # Heirs belong to follow-up, a layer above the claims file import that names them (issue 21 §5).
        from paritrana.followup.actions import record_claim_heirs
        from paritrana.sponsorship.actions import on_claim_heirs

        on_claim_heirs(record_claim_heirs)
