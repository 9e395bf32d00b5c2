"""API authentication: `Authorization: Basic <base64(key)>`, the header Codat's SDKs send.

The key is random (256 bits), so its SHA-256 digest is looked up directly: one indexed read.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader
from sqlalchemy import Engine

from qbdsync.errors import AuthenticationFailed
from qbdsync.store import clients as client_store

# Declared as an API-key header so the OpenAPI document says how to authenticate, exactly as
# Codat's does ("Authorization: Basic <base64 of the key>").
authorization_header = APIKeyHeader(
    name="Authorization",
    auto_error=False,
    description="`Basic ` followed by the Base64 encoding of your API key.",
)


@dataclass(frozen=True, slots=True)
class Caller:
    client_id: str


def _key_from_header(value: str) -> str:
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "basic" or not token:
        raise AuthenticationFailed("Use 'Authorization: Basic <base64 of your API key>'.")
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise AuthenticationFailed("The Authorization header is not valid Base64.") from exc
    # Some clients encode "key:" as Basic credentials with an empty password.
    return decoded[:-1] if decoded.endswith(":") else decoded


def caller(
    request: Request,
    authorization: Annotated[str | None, Depends(authorization_header)] = None,
) -> Caller:
    if not authorization:
        raise AuthenticationFailed("Missing Authorization header.")
    key = _key_from_header(authorization)
    engine: Engine = request.app.state.engine
    with engine.connect() as conn:
        client_id = client_store.client_for_key(conn, key)
    if client_id is None:
        raise AuthenticationFailed("Unknown or revoked API key.")
    return Caller(client_id=client_id)


CallerDep = Annotated[Caller, Depends(caller)]
