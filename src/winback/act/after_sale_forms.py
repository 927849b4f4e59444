"""The buyer's answers on the after-sale pages, parsed (R8): the NPS form and the preference
centre. Pure functions over the raw ``application/x-www-form-urlencoded`` body, so the web
layer only verifies the link and stores; hypothesis feeds them anything.

* NPS: ``score`` one integer 0–10 (required), ``why`` free text (optional; NUL and other
  control characters but line breaks removed, at most :data:`WHY_MAX` characters kept).
* Preferences: ``topic`` repeated, each one of :class:`winback.model.Topic` (none chosen:
  nothing but what the law requires — no message at all), ``frequency`` one of
  :class:`winback.model.Frequency` (default ``any``).

Anything else is a :class:`FormError` with a message fit for the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qsl

from winback.errors import WinbackError
from winback.model import Frequency, Preference, Topic

__all__ = ["BODY_MAX", "WHY_MAX", "FormError", "SurveyAnswer", "parse_preferences", "parse_survey"]

WHY_MAX: Final = 2_000
BODY_MAX: Final = 32_768
_CONTROL: Final = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]")


class FormError(WinbackError):
    """The form was not filled in as the page asks."""


@dataclass(frozen=True, slots=True)
class SurveyAnswer:
    score: int
    why: str | None


def _fields(body: bytes) -> list[tuple[str, str]]:
    if len(body) > BODY_MAX:
        raise FormError("the form is too long")
    text = body.decode("utf-8", "replace")
    try:
        return parse_qsl(text, keep_blank_values=True, max_num_fields=64)
    except ValueError:
        raise FormError("the form has too many fields") from None


def parse_survey(body: bytes) -> SurveyAnswer:
    """The NPS answer in ``body``; :class:`FormError` when the score is missing or wrong."""
    fields = _fields(body)
    scores = [value.strip() for name, value in fields if name == "score"]
    if len(scores) != 1 or not scores[0].isascii() or not scores[0].isdigit():
        raise FormError("choose one score from 0 to 10")
    score = int(scores[0])
    if not 0 <= score <= 10:
        raise FormError("choose one score from 0 to 10")
    whys = [value for name, value in fields if name == "why"]
    why = _CONTROL.sub("", " ".join(whys)).strip()[:WHY_MAX].strip()
    return SurveyAnswer(score, why or None)


def parse_preferences(body: bytes) -> Preference:
    """The topics and frequency chosen in ``body``; :class:`FormError` on an unknown value."""
    fields = _fields(body)
    known = {str(topic) for topic in Topic}
    topics = set()
    for name, value in fields:
        if name == "topic":
            if value not in known:
                raise FormError("unknown topic")
            topics.add(Topic(value))
    frequencies = [value for name, value in fields if name == "frequency"]
    if len(frequencies) > 1 or (frequencies and frequencies[0] not in set(Frequency)):
        raise FormError("choose one frequency")
    frequency = Frequency(frequencies[0]) if frequencies else Frequency.ANY
    return Preference(frozenset(topics), frequency)
