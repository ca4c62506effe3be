"""The HTTP API: ``/api/v1`` with OpenAPI docs at ``/api/v1/docs``."""
