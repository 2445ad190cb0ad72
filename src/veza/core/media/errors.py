"""Why a file is refused. Plain one-argument exceptions, so they cross process boundaries."""

from __future__ import annotations


class MediaError(Exception):
    """A file that processing will never accept, however often it is retried."""

    @property
    def reason(self) -> str:
        return str(self.args[0]) if self.args else "the file cannot be processed"


class UnsupportedMedia(MediaError):
    """Not audio we accept (text, image, video, an unknown codec): HTTP 415."""


class InvalidMedia(MediaError):
    """Audio we accept, but empty, damaged, truncated or too long: HTTP 422."""


def check_length(seconds: float, max_seconds: float) -> None:
    """Refuse audio longer than the limit, however short its header said it was."""
    if seconds > max_seconds:
        raise InvalidMedia(f"the audio is longer than the limit of {max_seconds / 60:.1f} min")
