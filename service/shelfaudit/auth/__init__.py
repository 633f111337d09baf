"""Access: people with passwords and roles, SFA apps with API keys, browser sessions.

Nothing here knows HTTP: ``api/security.py`` turns cookies and headers into calls to these
functions and errors into statuses. Roles: ``roles.py``; who is asking: ``principal.py``;
failed logins and lock-outs: ``throttle.py``.
"""
