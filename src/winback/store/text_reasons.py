"""Loss reasons remembered per text (``text_reasons``): what the classifier answered for each
distinct text of a store, under the classifier's fingerprint.

A text is named by the SHA-256 of its masked form (:mod:`winback.services.text_reasons`
computes it); no text is stored. Remembering is best effort: a store
that cannot be written (a read-only database, a concurrent writer) is still diagnosed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import Connection, Engine, and_, delete, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from winback.store.schema import text_reasons

__all__ = ["known_reasons", "remember_reasons"]

_CHUNK = 500


def known_reasons(
    conn: Connection, store_id: int, classifier: str, digests: Sequence[str]
) -> dict[str, tuple[str, float]]:
    """The remembered ``(reason, confidence)`` of each of ``digests`` that has one."""
    found: dict[str, tuple[str, float]] = {}
    wanted = list(dict.fromkeys(digests))
    for start in range(0, len(wanted), _CHUNK):
        rows = conn.execute(
            select(
                text_reasons.c.text_sha256, text_reasons.c.reason, text_reasons.c.confidence
            ).where(
                text_reasons.c.store_id == store_id,
                text_reasons.c.classifier == classifier,
                text_reasons.c.text_sha256.in_(wanted[start : start + _CHUNK]),
            )
        )
        found.update({digest: (reason, float(confidence)) for digest, reason, confidence in rows})
    return found


def remember_reasons(
    engine: Engine, store_id: int, classifier: str, answers: Mapping[str, tuple[str, float]]
) -> bool:
    """Store ``answers`` (digest → reason, confidence) for ``classifier`` and forget what
    other classifiers answered for the store, in one transaction. False when the store could
    not be written (nothing is changed then)."""
    if not answers:
        return True
    rows = [
        {
            "store_id": store_id,
            "classifier": classifier,
            "text_sha256": digest,
            "reason": reason,
            "confidence": confidence,
        }
        for digest, (reason, confidence) in answers.items()
    ]
    try:
        with engine.begin() as conn:
            conn.execute(
                delete(text_reasons).where(
                    and_(
                        text_reasons.c.store_id == store_id, text_reasons.c.classifier != classifier
                    )
                )
            )
            held = known_reasons(conn, store_id, classifier, list(answers))
            fresh = [row for row in rows if row["text_sha256"] not in held]
            for start in range(0, len(fresh), _CHUNK):
                conn.execute(insert(text_reasons), fresh[start : start + _CHUNK])
    except (IntegrityError, DBAPIError):  # another process remembered them, or read-only
        return False
    return True
