"""Users, roles, passwords (argon2) and the audit log of administrative actions."""

from __future__ import annotations

from datetime import datetime, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import UsageError
from .models import ROLES, AuditEntry, Unit, User

MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()
# verifying against this keeps an unknown e-mail as slow as a wrong password
_DUMMY_HASH = _hasher.hash("servq-timing-equaliser")


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or email.startswith("@") or email.endswith("@") or len(email) > 320:
        raise UsageError(f"not an e-mail address: {email!r}")
    return email


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UsageError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


def create_user(session: Session, email: str, password: str, role: str, *, name: str = "",
                unit_id: int | None = None, actor: User | None = None) -> User:
    """Add a user (and its audit entry). Unit managers need the unit whose subtree they see."""
    email = normalise_email(email)
    if role not in ROLES:
        raise UsageError(f"unknown role {role!r} (choose one of {', '.join(ROLES)})")
    if role == "unit_manager" and unit_id is None:
        raise UsageError("a unit manager needs a unit (--unit)")
    if unit_id is not None and session.get(Unit, unit_id) is None:
        raise UsageError(f"no unit with id {unit_id}")
    check_password(password)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise UsageError(f"a user with e-mail {email} already exists")
    user = User(email=email, name=name.strip(), password_hash=_hasher.hash(password), role=role,
                unit_id=unit_id if role == "unit_manager" else None)
    session.add(user)
    session.flush()
    audit(session, actor, "user.create", email, {"role": role, "unit_id": user.unit_id})
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, else None (same cost either way)."""
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
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = datetime.now(timezone.utc)
    return user


def set_active(session: Session, user: User, active: bool, actor: User) -> None:
    if user.id == actor.id and not active:
        raise UsageError("you cannot deactivate your own account")
    user.active = active
    audit(session, actor, "user.activate" if active else "user.deactivate", user.email, {})


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0


def audit(session: Session, actor: User | None, action: str, target: str, detail: dict) -> None:
    """Record an administrative action; ``actor`` None means the command line."""
    session.add(AuditEntry(actor_id=actor.id if actor else None, actor=actor.email if actor else "command line",
                           action=action, target=target, detail=detail))


def create_token(session: Session, user: User, name: str, actor: User | None = None) -> str:
    """A new API token for ``user``; the token is returned once, only its hash is stored."""
    from .models import ApiToken
    from .security import new_token, token_hash

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
    from .models import ApiToken

    row = session.get(ApiToken, token_id)
    if row is None:
        raise UsageError(f"no API token with id {token_id}")
    row.revoked = True
    audit(session, actor, "token.revoke", row.user.email, {"id": token_id, "name": row.name})
