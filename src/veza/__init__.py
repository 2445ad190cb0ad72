"""Veza: a self-hostable music community platform (streaming and real-time chat)."""

__version__ = "0.1.0"
