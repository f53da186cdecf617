"""The web server: the REST routes, the page, the computing workers and the bounded connection layer of
``python -m app``. The routes are thin: each calls the Python API (``app.compute``) or a teaching view."""
