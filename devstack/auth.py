"""The local JWT issuer, and the checks API Gateway's HTTP API JWT authorizer makes.

As documented for HTTP APIs (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html):
the identity source holds the token alone or prefixed with `Bearer `; the signature is checked with the
issuer's JWKS key named by the token's `kid` (RSA algorithms only); `iss` must equal the issuer; `aud`
must match one of the audiences, or, when a token has no `aud` (a Cognito access token), `client_id`
must; `exp` must be after now, and `nbf` and `iat` before it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

LOCAL_AUDIENCE = "selfkind-local"
LOCAL_KEY_ID = "local-1"
TOKEN_LIFETIME_SECONDS = 3600
_RSA_ALGORITHMS = ["RS256", "RS384", "RS512"]


class Unauthorized(Exception):
    pass


@dataclass
class LocalIssuer:
    issuer: str
    audience: str = LOCAL_AUDIENCE
    key_id: str = LOCAL_KEY_ID
    _key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(65537, 2048), repr=False)

    def issue(
        self,
        sub: str,
        lifetime_seconds: int = TOKEN_LIFETIME_SECONDS,
        token_use: str = "id",  # noqa: S107 (a kind of token, not a secret)
        **claims: Any,
    ) -> str:
        """An ID token (`aud` = the audience), or with token_use="access" a Cognito-style access token
        (`client_id` = the audience, no `aud`)."""
        now = int(time.time())
        payload: dict[str, Any] = {"iss": self.issuer, "sub": sub, "iat": now, "exp": now + lifetime_seconds}
        if token_use == "access":  # noqa: S105 (a kind of token, not a secret)
            payload |= {"client_id": self.audience, "token_use": "access", "scope": "aws.cognito.signin.user.admin"}
        else:
            payload |= {"aud": self.audience, "token_use": "id"}
        return jwt.encode({**payload, **claims}, self._key, algorithm="RS256", headers={"kid": self.key_id})

    def jwks(self) -> dict[str, Any]:
        """The key set the issuer publishes (its jwks_uri)."""
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        return {"keys": [{**public, "kid": self.key_id, "use": "sig", "alg": "RS256"}]}

    def verify(self, identity_source: str | None) -> dict[str, Any]:
        """The claims of a token API Gateway would accept; Unauthorized for anything else."""
        token = (identity_source or "").strip()
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        if not token:
            raise Unauthorized
        try:
            if jwt.get_unverified_header(token).get("kid") != self.key_id:
                raise Unauthorized  # no key of the issuer's JWKS has this kid
            claims: dict[str, Any] = jwt.decode(
                token,
                self._key.public_key(),
                algorithms=_RSA_ALGORITHMS,
                issuer=self.issuer,
                options={"require": ["exp", "iss"], "verify_aud": False},
            )
        except jwt.InvalidTokenError as error:
            raise Unauthorized from error
        self._check_audience(claims)
        if float(claims.get("iat", 0)) > time.time():
            raise Unauthorized  # issued in the future
        return claims

    def _check_audience(self, claims: dict[str, Any]) -> None:
        audience = claims.get("aud")
        if audience is not None:  # with both, API Gateway evaluates aud
            accepted = [audience] if isinstance(audience, str) else list(audience)
        else:
            accepted = [claims.get("client_id")]
        if self.audience not in accepted:
            raise Unauthorized
