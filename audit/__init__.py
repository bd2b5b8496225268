"""The audit trail: who changed offices, appointments and charters, and who read a complainant's identity.

``timeline_purge`` is importable from here without loading any model, for the few deletions that may
remove append-only rows (see :mod:`audit.purge`).
"""

from audit.purge import timeline_purge

__all__ = ["timeline_purge"]
