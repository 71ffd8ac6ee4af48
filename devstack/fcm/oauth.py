"""Google's OAuth2 token endpoint for the service-account JWT bearer grant, as the stand-in runs it:
a local service account, the access tokens it issued, and an outage that can be switched on."""

from __future__ import annotations

import secrets
import threading
import time
from typing import Final, cast
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from devstack.fcm.answers import Answer, google_error

TOKEN_LIFETIME_SECONDS: Final = 3600
JWT_BEARER_GRANT: Final = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# google-auth signs this audience whatever the account's token_uri is, so the stand-in accepts it too.
GOOGLE_TOKEN_ENDPOINT: Final = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL
FIREBASE_MESSAGING_SCOPE: Final = "https://www.googleapis.com/auth/firebase.messaging"
_MISSING_CREDENTIAL: Final = (
    "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie "
    "or other valid authentication credential. "
    "See https://developers.google.com/identity/sign-in/web/devconsole-project."
)
_INVALID_CREDENTIAL: Final = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other "
    "valid authentication credential. "
    "See https://developers.google.com/identity/sign-in/web/devconsole-project."
)


def local_service_account(token_uri: str, project_id: str) -> dict[str, str]:
    """A service-account JSON with a fresh 2048-bit key, as firebase_admin.credentials.Certificate reads."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return {
        "type": "service_account",
        "project_id": project_id,
        "private_key_id": secrets.token_hex(20),
        "private_key": pem,
        "client_email": f"firebase-adminsdk-local@{project_id}.iam.gserviceaccount.com",
        "client_id": str(secrets.randbelow(10**21)).zfill(21),
        "token_uri": token_uri,
        "universe_domain": "googleapis.com",
    }


def _token_error(error: str, description: str) -> Answer:
    return Answer(400, {"error": error, "error_description": description})


def _unauthenticated(message: str) -> Answer:
    return Answer(
        401,
        google_error(401, "UNAUTHENTICATED", message),
        {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
    )


class TokenIssuer:
    """Issues access tokens for assertions signed by its service account, and checks bearer tokens."""

    def __init__(self, token_uri: str, project_id: str) -> None:
        self.token_uri = token_uri
        self.service_account = local_service_account(token_uri, project_id)
        private_key = serialization.load_pem_private_key(self.service_account["private_key"].encode(), None)
        self._public_key = cast(rsa.RSAPrivateKey, private_key).public_key()
        self._lock = threading.Lock()
        self._tokens: dict[str, float] = {}  # access token -> monotonic expiry
        self._down = False

    def set_down(self, down: bool) -> None:
        """Down: the endpoint fails, and every token issued so far is refused from now on."""
        with self._lock:
            self._down = down
            if down:
                self._tokens.clear()

    def token(self, body: bytes) -> Answer:
        with self._lock:
            down = self._down
        if down:
            return Answer(503, {"error": "temporarily_unavailable", "error_description": "The service is down."})
        form = parse_qs(body.decode("utf-8", "replace"))
        grant_type = form.get("grant_type", [""])[0]
        if grant_type != JWT_BEARER_GRANT:
            return _token_error("unsupported_grant_type", f"Invalid grant_type: {grant_type}")
        assertion = form.get("assertion", [""])[0]
        try:
            header = jwt.get_unverified_header(assertion)
            if header.get("kid", self.service_account["private_key_id"]) != self.service_account["private_key_id"]:
                raise jwt.InvalidSignatureError
            claims = jwt.decode(
                assertion,
                self._public_key,
                algorithms=["RS256"],
                audience=[GOOGLE_TOKEN_ENDPOINT, self.token_uri],
                issuer=self.service_account["client_email"],
                options={"require": ["iss", "aud", "iat", "exp"]},
                leeway=60,
            )
        except jwt.InvalidSignatureError:
            return _token_error("invalid_grant", "Invalid JWT Signature.")
        except jwt.InvalidAudienceError:
            return _token_error("invalid_grant", f"Invalid JWT: Failed audience check. Expected {self.token_uri}")
        except jwt.InvalidTokenError as error:
            return _token_error("invalid_grant", f"Invalid JWT: {error}")
        if int(claims["exp"]) - int(claims["iat"]) > TOKEN_LIFETIME_SECONDS:
            return _token_error(
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.",
            )
        access_token = f"ya29.local-{secrets.token_urlsafe(32)}"
        with self._lock:
            self._tokens[access_token] = time.monotonic() + TOKEN_LIFETIME_SECONDS
        return Answer(200, {"access_token": access_token, "expires_in": TOKEN_LIFETIME_SECONDS, "token_type": "Bearer"})

    def refusal(self, authorization: str | None) -> Answer | None:
        """None when the bearer token is one it issued and still valid; else FCM's 401."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return _unauthenticated(_MISSING_CREDENTIAL)
        with self._lock:
            expiry = self._tokens.get(token.strip())
        if expiry is None or expiry < time.monotonic():
            return _unauthenticated(_INVALID_CREDENTIAL)
        return None
