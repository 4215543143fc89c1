"""FastAPI dependencies: the server's state, a database session per request, the query's
target, and the write guard (Bearer token, compared in constant time)."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from stancetrack.db.repository.targets import stored_targets
from stancetrack.errors import UsageError
from stancetrack.service import params
from stancetrack.service.state import TOKEN_VARIABLE, ServiceState
from stancetrack.targets import one_spaced, resolve_query_target


class Unauthorized(Exception):
    """A write without a valid token (401); the message never contains the token."""


def get_state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state


StateDep = Annotated[ServiceState, Depends(get_state)]


def get_session(state: StateDep) -> Iterator[Session]:
    with state.database.session() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def clean_target(target: str | None) -> str | None:
    """A given target, spaces normalised (None stays None); blank is refused (400)."""
    if target is None:
        return None
    cleaned = one_spaced(target)
    if not cleaned:
        raise UsageError("target must not be blank")
    return cleaned


def get_target(state: StateDep, target: params.Target = None) -> str:
    """The target a read answers for, as stored: matched ignoring case and spacing; one
    with no stored claims is a 400 naming those that have some (stancetrack/targets.py)."""
    given = clean_target(target)
    with state.database.sessions() as session:
        stored = stored_targets(session)
    return resolve_query_target(given, state.settings.target, stored)


TargetDep = Annotated[str, Depends(get_target)]


# FastAPI reads the header (and documents the scheme in OpenAPI); the refusal stays ours
# (auto_error off): one 401 with our message and `WWW-Authenticate: Bearer` (service/app.py).
bearer = HTTPBearer(auto_error=False, description="`Bearer $STANCETRACK_API_TOKEN` (writes).")


def require_token(
    state: StateDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    """Writes need `Authorization: Bearer $STANCETRACK_API_TOKEN`; refused when none is set."""
    if state.token is None:
        raise Unauthorized(f"writes are disabled: the server has no {TOKEN_VARIABLE}")
    given = credentials.credentials.encode() if credentials is not None else b""
    if not hmac.compare_digest(given, state.token):
        raise Unauthorized("missing or wrong bearer token")
