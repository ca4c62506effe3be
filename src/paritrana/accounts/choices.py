"""The accounts' vocabularies: the roles a user holds (defined in ``core.roles``, which access control reads)."""

from paritrana.core.roles import Role

__all__ = ["Role"]
