"""CLI subcommands. Each module listed here exposes ``register(subparsers)``.

A registered parser sets ``func=callable(args, settings) -> int`` via ``set_defaults``.
"""

COMMAND_MODULES = [
    "motcua.commands.broker",
    "motcua.commands.kafka",
    "motcua.commands.outbox",
    "motcua.commands.simulate",
    "motcua.commands.replay",
    "motcua.commands.ingest_api",
    "motcua.commands.topics",
    "motcua.commands.deadlines",
    "motcua.commands.worker",
    "motcua.commands.bench",
    "motcua.commands.sink",
    "motcua.commands.db",
    "motcua.commands.letters",
    "motcua.commands.report",
    "motcua.commands.registry",
    "motcua.commands.board",
    "motcua.commands.up",
]
