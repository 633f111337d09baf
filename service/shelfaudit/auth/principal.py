"""Who is asking: a person through a browser session, or an app through an API key."""

from __future__ import annotations

from dataclasses import dataclass

from shelfaudit.auth.roles import Role


@dataclass(frozen=True)
class Principal:
    name: str  # the username, or the API key's name
    role: Role
    session_id: str | None = None  # set for browser sessions (then CSRF applies)
    csrf_token: str | None = None

    @property
    def via_session(self) -> bool:
        return self.session_id is not None
