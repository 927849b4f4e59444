"""Acting on the store: the outbox of recovery actions, its dispatcher, the send policy and
the channels that reach buyers (PRODUCT A1–A5). The outbox's SQL lives in
:mod:`winback.store`; this package decides and sends, it never imports SQLAlchemy.
"""
