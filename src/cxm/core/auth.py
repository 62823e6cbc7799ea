"""Password hashing, API key issue and check, user creation."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from cxm.core.errors import Conflict, Fault, Unauthorized, ValidationError
from cxm.core.models import ApiKey, Organization, User

_hasher = PasswordHasher()
KEY_PREFIX = "cxm_"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def _key_hash(key: str) -> str:
    # API keys are 256-bit random strings, so a fast hash is enough (no dictionary to guess).
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedKey:
    id: int
    name: str
    key: str


@dataclass(frozen=True)
class KeyOwner:
    organization_id: int
    api_key_id: int


def create_api_key(session: Session, organization_id: int, name: str) -> IssuedKey:
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(
        organization_id=organization_id, name=name, prefix=key[:12], key_hash=_key_hash(key)
    )
    session.add(row)
    session.flush()
    return IssuedKey(id=row.id, name=name, key=key)


class _KeyCache:
    """Recently checked keys, so a busy integrator costs no query per request.

    A revocation made through this process takes effect at once; one made by another
    process within ``ttl`` seconds.
    """

    def __init__(self, ttl: float = 10.0) -> None:
        self.ttl = ttl
        self._owners: dict[str, tuple[KeyOwner, float]] = {}
        self._lock = threading.Lock()

    def get(self, key_hash: str) -> KeyOwner | None:
        with self._lock:
            hit = self._owners.get(key_hash)
        if hit is None or hit[1] < time.monotonic():
            return None
        return hit[0]

    def put(self, key_hash: str, owner: KeyOwner) -> None:
        with self._lock:
            if len(self._owners) > 10_000:
                self._owners.clear()
            self._owners[key_hash] = (owner, time.monotonic() + self.ttl)

    def forget(self, api_key_id: int) -> None:
        with self._lock:
            for h, (owner, _) in list(self._owners.items()):
                if owner.api_key_id == api_key_id:
                    del self._owners[h]


key_cache = _KeyCache()


def check_api_key(session: Session, key: str) -> KeyOwner:
    """The organization a key belongs to; raises Unauthorized for bad or revoked keys."""
    cached = key_cache.get(_key_hash(key))
    if cached is not None:
        return cached
    if not key.startswith(KEY_PREFIX):
        raise Unauthorized("The API key is malformed; keys start with 'cxm_'.")
    row = session.scalar(select(ApiKey).where(ApiKey.key_hash == _key_hash(key)))
    if row is None:
        raise Unauthorized("The API key is not known.")
    if row.revoked_at is not None:
        raise Unauthorized(f"The API key '{row.name}' was revoked.")
    owner = KeyOwner(organization_id=row.organization_id, api_key_id=row.id)
    key_cache.put(row.key_hash, owner)
    return owner


def revoke_api_key(session: Session, organization_id: int, key_id: int) -> None:
    row = session.get(ApiKey, key_id)
    if row is None or row.organization_id != organization_id:
        raise ValidationError(f"No API key with id {key_id}.")
    row.revoked_at = datetime.now(UTC)
    key_cache.forget(key_id)


ROLES = ("admin", "analyst", "manager")
USER_LANGUAGES = ("uk", "en")


def list_users(session: Session, organization_id: int) -> list[User]:
    """The organization's users, by e-mail."""
    found = session.scalars(
        select(User).where(User.organization_id == organization_id).order_by(User.email)
    )
    return list(found)


def list_api_keys(session: Session, organization_id: int) -> list[ApiKey]:
    """The organization's API keys, newest first, revoked ones included (never the keys)."""
    found = session.scalars(
        select(ApiKey).where(ApiKey.organization_id == organization_id).order_by(ApiKey.id.desc())
    )
    return list(found)


def create_user(
    session: Session,
    organization_id: int,
    email: str,
    password: str,
    *,
    name: str = "",
    role: str = "admin",
    language: str = "uk",
) -> User:
    email = email.strip().lower()
    if "@" not in email:
        raise ValidationError(
            f"'{email}' is not an e-mail address.", [Fault("is not an e-mail address", "email")]
        )
    if len(password) < 8:
        raise ValidationError(
            "A password needs at least 8 characters.",
            [Fault("needs at least 8 characters", "password")],
        )
    if role not in ROLES:
        reason = f"is not one of {', '.join(ROLES)}"
        raise ValidationError(f"Role {role!r} {reason}.", [Fault(reason, "role")])
    if language not in USER_LANGUAGES:
        reason = f"is not one of {', '.join(USER_LANGUAGES)}"
        raise ValidationError(f"Language {language!r} {reason}.", [Fault(reason, "language")])
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"A user with e-mail {email} exists already.")
    user = User(
        organization_id=organization_id,
        email=email,
        name=name,
        password_hash=hash_password(password),
        role=role,
        language=language,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.is_active or not verify_password(user.password_hash, password):
        return None
    return user


def get_or_create_organization(
    session: Session, slug: str, name: str, *, timezone: str = "Europe/Kyiv", currency: str = "UAH"
) -> Organization:
    org = session.scalar(select(Organization).where(Organization.slug == slug))
    if org is None:
        org = Organization(slug=slug, name=name, timezone=timezone, currency=currency)
        session.add(org)
        session.flush()
    return org
