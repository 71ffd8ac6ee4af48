"""The local JWT issuer and the check API Gateway's JWT authorizer makes (signature, iss, aud, exp)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

LOCAL_AUDIENCE = "selfkind-local"
TOKEN_LIFETIME_SECONDS = 3600


class Unauthorized(Exception):
    pass


@dataclass
class LocalIssuer:
    issuer: str
    audience: str = LOCAL_AUDIENCE
    _key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(65537, 2048), repr=False)

    def issue(self, sub: str, lifetime_seconds: int = TOKEN_LIFETIME_SECONDS, **claims: Any) -> str:
        now = int(time.time())
        payload = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": sub,
            "iat": now,
            "exp": now + lifetime_seconds,
        }
        return jwt.encode({**payload, **claims}, self._key, algorithm="RS256", headers={"kid": "local"})

    def verify(self, authorization: str | None) -> dict[str, Any]:
        """Claims of a valid `Bearer <jwt>`; Unauthorized for anything else."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._key.public_key(),
                algorithms=["RS256"],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.InvalidTokenError as error:
            raise Unauthorized from error
        return claims
