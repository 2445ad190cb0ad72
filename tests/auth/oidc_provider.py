"""A real OpenID Connect provider for the tests, built from Authlib's server parts.

It serves OIDC discovery, authorize (signs in whoever the test says is at the keyboard, and
redirects back with a code), token (authorization code with PKCE S256 required) and userinfo
with the standard claims (`sub`, `email`, `email_verified`, ...), over real HTTP on 127.0.0.1.
It issues no `id_token`, which Veza does not use.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, JsonRequest, OAuth2Error, OAuth2Request
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

CLIENT_ID = "veza-test"
CLIENT_SECRET = "veza-test-secret"


@dataclass
class EndUser:
    """Who is signed in at the provider when the browser arrives."""

    sub: str
    email: str
    email_verified: bool = True
    preferred_username: str = "provider_user"
    name: str = "Provider User"


@dataclass
class Client(ClientMixin):  # type: ignore[misc]
    redirect_uris: list[str]
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        return scope

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: EndUser
    code_challenge: str | None
    code_challenge_method: str | None

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


@dataclass
class State:
    clients: dict[str, Client] = field(default_factory=dict)
    codes: dict[str, Code] = field(default_factory=dict)
    tokens: dict[str, tuple[EndUser, str]] = field(default_factory=dict)
    user: EndUser | None = None
    token_requests: list[dict[str, str]] = field(default_factory=list)


def make_grant(state: State) -> type[AuthorizationCodeGrant]:
    class CodeGrant(AuthorizationCodeGrant):  # type: ignore[misc]
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

        def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
            data = request.payload.data
            state.codes[code] = Code(
                code,
                request.client.client_id,
                data.get("redirect_uri"),
                request.scope or "",
                request.user,
                data.get("code_challenge"),
                data.get("code_challenge_method"),
            )

        def query_authorization_code(self, code: str, client: Client) -> Code | None:
            found = state.codes.get(code)
            return found if found and found.client_id == client.client_id else None

        def delete_authorization_code(self, authorization_code: Code) -> None:
            state.codes.pop(authorization_code.code, None)

        def authenticate_user(self, authorization_code: Code) -> EndUser:
            return authorization_code.user

    return CodeGrant


class Server(AuthorizationServer):  # type: ignore[misc]
    """Authlib's authorization server, adapted to Starlette requests read up front."""

    def __init__(self, state: State) -> None:
        super().__init__()
        self.state = state
        self.register_grant(make_grant(state), [CodeChallenge(required=True)])
        self.register_token_generator(
            "default", BearerTokenGenerator(lambda *a, **k: secrets.token_urlsafe(32))
        )

    def query_client(self, client_id: str) -> Client | None:
        return self.state.clients.get(client_id)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        self.state.tokens[token["access_token"]] = (request.user, token.get("scope", ""))

    def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
        return request

    def create_json_request(self, request: JsonRequest) -> JsonRequest:
        return request

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> Response:
        if isinstance(body, dict):
            return JSONResponse(body, status_code=status, headers=dict(headers))
        return Response(body, status_code=status, headers=dict(headers))

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None


class FormRequest(OAuth2Request):  # type: ignore[misc]
    """An OAuth2Request whose query and form were read before Authlib's sync code runs."""

    def __init__(self, request: Request, form: dict[str, str]) -> None:
        super().__init__(request.method, str(request.url), headers=request.headers)
        self._args = dict(request.query_params)
        self._form = form
        self.payload = BasicOAuth2Payload({**self._args, **form})

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


async def _oauth_request(request: Request) -> OAuth2Request:
    form = await request.form() if request.method == "POST" else {}
    return FormRequest(request, {key: str(value) for key, value in dict(form).items()})


@dataclass
class Provider:
    """The running provider: its issuer URL and the state the tests steer."""

    issuer: str
    state: State
    server: uvicorn.Server
    task: asyncio.Task[None]

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def register_client(self, redirect_uri: str) -> None:
        self.state.clients[CLIENT_ID] = Client([redirect_uri])

    async def stop(self) -> None:
        self.server.should_exit = True
        await self.task


def make_app(state: State, issuer: list[str]) -> Starlette:
    server = Server(state)

    async def discovery(request: Request) -> JSONResponse:
        base = issuer[0]
        return JSONResponse(
            {
                "issuer": base,
                "authorization_endpoint": f"{base}/authorize",
                "token_endpoint": f"{base}/token",
                "userinfo_endpoint": f"{base}/userinfo",
                "response_types_supported": ["code"],
                "code_challenge_methods_supported": ["S256"],
            }
        )

    async def authorize(request: Request) -> Response:
        oauth_request = await _oauth_request(request)
        try:  # the consent step: validates client, redirect URI, scope and the PKCE challenge
            grant = server.get_consent_grant(oauth_request, end_user=state.user)
        except OAuth2Error as error:
            return JSONResponse(dict(error.get_body()), status_code=error.status_code)
        response: Response = server.create_authorization_response(
            oauth_request, grant_user=state.user, grant=grant
        )
        return response

    async def token(request: Request) -> Response:
        oauth_request = await _oauth_request(request)
        state.token_requests.append(dict(oauth_request.payload.data))
        response: Response = server.create_token_response(oauth_request)
        return response

    async def userinfo(request: Request) -> JSONResponse:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        found = state.tokens.get(value) if scheme.lower() == "bearer" else None
        if found is None:
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        user, _ = found
        return JSONResponse(
            {
                "sub": user.sub,
                "email": user.email,
                "email_verified": user.email_verified,
                "preferred_username": user.preferred_username,
                "name": user.name,
            }
        )

    return Starlette(
        routes=[
            Route("/.well-known/openid-configuration", discovery),
            Route("/authorize", authorize),
            Route("/token", token, methods=["POST"]),
            Route("/userinfo", userinfo),
        ]
    )


async def start_provider() -> Provider:
    state = State()
    issuer: list[str] = [""]
    config = uvicorn.Config(make_app(state, issuer), host="127.0.0.1", port=0, log_config=None)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(15):
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    issuer[0] = f"http://127.0.0.1:{port}"
    return Provider(issuer[0], state, server, task)
