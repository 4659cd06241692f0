"""Persistence: table models, migrations and the store."""

from api.store.db import Store

__all__ = ["Store"]
