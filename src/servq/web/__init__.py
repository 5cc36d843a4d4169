"""The web platform: survey collection, dashboard and administration (``servq serve``).

Modules: :mod:`settings` (one typed settings object from the environment),
:mod:`models` (SQLAlchemy tables), :mod:`db` (engines, sessions, schema migrations with
Alembic), :mod:`accounts` (users, roles, password hashing, audit log), :mod:`security`
(CSRF, rate limits, security headers) and :mod:`app` (the FastAPI application).
Nothing here is imported by ``servq analyze``.
"""
