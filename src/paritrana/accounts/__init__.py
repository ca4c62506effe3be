"""Users, region-scoped roles and API tokens."""
