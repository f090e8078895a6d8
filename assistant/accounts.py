"""Users, roles, workspaces, tokens and the audit log.

Passwords are hashed with Argon2id (argon2-cffi). Session cookies, API tokens and one-time sign-in
links are random 256-bit tokens; only their SHA-256 digests are stored, so a database leak does not
leak usable credentials.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from assistant.db import AuditEvent, AuthToken, Membership, User, Workspace
from assistant.errors import Conflict, NotFound, PlannerError
from assistant.settings import DEMO_WORKSPACE

Role = Literal["planner", "reviewer", "admin"]
ROLES: tuple[str, ...] = ("planner", "reviewer", "admin")
SESSION_TTL = timedelta(hours=12)
SIGNIN_TTL = timedelta(hours=24)
API_TTL = timedelta(days=90)  # API tokens expire too; a script's owner mints a new one
MAX_API_TTL = timedelta(days=365)
_hasher = PasswordHasher()
# Argon2 takes ~64 MB and tens of milliseconds per check: at most this many at once, so a burst
# of logins queues instead of taking the process's memory.
_HASHING = threading.BoundedSemaphore(4)


@functools.cache
def _dummy_hash() -> str:
    """What an unknown user's password is checked against, so the answer takes as long. Made on
    the first failed login, not at import: hashing costs 0.3 s, which every process paid."""
    return _hasher.hash("no such user: checked anyway so the answer takes as long")


NAME_PATTERN = r"^[A-Za-z0-9_.\-\u4e00-\u9fff]{2,64}$"
_NAME = re.compile(NAME_PATTERN)


class AuthError(PlannerError):
    status_code = 401


class Forbidden(PlannerError):
    status_code = 403


@dataclass(frozen=True)
class Principal:
    """The authenticated caller, as request handlers see it."""

    id: int
    username: str
    role: str
    workspaces: tuple[str, ...]

    def can(self, *roles: str) -> bool:
        return self.role == "admin" or self.role in roles

    def workspace(self, wanted: str | None) -> str:
        """The workspace a request works in: the one asked for, else the caller's first. A
        workspace the caller does not belong to does not exist for them (every edge: API,
        OpenAI-compatible API, MCP)."""
        if wanted is None:
            if not self.workspaces:
                raise Forbidden("you belong to no workspace; ask an admin to add you")
            return self.workspaces[0]
        if wanted not in self.workspaces:
            raise Forbidden(f"no access to workspace {wanted!r}")
        return wanted


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(dt: datetime | None) -> datetime | None:
    return dt.replace(tzinfo=UTC) if dt is not None and dt.tzinfo is None else dt


def check_name(name: str, what: str) -> str:
    if not _NAME.match(name or ""):
        raise PlannerError(
            f"invalid {what} {name!r}: 2-64 letters, digits, Chinese characters, '_', '-' or '.'"
        )
    return name


_WORKSPACE = re.compile(r"^[A-Za-z0-9\u4e00-\u9fff][A-Za-z0-9_.\-\u4e00-\u9fff]{1,63}$")


def check_workspace_name(name: str) -> str:
    """A workspace's name is also its uploads folder: it starts with a letter, digit or Chinese
    character (so never `_company`, the company's folder, or `.`/`..`) and has no `..`."""
    if not _WORKSPACE.match(name or "") or ".." in name:
        raise PlannerError(
            f"invalid workspace name {name!r}: 2-64 letters, digits, Chinese characters, '_', '-' or '.', "
            "starting with a letter, digit or Chinese character"
        )
    return name


def check_password(password: str) -> str:
    if len(password) < 10:
        raise PlannerError("password too short: use at least 10 characters")
    return password


class Accounts:
    def __init__(self, sessions: sessionmaker) -> None:
        self.sessions = sessions

    # -- users and workspaces ----------------------------------------------------------------
    def create_workspace(self, name: str) -> str:
        check_workspace_name(name)
        with self.sessions.begin() as s:
            if s.scalar(select(Workspace).where(Workspace.name == name)) is None:
                s.add(Workspace(name=name))
        return name

    def workspaces(self) -> list[str]:
        with self.sessions() as s:
            return list(s.scalars(select(Workspace.name).order_by(Workspace.name)))

    def create_user(
        self, username: str, *, role: str, password: str | None = None, workspaces: list[str] | None = None
    ) -> int:
        check_name(username, "user name")
        if role not in ROLES:
            raise PlannerError(f"invalid role {role!r}: use {', '.join(ROLES)}")
        with self.sessions.begin() as s:
            if s.scalar(select(User).where(User.username == username)) is not None:
                raise Conflict(f"user {username!r} already exists")
            user = User(
                username=username,
                role=role,
                password_hash=_hasher.hash(check_password(password)) if password else None,
            )
            s.add(user)
            s.flush()
            for ws in workspaces or []:
                if s.scalar(select(Workspace).where(Workspace.name == ws)) is None:
                    raise NotFound(f"workspace {ws!r} does not exist: create it first")
                s.add(Membership(user_id=user.id, workspace=ws))
            return int(user.id)

    def users(self) -> list[dict[str, Any]]:
        """Every account with its role, state and workspaces (never a password or token)."""
        with self.sessions() as s:
            members: dict[int, list[str]] = {}
            for m in s.scalars(select(Membership).order_by(Membership.workspace)):
                members.setdefault(m.user_id, []).append(m.workspace)
            return [
                {
                    "username": u.username,
                    "role": u.role,
                    "active": u.active,
                    "workspaces": members.get(u.id, []),
                    "has_password": u.password_hash is not None,
                }
                for u in s.scalars(select(User).order_by(User.username))
            ]

    def update_user(
        self, username: str, *, role: str | None = None, workspaces: list[str] | None = None
    ) -> dict[str, Any]:
        """Change an account's role and/or set its workspaces exactly; returns the old values."""
        if role is not None and role not in ROLES:
            raise PlannerError(f"invalid role {role!r}: use {', '.join(ROLES)}")
        with self.sessions.begin() as s:
            user = self._user(s, username)
            old = {
                "role": user.role,
                "workspaces": sorted(
                    s.scalars(select(Membership.workspace).where(Membership.user_id == user.id))
                ),
            }
            if role is not None:
                user.role = role
            if workspaces is not None:
                for ws in workspaces:
                    if s.scalar(select(Workspace).where(Workspace.name == ws)) is None:
                        raise NotFound(f"workspace {ws!r} does not exist: create it first")
                for m in s.scalars(select(Membership).where(Membership.user_id == user.id)):
                    if m.workspace not in workspaces:
                        s.delete(m)
                for ws in sorted(set(workspaces) - set(old["workspaces"])):
                    s.add(Membership(user_id=user.id, workspace=ws))
            return old

    def add_member(self, username: str, workspace: str) -> None:
        with self.sessions.begin() as s:
            user = self._user(s, username)
            if s.scalar(select(Workspace).where(Workspace.name == workspace)) is None:
                raise NotFound(f"workspace {workspace!r} does not exist")
            if (
                s.scalar(
                    select(Membership).where(Membership.user_id == user.id, Membership.workspace == workspace)
                )
                is None
            ):
                s.add(Membership(user_id=user.id, workspace=workspace))

    def set_password(self, username: str, password: str, *, keep: str | None = None) -> int:
        """Set a password and sign the user out everywhere: every session, API token and sign-in
        link is revoked (except the session `keep`, the one changing it). Returns how many."""
        with self.sessions.begin() as s:
            user = self._user(s, username)
            user.password_hash = _hasher.hash(check_password(password))
            return self._revoke_all(s, user.id, keep=keep)

    def set_active(self, username: str, active: bool) -> int:
        """Disable (or enable) a user; disabling revokes every session and token they hold."""
        with self.sessions.begin() as s:
            user = self._user(s, username)
            user.active = active
            return 0 if active else self._revoke_all(s, user.id)

    @staticmethod
    def _revoke_all(s: Session, user_id: int, *, keep: str | None = None) -> int:
        q = delete(AuthToken).where(AuthToken.user_id == user_id)
        if keep:
            q = q.where(AuthToken.digest != _digest(keep))
        return s.execute(q).rowcount  # type: ignore[attr-defined]

    def tokens(self, user_id: int | None = None) -> list[dict[str, Any]]:
        """API tokens (never their values): who holds them, what for, until when."""
        with self.sessions() as s:
            q = (
                select(AuthToken, User.username)
                .join(User, User.id == AuthToken.user_id)
                .where(AuthToken.kind == "api")
            )
            if user_id is not None:
                q = q.where(AuthToken.user_id == user_id)
            return [
                {
                    "id": t.id,
                    "user": name,
                    "label": t.label,
                    "created_at": _aware(t.created_at).isoformat(),  # type: ignore[union-attr]
                    "expires_at": None if t.expires_at is None else _aware(t.expires_at).isoformat(),  # type: ignore[union-attr]
                }
                for t, name in s.execute(q.order_by(AuthToken.id))
            ]

    def revoke_token(self, token_id: int, *, by: Principal) -> None:
        """Revoke an API token: its owner's, or anyone's for an admin."""
        with self.sessions.begin() as s:
            row = s.get(AuthToken, token_id)
            if row is None or row.kind != "api" or (row.user_id != by.id and not by.can("admin")):
                raise NotFound(f"no API token {token_id}")
            s.delete(row)

    def has_password(self, username: str) -> bool:
        with self.sessions() as s:
            user = s.scalar(select(User).where(User.username == username))
            return bool(user and user.password_hash)

    def has_users(self) -> bool:
        with self.sessions() as s:
            return s.scalar(select(User.id).limit(1)) is not None

    @staticmethod
    def _user(s: Session, username: str) -> User:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"no user {username!r}")
        return user

    def principal(self, user_id: int) -> Principal:
        with self.sessions() as s:
            return self._principal(s, user_id)

    @staticmethod
    def _principal(s: Session, user_id: int) -> Principal:
        user = s.get(User, user_id)
        if user is None or not user.active:
            raise AuthError("account disabled or removed")
        if user.role == "admin":
            ws = tuple(s.scalars(select(Workspace.name).order_by(Workspace.name)))
        else:
            ws = tuple(
                s.scalars(
                    select(Membership.workspace)
                    .where(Membership.user_id == user.id)
                    .order_by(Membership.workspace)
                )
            )
        return Principal(id=user.id, username=user.username, role=user.role, workspaces=ws)

    # -- credentials -------------------------------------------------------------------------
    def login(self, username: str, password: str) -> tuple[str, Principal]:
        """Check a password; returns a new session token. Failures are audited and say nothing
        about which part was wrong."""
        with self.sessions() as s:
            user = s.scalar(select(User).where(User.username == username))
            real = user is not None and user.active and bool(user.password_hash)
            stored = user.password_hash if real else _dummy_hash()
            with _HASHING:
                try:
                    ok = _hasher.verify(stored, password) and real
                except (VerificationError, InvalidHashError):
                    ok = False
            user_id = user.id if user is not None else None
        if not ok or user_id is None:
            self.audit("login_failed", username=username, detail={"method": "password"})
            raise AuthError("wrong user name or password")
        token = self.issue(user_id, "session")
        principal = self.principal(user_id)
        self.audit("login", principal=principal, detail={"method": "password"})
        return token, principal

    def issue(self, user_id: int, kind: str, *, label: str = "", ttl: timedelta | None = None) -> str:
        token = secrets.token_urlsafe(32)
        ttl = ttl if ttl is not None else {"session": SESSION_TTL, "signin": SIGNIN_TTL, "api": API_TTL}[kind]
        ttl = min(ttl, MAX_API_TTL)
        with self.sessions.begin() as s:
            s.add(
                AuthToken(
                    digest=_digest(token),
                    kind=kind,
                    user_id=user_id,
                    label=label[:100],
                    expires_at=_now() + ttl if ttl else None,
                )
            )
        return token

    def authenticate(self, token: str, *, kinds: tuple[str, ...] = ("session", "api")) -> Principal:
        with self.sessions() as s:  # every request: one session for the token and its user
            row = s.scalar(select(AuthToken).where(AuthToken.digest == _digest(token)))
            if row is None or row.kind not in kinds:
                raise AuthError("not signed in or token invalid")
            expires = _aware(row.expires_at)
            if expires is not None and expires < _now():
                raise AuthError("session expired: sign in again")
            return self._principal(s, row.user_id)

    def redeem_signin(self, token: str) -> tuple[str, Principal]:
        """A one-time sign-in link: valid once, then a normal session."""
        with self.sessions.begin() as s:
            row = s.scalar(
                select(AuthToken).where(AuthToken.digest == _digest(token), AuthToken.kind == "signin")
            )
            expires = _aware(row.expires_at) if row is not None else None
            if row is None or row.used_at is not None or (expires is not None and expires < _now()):
                raise AuthError(
                    "this sign-in link is invalid, used or expired; run `planner user signin-link NAME` for a new one"
                )
            used = s.execute(  # consumed atomically: a link opened twice at once makes one session
                update(AuthToken)
                .where(AuthToken.id == row.id, AuthToken.used_at.is_(None))
                .values(used_at=_now())
                .execution_options(synchronize_session=False)
            )
            if used.rowcount != 1:
                raise AuthError(
                    "this sign-in link was just used; run `planner user signin-link NAME` for a new one"
                )
            user_id = row.user_id
        principal = self.principal(user_id)
        self.audit("login", principal=principal, detail={"method": "signin-link"})
        return self.issue(user_id, "session"), principal

    def revoke(self, token: str) -> None:
        with self.sessions.begin() as s:
            row = s.scalar(select(AuthToken).where(AuthToken.digest == _digest(token)))
            if row is not None:
                s.delete(row)

    def signin_link(self, username: str, base_url: str) -> str:
        with self.sessions() as s:
            user_id = self._user(s, username).id
        return f"{base_url.rstrip('/')}/api/auth/signin?token={self.issue(user_id, 'signin')}"

    def ensure_first_admin(self) -> bool:
        """On first run: the default workspace and an `admin` account with no password (sign in
        with the one-time link, then set one). Returns True when it created them."""
        if self.has_users():
            return False
        self.create_workspace(DEMO_WORKSPACE)
        self.create_user("admin", role="admin", workspaces=[DEMO_WORKSPACE])
        return True

    # -- audit -------------------------------------------------------------------------------
    def audit(
        self,
        action: str,
        *,
        principal: Principal | None = None,
        username: str = "",
        workspace: str = "",
        target: str = "",
        detail: dict[str, Any] | None = None,
    ) -> None:
        with self.sessions.begin() as s:
            s.add(
                AuditEvent(
                    user_id=principal.id if principal else None,
                    username=principal.username if principal else username[:64],
                    workspace=workspace,
                    action=action,
                    target=target[:200],
                    detail=detail or {},
                )
            )

    def audit_log(self, *, limit: int = 200, action: str | None = None) -> list[dict[str, Any]]:
        with self.sessions() as s:
            q = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
            if action:
                q = q.where(AuditEvent.action == action)
            return [
                {
                    "at": e.at,
                    "username": e.username,
                    "workspace": e.workspace,
                    "action": e.action,
                    "target": e.target,
                    "detail": e.detail,
                }
                for e in s.scalars(q)
            ]
