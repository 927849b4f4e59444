"""Pure measurement: frames of actions and orders in, recovery tables out (PRODUCT M1, M2, W5).

Nothing here reads the database or the clock.
"""
