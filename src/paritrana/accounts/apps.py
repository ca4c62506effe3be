from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "paritrana.accounts"
    label = "accounts"
    verbose_name = "Accounts"
