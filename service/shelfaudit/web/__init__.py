"""The review UI: server-rendered HTML (Jinja2), a stylesheet and a little JavaScript.

Routes live in ``api/routes/`` (``pages_*.py``); this package holds the templates, the static
files and ``render``, which gives every template the caller and their CSRF token.
"""
