"""Simulasi iuran dan manfaat: the rules engine (``paritrana.rules``) behind a web page, the API and the CLI."""
