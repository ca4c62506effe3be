"""Django's makemessages, also extracting ``N_("...")``: the gettext_noop of the pure modules (core.errors)."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=N_"]
