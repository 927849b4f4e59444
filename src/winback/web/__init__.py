"""The HTTP side of winback: created by :func:`winback.web.app.create_app`, never at import."""
