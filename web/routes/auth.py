"""Sign-in: password login with a session cookie, one-time sign-in links, API tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from assistant.accounts import AuthError
from web.deps import SESSION_COOKIE, PrincipalDep, ServicesDep
from web.ratelimit import RateLimited

router = APIRouter(prefix="/auth", tags=["auth"])


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


def _set_cookie(response: Response, token: str, services: Any) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=services.settings.cookie_secure,
        max_age=12 * 3600,
        path="/",
    )


@router.post("/login")
def post_login(
    body: LoginRequest, request: Request, response: Response, services: ServicesDep
) -> dict[str, Any]:
    """Failed attempts are throttled per account and per client address (429 with Retry-After)."""
    limits = request.app.state.limits
    address = request.client.host if request.client else "unknown"
    keys = (("login_user", body.username.lower()), ("login_address", address))
    if not all(limits.allowed(name, key) for name, key in keys):
        raise RateLimited("too many failed sign-ins; wait a minute and try again")
    try:
        token, principal = services.accounts.login(body.username, body.password)
    except AuthError:
        for name, key in keys:
            limits.count(name, key)
        raise
    _set_cookie(response, token, services)
    return {"username": principal.username, "role": principal.role, "workspaces": list(principal.workspaces)}


@router.get("/signin", include_in_schema=False)
def get_signin(services: ServicesDep, token: str = Query(min_length=10, max_length=100)) -> RedirectResponse:
    session, _ = services.accounts.redeem_signin(token)
    response = RedirectResponse("/", status_code=303)
    _set_cookie(response, session, services)
    return response


@router.post("/logout")
def post_logout(request: Request, response: Response, services: ServicesDep) -> dict[str, str]:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        services.accounts.revoke(token)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return {"status": "signed out"}


@router.get("/me")
def get_me(principal: PrincipalDep) -> dict[str, Any]:
    return {"username": principal.username, "role": principal.role, "workspaces": list(principal.workspaces)}


class TokenRequest(BaseModel):
    label: str = Field("script", max_length=100)
    expires_days: int = Field(90, ge=1, le=365)


@router.post("/tokens", status_code=201, summary="Create an API token for scripts (shown once; expires)")
def post_token(body: TokenRequest, principal: PrincipalDep, services: ServicesDep) -> dict[str, Any]:
    token = services.accounts.issue(
        principal.id, "api", label=body.label, ttl=timedelta(days=body.expires_days)
    )
    services.accounts.audit("token_created", principal=principal, target=body.label)
    return {"token": token, "label": body.label, "expires_days": body.expires_days}


@router.get("/tokens", summary="Your API tokens (an admin sees everyone's); never their values")
def get_tokens(principal: PrincipalDep, services: ServicesDep) -> list[dict[str, Any]]:
    return services.accounts.tokens(None if principal.can("admin") else principal.id)


@router.delete("/tokens/{token_id}", summary="Revoke an API token")
def delete_token(
    token_id: Annotated[int, Path(ge=1, le=2**63 - 1)], principal: PrincipalDep, services: ServicesDep
) -> dict[str, str]:
    services.accounts.revoke_token(token_id, by=principal)
    services.accounts.audit("token_revoked", principal=principal, target=str(token_id))
    return {"status": "revoked"}


class PasswordChange(BaseModel):
    current: str = Field(min_length=1, max_length=200)
    new: str = Field(min_length=1, max_length=200)


@router.post("/password", summary="Change your password: every other session and token is revoked")
def post_password(
    body: PasswordChange, request: Request, principal: PrincipalDep, services: ServicesDep
) -> dict[str, Any]:
    services.accounts.login(principal.username, body.current)  # the current password, checked
    keep = request.cookies.get(SESSION_COOKIE)
    revoked = services.accounts.set_password(principal.username, body.new, keep=keep)
    services.accounts.audit("password_changed", principal=principal, detail={"revoked": revoked})
    return {"status": "changed", "revoked": revoked}
