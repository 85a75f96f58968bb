"""CLI subcommands. Each module listed here exposes ``register(subparsers)``.

A registered parser sets ``func=callable(args, settings) -> int`` via ``set_defaults``.
"""

COMMAND_MODULES = [
    "motcua.commands.broker",
    "motcua.commands.deadlines",
]
