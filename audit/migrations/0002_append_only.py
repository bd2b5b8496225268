"""PostgreSQL refuses every UPDATE and DELETE of the timeline, the identity-access log and the audit trail.

Row triggers, so no code path — the admin, a shell, a raw query — can rewrite history. A deletion that
must remove rows (the pilot's purge, erasure after the retention period) runs inside
``audit.timeline_purge()``, which sets ``grs.allow_timeline_purge`` for its own transaction; DELETE of
the rows of simulated grievances is allowed too, for the pilot's purge. TRUNCATE fires no row trigger:
it is left to whoever may drop the tables anyway (the test runner empties tables with it).

SQLite refuses UPDATE only: it empties tables between tests with DELETE, which a trigger would refuse,
and it has no transaction-local setting to open a narrow way past one.
"""

from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION grs_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('grs.allow_timeline_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'GRS: % rows are append-only; % refused', TG_TABLE_NAME, TG_OP
        USING HINT = 'A deletion that must remove them runs inside audit.timeline_purge().';
END;
$$;

CREATE OR REPLACE FUNCTION grs_refuse_timeline_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF current_setting('grs.allow_timeline_purge', true) = 'on' THEN
            RETURN OLD;
        END IF;
        -- The pilot's purge deletes simulated grievances with their timelines and access rows.
        IF EXISTS (SELECT 1 FROM grievances_grievance g WHERE g.id = OLD.grievance_id AND g.simulated) THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION 'GRS: % rows are append-only; % refused', TG_TABLE_NAME, TG_OP
        USING HINT = 'A deletion that must remove them runs inside audit.timeline_purge().';
END;
$$;
"""

TRIGGERS = {
    "grievances_grievanceevent": "grs_refuse_timeline_change",
    "grievances_identityaccess": "grs_refuse_timeline_change",
    "audit_auditentry": "grs_refuse_change",
}


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for table in TRIGGERS:
            schema_editor.execute(
                f"CREATE TRIGGER grs_append_only_{table} BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'GRS: {table} rows are append-only; UPDATE refused'); END"
            )
    if vendor != "postgresql":
        return
    schema_editor.execute(FUNCTIONS, params=None)  # no parameters: the % of RAISE stays as written
    for table, function in TRIGGERS.items():
        schema_editor.execute(
            f"CREATE TRIGGER grs_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()"
        )


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for table in TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS grs_append_only_{table}")
    if vendor != "postgresql":
        return
    for table in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS grs_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS grs_refuse_change(), grs_refuse_timeline_change()")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_audit_entries"),
        ("grievances", "0006_identityaccess_via_file"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
