"""Presenting results to people: terminal tables and progress bars (and later HTML)."""
