"""The loss-reason classifier with a memory: each distinct text of a store is classified once.

``winback diagnose`` reads the same cancel reasons, reviews and chat lines on every run, and
classifying them costs more than every other diagnostic together (jieba's dictionary and
scikit-learn's start, about 1.5 s on the demo store). :func:`remembering_classifier` answers
from ``text_reasons`` what it already knows and asks
:func:`winback.analyse.reasons.default_classifier` only about new texts.

What is remembered is keyed by the **classifier's fingerprint** — the SHA-256 of every file
of ``winback.analyse.reasons`` (code, word lists, the shipped model) and the versions of
jieba and langdetect — so a changed classifier answers afresh; and by the SHA-256 of the
text **with contact details masked** (:func:`winback.privacy.mask_contacts`): the text is
not stored, and its key says no more of a phone number or e-mail in it than the masked form
every output shows; two texts that differ only in the hidden digits of a contact share the
answer of the first one classified.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import metadata, resources

from winback.analyse.loss_reasons import Classify, PredictionLike
from winback.app import App
from winback.privacy import mask_contacts
from winback.store import text_reasons as memory

__all__ = ["classifier_fingerprint", "remembering_classifier", "text_digest"]

_PACKAGES = ("jieba", "langdetect")


@dataclass(frozen=True, slots=True)
class Remembered:
    """A classifier's answer for one text (a :class:`~winback.analyse.loss_reasons.
    PredictionLike`)."""

    reason: str
    confidence: float


@cache
def classifier_fingerprint() -> str:
    """The SHA-256 of the reason classifier: its package's files and its libraries' versions."""
    digest = hashlib.sha256()
    folder = resources.files("winback.analyse.reasons")
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if entry.is_file() and entry.name.endswith((".py", ".npz", ".csv", ".json")):
            digest.update(entry.name.encode("utf-8"))
            digest.update(entry.read_bytes())
    for package in _PACKAGES:
        try:
            digest.update(f"{package}={metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{package}=absent".encode())
    return digest.hexdigest()


def text_digest(text: str) -> str:
    """The key of a text: the SHA-256 of the text with its contact details masked."""
    return hashlib.sha256((mask_contacts(text) or "").encode("utf-8")).hexdigest()


def remembering_classifier(app: App, store_id: int) -> Classify:
    """A ``classify`` for :func:`~winback.analyse.loss_reasons.loss_reasons` that answers
    from the store's memory and classifies (and remembers) only texts it has not seen."""
    fingerprint = classifier_fingerprint()

    def classify(texts: list[str]) -> Sequence[PredictionLike]:
        digests = [text_digest(text) for text in texts]
        with app.engine.connect() as conn:
            known = memory.known_reasons(conn, store_id, fingerprint, digests)
        missing = {digest: text for digest, text in zip(digests, texts, strict=True)}
        missing = {digest: text for digest, text in missing.items() if digest not in known}
        if missing:
            from winback.analyse.reasons import default_classifier

            predictions = default_classifier().predict(list(missing.values()))
            answers = {
                digest: (str(prediction.reason), float(prediction.confidence))
                for digest, prediction in zip(missing, predictions, strict=True)
            }
            memory.remember_reasons(app.engine, store_id, fingerprint, answers)
            known = {**known, **answers}
        return [Remembered(*known[digest]) for digest in digests]

    return classify
