"""Pure decisions: (orders, customers, scores, settings, now) → planned actions.

Nothing here reads the database, the clock or the network (PRODUCT R1–R5, W4, W5).
"""
