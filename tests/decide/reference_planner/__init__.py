"""The readable planner: one Python object per order, the specification of the columnar one.

This is the planner winback shipped before planning moved to columns (issue 14), with the
rules of issues 10.6, 11.2 and 11.4, kept here as the reference the columnar planner of
``winback.decide`` is compared with (tests/decide/test_columnar_matches_reference.py): the
same facts must give the same actions. It is slow on purpose: it reads like the docs.
"""
