from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "paritrana.followup"
    label = "followup"
    verbose_name = "Follow-up"
