"""The server's database: SQLAlchemy Core on SQLite (the embedded default) or PostgreSQL.

``tables`` declares every table (one metadata); ``engine`` builds the Engine from a URL and
holds the connection rules (transactions, busy answers); ``schema`` brings a database up to
date with the Alembic revisions in ``migrations/versions`` (one chain, run programmatically:
no alembic.ini); ``legacy`` holds the numbered SQLite steps of data folders made before
Alembic, used only to bring such a file to the first revision; ``copy`` moves a site from
SQLite to PostgreSQL. Imports only sync.protocol and sync.storage.
"""
