"""Outgoing mail: a `Transport` protocol (SMTP or .eml files) behind an `Outbox` that retries."""
