"""The one way past the database's refusal to delete timeline, access-log and audit rows.

On PostgreSQL a trigger refuses every UPDATE and DELETE of ``grievances_grievanceevent``,
``grievances_identityaccess`` and ``audit_auditentry`` (migration ``audit.0002_append_only``). A
deletion that must remove such rows — the pilot's purge of simulated grievances, erasure at the end
of the retention period — runs inside :func:`timeline_purge`, which allows DELETE (never UPDATE) for
the rest of its block only. This module imports no model, so ``audit`` can re-export it.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction

# Read by the triggers' functions; a transaction-local setting, so it never outlives the transaction.
PURGE_SETTING = "grs.allow_timeline_purge"
PURGING = "grs_timeline_purge"


@contextmanager
def timeline_purge(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Inside this block (its own transaction or savepoint) timeline, access-log and audit rows may be
    deleted. Leaving it, normally or by an exception, closes the way again."""
    connection = connections[using]
    outer = getattr(connection, PURGING, False)
    with transaction.atomic(using=using):
        setattr(connection, PURGING, True)  # read by the models' own refusal (audit.models)
        try:
            if connection.vendor != "postgresql":
                yield  # no trigger to pass on other databases
                return
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, 'on', true)", [PURGE_SETTING])
            yield
            # An exception rolls the savepoint back, and the setting with it; a normal exit turns it off
            # here, so the rest of an enclosing transaction is refused again.
            if not outer:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config(%s, 'off', true)", [PURGE_SETTING])
        finally:
            setattr(connection, PURGING, outer)


def purging(using: str = DEFAULT_DB_ALIAS) -> bool:
    """True inside :func:`timeline_purge` on this database."""
    return getattr(connections[using], PURGING, False)
