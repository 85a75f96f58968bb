"""motcua — event-driven pipeline for Vietnamese one-stop shops (một cửa, một cửa liên thông)."""

__version__ = "0.1.0"
