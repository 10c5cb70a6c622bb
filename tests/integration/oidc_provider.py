"""A small but real OpenID Connect provider for tests, served over HTTP on 127.0.0.1.

It serves discovery, authorisation (approving its one test person at once), token (an RS256
ID token signed with joserfc, Authlib's JOSE library, with the nonce echoed; PKCE S256 and the
client secret checked) and JWKS. `misbehave` makes it issue a token that a careful client must
refuse: signed with another key, for another audience, from another issuer, with another
nonce, or expired.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

KEY_ID = "test-signing-key"


@dataclass
class Grant:
    """What the provider remembers between the authorisation and token requests."""

    client_id: str
    redirect_uri: str
    nonce: str | None
    code_challenge: str | None


@dataclass
class OpenIDProvider:
    __test__ = False
    client_id: str
    client_secret: str
    redirect_uri: str
    claims: dict[str, Any]
    misbehave: str | None = None
    key: RSAKey = field(default_factory=lambda: _signing_key())
    grants: dict[str, Grant] = field(default_factory=dict)
    token_requests: int = 0

    def __post_init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> OpenIDProvider:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "email", "profile"],
        }

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.as_dict(private=False)]}

    def authorise(self, query: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        """Approve the test person at once and send them back with a code."""
        if query.get("client_id") != self.client_id or query.get("redirect_uri") != (
            self.redirect_uri
        ):
            return 400, {}, {"error": "invalid_request", "error_description": "unknown client"}
        if query.get("response_type") != "code" or "openid" not in query.get("scope", ""):
            return 400, {}, {"error": "unsupported_response_type"}
        code = secrets.token_urlsafe(24)
        self.grants[code] = Grant(
            client_id=query["client_id"],
            redirect_uri=query["redirect_uri"],
            nonce=query.get("nonce"),
            code_challenge=query.get("code_challenge"),
        )
        answer = urlencode({"code": code, "state": query.get("state", "")})
        return 302, {"Location": f"{self.redirect_uri}?{answer}"}, None

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        """Exchange a code (once) for an access token and a signed ID token."""
        self.token_requests += 1
        grant = self.grants.pop(form.get("code", ""), None)
        refusal = _token_request_refusal(self, grant, form)
        if refusal or grant is None:
            return 400, {}, {"error": refusal or "invalid_grant"}
        id_token = self.id_token(grant)
        body = {"access_token": secrets.token_urlsafe(24), "token_type": "Bearer"}
        return 200, {}, {**body, "expires_in": 3600, "id_token": id_token}

    def id_token(self, grant: Grant) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": "test-person-1",
            "aud": grant.client_id,
            "iat": now,
            "exp": now + 600,
            "nonce": grant.nonce,
            **self.claims,
        }
        key = self.key
        if self.misbehave == "signature":
            # The same key id, another key: only a signature check can tell.
            key = _signing_key()
        elif self.misbehave == "audience":
            claims["aud"] = "some-other-application"
        elif self.misbehave == "issuer":
            claims["iss"] = "https://impostor.example.org"
        elif self.misbehave == "nonce":
            claims["nonce"] = "a-nonce-from-another-sign-in"
        elif self.misbehave == "expired":
            claims.update(iat=now - 7200, exp=now - 3600)
        return jwt.encode({"alg": "RS256", "kid": KEY_ID}, claims, key)


def _signing_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": KEY_ID, "use": "sig", "alg": "RS256"})


def _token_request_refusal(
    provider: OpenIDProvider, grant: Grant | None, form: dict[str, str]
) -> str | None:
    if grant is None or form.get("grant_type") != "authorization_code":
        return "invalid_grant"
    if form.get("client_id") != provider.client_id:
        return "invalid_client"
    if form.get("client_secret") != provider.client_secret:
        return "invalid_client"
    if form.get("redirect_uri") != grant.redirect_uri:
        return "invalid_grant"
    if grant.code_challenge is not None:
        digest = hashlib.sha256(form.get("code_verifier", "").encode("ascii")).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant.code_challenge:
            return "invalid_grant"
    return None


def _handler_for(provider: OpenIDProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {name: values[0] for name, values in parse_qs(url.query).items()}
            if url.path == "/.well-known/openid-configuration":
                self._answer(200, {}, provider.discovery())
            elif url.path == "/jwks":
                self._answer(200, {}, provider.jwks())
            elif url.path == "/authorize":
                self._answer(*provider.authorise(query))
            else:
                self._answer(404, {}, {"error": "not_found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            form = {name: values[0] for name, values in parse_qs(body).items()}
            if urlsplit(self.path).path == "/token":
                self._answer(*provider.token(form))
            else:
                self._answer(404, {}, {"error": "not_found"})

        def _answer(self, status: int, headers: dict[str, str], body: Any) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            payload = b"" if body is None else json.dumps(body).encode()
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base signature
            """Quiet: the test output is for the test's own messages."""

    return Handler
