"""Bearer tokens of the ingest API: ``name:secret[:scope+scope]`` entries, comma-separated.

Scopes are ``events`` (POST /v1/events) and ``dvcqg`` (POST /v1/dvcqg); no scope = both.
``calendar`` (POST /v1/calendar, an operator's calendar change) is granted only when named. Every
configured secret is compared with :func:`hmac.compare_digest` (no early exit), so the time
taken does not reveal which token or how much of it matched.
"""

from __future__ import annotations

import dataclasses
import hmac

from motcua.settings import SettingsError

__all__ = ["SCOPES", "KNOWN_SCOPES", "Token", "TokenTable"]

SCOPES = frozenset({"events", "dvcqg"})  # what a token without a scope list may post
KNOWN_SCOPES = SCOPES | {"calendar"}


@dataclasses.dataclass(frozen=True)
class Token:
    name: str
    secret: bytes = dataclasses.field(repr=False)
    scopes: frozenset[str] = SCOPES


class TokenTable:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens

    @classmethod
    def parse(cls, text: str | None) -> "TokenTable":
        """Parse ``MOTCUA_INGEST_TOKENS``; raises SettingsError naming the bad entry (not its secret)."""
        tokens = []
        for n, entry in enumerate(filter(None, (e.strip() for e in (text or "").split(","))), 1):
            name, _, rest = entry.partition(":")
            secret, _, scopes = rest.partition(":")
            wanted = frozenset(filter(None, scopes.split("+"))) or SCOPES
            if not name or len(secret) < 16 or not wanted <= KNOWN_SCOPES:
                raise SettingsError(f"MOTCUA_INGEST_TOKENS entry {n} ({name or '?'}): expected "
                                    "name:secret[:events+dvcqg+calendar] with a secret of 16+ "
                                    "characters")
            tokens.append(Token(name, secret.encode(), wanted))
        return cls(tokens)

    def identify(self, authorization: str | None) -> Token | None:
        """The token presented as ``Authorization: Bearer <secret>``, or None."""
        scheme, _, presented = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not presented.strip():
            return None
        given = presented.strip().encode()
        found = None
        for token in self.tokens:
            if hmac.compare_digest(token.secret, given):
                found = token
        return found
