"""A profanity filter that sees through case, accents, leetspeak, stretching and spacing.

Words are matched whole (plus common endings), never inside other words, so "Scunthorpe"
and "classic" pass. Masking keeps the message's shape: each letter of a match becomes `*`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}
)
_ENDINGS = "(?:s|es|ed|ing|er|ers|y)?"
_TOKEN = re.compile(r"\S+")
# Punctuation around a word ("shit!", "(fuck)") is not leetspeak.
_EDGES = ".,!?;:'\"()[]{}<>*_~-"


def _fold(token: str) -> str:
    """Lower-case a-z only: accents dropped, leetspeak read as letters, the rest removed."""
    plain = unicodedata.normalize("NFKD", token.lower().translate(_LEET))
    return "".join(char for char in plain if "a" <= char <= "z")


def _core(match: re.Match[str]) -> tuple[int, int]:
    """A token's span without the punctuation around it (kept when the word is masked)."""
    token = match.group()
    lead = len(token) - len(token.lstrip(_EDGES))
    core = len(token.strip(_EDGES))
    if core == 0:
        return match.start(), match.end()
    return match.start() + lead, match.start() + lead + core


def _readings(token: str) -> tuple[str, str]:
    """The token folded as written, and without the punctuation around it."""
    return _fold(token), _fold(token.strip(_EDGES))


@dataclass(frozen=True, slots=True)
class WordFilter:
    pattern: re.Pattern[str]

    @classmethod
    def of(cls, words: Iterable[str]) -> WordFilter:
        # Each letter may repeat ("fuuuck"); the word must be the whole (folded) token.
        stretched = sorted({"".join(f"{re.escape(c)}+" for c in word) for word in words if word})
        return cls(re.compile(f"^(?:{'|'.join(stretched)}){_ENDINGS}$"))

    def _matches(self, *readings: str) -> bool:
        return any(folded and self.pattern.match(folded) for folded in readings)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where the offending words are, including ones spelled out letter by letter."""
        tokens = [(*_core(m), *_readings(m.group())) for m in _TOKEN.finditer(text)]
        found: list[tuple[int, int]] = []
        index = 0
        while index < len(tokens):
            start, end, as_written, bare = tokens[index]
            if self._matches(as_written, bare):
                found.append((start, end))
                index += 1
                continue
            run = index  # "f u c k": single letters in a row, read as one word
            while run < len(tokens) and len(tokens[run][3]) == 1:
                run += 1
            if run - index >= 3 and self._matches("".join(t[3] for t in tokens[index:run])):
                found.extend((t[0], t[1]) for t in tokens[index:run])
                index = run
                continue
            index += 1
        return found

    def contains(self, text: str) -> bool:
        return bool(self.spans(text))

    def mask(self, text: str) -> str:
        chars = list(text)
        for start, end in self.spans(text):
            for position in range(start, end):
                if not chars[position].isspace():
                    chars[position] = "*"
        return "".join(chars)


def read_words(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


def _shipped_words() -> list[str]:
    data = resources.files("veza.core").joinpath("data/profanity_en.txt").read_text("utf-8")
    return read_words(data)


@cache
def default_filter() -> WordFilter:
    """The shipped English list (`veza/core/data/profanity_en.txt`)."""
    return WordFilter.of(_shipped_words())


@cache
def word_filter(extra_file: Path | None) -> WordFilter:
    """The shipped list plus an operator's file (VEZA_CHAT_PROFANITY_WORDS_FILE), read once."""
    if extra_file is None:
        return default_filter()
    return WordFilter.of(_shipped_words() + read_words(extra_file.read_text("utf-8")))
