"""Errors raised when a record breaks the contract."""

from __future__ import annotations

__all__ = ["ContractError"]


class ContractError(ValueError):
    """A record violates the event contract.

    ``field`` is a dotted path (``data.duration.amount``, ``header ce_type``, ``key``) and
    ``rule`` says what was broken; ``str(error)`` is ``"<field>: <rule>"``.
    """

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule

    def under(self, prefix: str) -> "ContractError":
        """The same error with ``prefix`` prepended to its field path."""
        return ContractError(f"{prefix}.{self.field}" if self.field else prefix, self.rule)
