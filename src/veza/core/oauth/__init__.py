"""OAuth2 / OpenID Connect sign-in: provider presets and the Authlib client that talks to them."""
