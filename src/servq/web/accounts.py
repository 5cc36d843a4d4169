"""Users, roles, passwords (argon2), server-side sessions, API tokens and the audit log of
administrative actions."""

from __future__ import annotations

from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..errors import UsageError
from ..store.models import ROLES, SUPERVISOR, ApiToken, AuditEntry, Unit, User, WebSession
from .languages import LANGUAGES, Msg
from .security import new_token, token_hash

MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()
# verifying against this keeps an unknown e-mail as slow as a wrong password
_DUMMY_HASH = _hasher.hash("servq-timing-equaliser")


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or email.startswith("@") or email.endswith("@") or len(email) > 320 \
            or not email.isprintable():
        raise UsageError(Msg("msg.not_email", email=repr(email)))
    return email


def user_by_email(session: Session, email: str) -> User:
    """The user with ``email`` (:class:`UsageError` naming it when there is none)."""
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise UsageError(Msg("msg.no_user_email", email=email.strip()))
    return user


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UsageError(Msg("msg.password_short", min=MIN_PASSWORD_LENGTH))


def create_user(session: Session, email: str, password: str, role: str, *, name: str = "",
                unit_id: int | None = None, actor: User | None = None) -> User:
    """Add a user (and its audit entry). Unit managers need the unit whose subtree they see."""
    email = normalise_email(email)
    if role not in ROLES:
        raise UsageError(Msg("msg.unknown_role", role=repr(role), known=", ".join(ROLES)))
    if role == "unit_manager" and unit_id is None:
        raise UsageError(Msg("msg.manager_needs_unit"))
    if unit_id is not None and session.get(Unit, unit_id) is None:
        raise UsageError(Msg("msg.no_unit_id", id=unit_id))
    check_password(password)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise UsageError(Msg("msg.user_exists", email=email))
    user = User(email=email, name=name.strip(), password_hash=_hasher.hash(password), role=role,
                unit_id=unit_id if role == "unit_manager" else None)
    session.add(user)
    session.flush()
    audit(session, actor, "user.create", email, {"role": role, "unit_id": user.unit_id})
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, else None (same cost either way).
    Only reads: :func:`start_session` records the sign-in."""
    try:
        email = normalise_email(email)
    except UsageError:
        email = ""
    user = session.scalar(select(User).where(User.email == email)) if email else None
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    return user


def start_session(session: Session, user_id: int, password: str, hours: float, now: datetime) -> str:
    """Sign ``user_id`` in: a new server-side session (its token goes into the signed
    cookie, only its hash is stored), the time of the sign-in, a password hash of today's
    cost. Sessions that have expired are removed on the way."""
    user = session.get(User, user_id)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = now
    session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    token = new_token()
    session.add(WebSession(token_hash=token_hash(token), user_id=user_id, created_at=now,
                           expires_at=now + timedelta(hours=hours)))
    return token


def session_user(session: Session, token: str, now: datetime) -> tuple[int, str | None, str] | None:
    """(the id, the page language, the role) of the active user whose unexpired session
    ``token`` is, else None."""
    row = session.execute(select(WebSession.user_id, User.language, User.role).join(User, User.id == WebSession.user_id)
                          .where(WebSession.token_hash == token_hash(token), WebSession.expires_at > now,
                                 User.active.is_(True))).first()
    return None if row is None else (row[0], row[1], row[2])


def end_session(session: Session, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == token_hash(token)))


def end_sessions(session: Session, user_id: int) -> None:
    """Sign ``user_id`` out everywhere (every browser's session ends at its next request)."""
    session.execute(delete(WebSession).where(WebSession.user_id == user_id))


def set_password(session: Session, user: User, password: str, actor: User | None = None) -> None:
    """Give ``user`` a new password and end all their sessions (a stolen cookie dies with the old password)."""
    check_password(password)
    user.password_hash = _hasher.hash(password)
    end_sessions(session, user.id)
    audit(session, actor, "user.password", user.email, {})


def set_language(session: Session, user: User, language: str | None) -> None:
    """The language of ``user``'s pages (None: their browser's preference)."""
    if language is not None and language not in LANGUAGES:
        raise UsageError(Msg("msg.unknown_language", language=language, known=", ".join(LANGUAGES)))
    user.language = language


def token_user_id(session: Session, token: str) -> int | None:
    """The active user of the unrevoked API token ``token``, else None (a supervisor's token is none)."""
    return session.scalar(select(ApiToken.user_id).join(User, User.id == ApiToken.user_id).where(
        ApiToken.token_hash == token_hash(token), ApiToken.revoked.is_(False), User.active.is_(True),
        User.role != SUPERVISOR))


def set_active(session: Session, user: User, active: bool, actor: User) -> None:
    if user.id == actor.id and not active:
        raise UsageError(Msg("msg.deactivate_self"))
    user.active = active
    if not active:
        end_sessions(session, user.id)
    audit(session, actor, "user.activate" if active else "user.deactivate", user.email, {})


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0


def audit(session: Session, actor: User | None, action: str, target: str, detail: dict) -> None:
    """Record an administrative action; ``actor`` None means the command line."""
    session.add(AuditEntry(actor_id=actor.id if actor else None, actor=actor.email if actor else "command line",
                           action=action, target=target, detail=detail))


def create_token(session: Session, user: User, name: str, actor: User | None = None) -> str:
    """A new API token for ``user``; the token is returned once, only its hash is stored."""
    name = name.strip()
    if not name or len(name) > 100:
        raise UsageError("an API token needs a name of at most 100 characters (e.g. the tool using it)")
    token = new_token()
    row = ApiToken(user_id=user.id, name=name, token_hash=token_hash(token))
    session.add(row)
    session.flush()
    audit(session, actor, "token.create", user.email, {"id": row.id, "name": name})
    return token


def revoke_token(session: Session, token_id: int, actor: User | None = None) -> None:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise UsageError(f"no API token with id {token_id}")
    row.revoked = True
    audit(session, actor, "token.revoke", row.user.email, {"id": token_id, "name": row.name})
