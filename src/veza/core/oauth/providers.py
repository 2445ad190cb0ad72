"""The providers an operator configured: Google, GitHub, Discord presets and one generic OIDC."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from veza.config import Settings

Kind = Literal["oidc", "github", "discord"]


@dataclass(frozen=True, slots=True)
class Provider:
    name: str
    label: str
    kind: Kind
    client_id: str
    client_secret: str
    scope: str
    # OIDC providers are found by discovery; the others have fixed endpoints.
    discovery_url: str | None = None
    authorize_url: str | None = None
    token_url: str | None = None
    userinfo_url: str | None = None


GOOGLE_DISCOVERY = "https://accounts.google.com/.well-known/openid-configuration"


def configured(settings: Settings) -> dict[str, Provider]:
    """Every provider with a client id and secret; the others do not appear anywhere."""
    found: list[Provider] = []
    if settings.oauth_google_client_id and settings.oauth_google_client_secret:
        found.append(
            Provider(
                "google",
                "Google",
                "oidc",
                settings.oauth_google_client_id,
                settings.oauth_google_client_secret.get_secret_value(),
                "openid email profile",
                discovery_url=GOOGLE_DISCOVERY,
            )
        )
    if settings.oauth_github_client_id and settings.oauth_github_client_secret:
        found.append(
            Provider(
                "github",
                "GitHub",
                "github",
                settings.oauth_github_client_id,
                settings.oauth_github_client_secret.get_secret_value(),
                "read:user user:email",
                authorize_url="https://github.com/login/oauth/authorize",
                token_url="https://github.com/login/oauth/access_token",  # noqa: S106
                userinfo_url="https://api.github.com/user",
            )
        )
    if settings.oauth_discord_client_id and settings.oauth_discord_client_secret:
        found.append(
            Provider(
                "discord",
                "Discord",
                "discord",
                settings.oauth_discord_client_id,
                settings.oauth_discord_client_secret.get_secret_value(),
                "identify email",
                authorize_url="https://discord.com/oauth2/authorize",
                token_url="https://discord.com/api/oauth2/token",  # noqa: S106
                userinfo_url="https://discord.com/api/users/@me",
            )
        )
    if settings.oidc_discovery_url and settings.oidc_client_id and settings.oidc_client_secret:
        found.append(
            Provider(
                settings.oidc_name,
                settings.oidc_label,
                "oidc",
                settings.oidc_client_id,
                settings.oidc_client_secret.get_secret_value(),
                "openid email profile",
                discovery_url=settings.oidc_discovery_url,
            )
        )
    return {provider.name: provider for provider in found}
