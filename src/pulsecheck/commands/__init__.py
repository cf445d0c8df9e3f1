"""Extra CLI command groups. Each module here exposes ``register(app: typer.Typer) -> None``."""
