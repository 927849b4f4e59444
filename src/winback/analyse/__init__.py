"""Analyses: frames in, frames out (DuckDB over Arrow, numpy); no database access."""
