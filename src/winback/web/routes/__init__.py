"""The routers of ``winback serve``, one per concern; :func:`winback.web.app.create_app`
assembles them."""
