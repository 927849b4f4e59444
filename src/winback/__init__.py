"""winback: find where an online store loses orders and customers, act on it, measure it."""
