"""`mentorbot db`: the database schema."""

from __future__ import annotations

import typer

from bot.cli.common import console, run_with_services, safe
from bot.container import Services
from storage.database import describe


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Database schema.", no_args_is_help=True)
    group.command("upgrade")(upgrade)
    app.add_typer(group, name="db")


def upgrade() -> None:
    """Create the database schema, or migrate it to the latest version."""

    async def work(services: Services) -> None:
        where = describe(services.settings.database_url)
        console.print(f"Database {safe(where)} is up to date.")

    run_with_services(work)
