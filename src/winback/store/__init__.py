"""The store: the only package that imports SQLAlchemy. See docs/store.md."""
