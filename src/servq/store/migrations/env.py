"""Alembic environment: servq passes its engine in ``config.attributes["engine"]``.

On SQLite, migrations alter tables in batch mode: a new table is made, the rows copied, the
old table dropped. With foreign keys enforced, dropping the old table would first delete
(ON DELETE CASCADE) or orphan the rows of every table that refers to it — a survey's
responses when ``surveys`` is rebuilt — so they are off while the migrations run (SQLite
takes the setting only outside a transaction), and ``PRAGMA foreign_key_check`` must find
nothing before the migrations commit.
"""

from alembic import context

from servq.store.models import Base

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    raw = connection.connection.driver_connection if sqlite else None
    if raw is not None:
        raw.execute("PRAGMA foreign_keys=OFF")
    try:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=sqlite)
        with context.begin_transaction():
            context.run_migrations()
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() if sqlite else []
            if broken:
                raise RuntimeError(f"the migrations would leave rows referring to missing rows: {broken[:5]}")
        connection.commit()
    finally:
        if raw is not None:
            raw.execute("PRAGMA foreign_keys=ON")
