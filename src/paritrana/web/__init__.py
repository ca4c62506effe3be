"""The web shell: base templates, navigation, error pages, dashboard and the pages of the shared kernel."""
