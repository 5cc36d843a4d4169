"""The database of the web platform: the tables (SQLAlchemy models), the Alembic
migrations that make and change them, engines and transactions (SQLite or PostgreSQL), and
the group-commit writer of the respondents' writes.

Below the web pages and above the analysis: nothing here knows about requests.
"""
