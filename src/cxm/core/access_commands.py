"""`cxm user` and `cxm apikey`: who may use the web UI and the HTTP API."""

from __future__ import annotations

import json

import click
from rich.console import Console

from cxm.core.commands import command_settings, open_store, organization_id

err = Console(stderr=True)


@click.group("user")
def user_group() -> None:
    """Manage users of the web UI.

    \b
    Example:
      cxm user add olena@example.com
    """


@user_group.command("add")
@click.argument("email")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="At least 8 characters (prompted when left out).",
)
@click.option("--name", default="", help="Display name.")
@click.option(
    "--role", type=click.Choice(["admin", "analyst", "manager"]), default="admin", show_default=True
)
@click.option("--language", type=click.Choice(["uk", "en"]), default="uk", show_default=True)
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.pass_context
def user_add(
    ctx: click.Context,
    email: str,
    password: str,
    name: str,
    role: str,
    language: str,
    org_slug: str,
) -> None:
    """Add a user who can log in to the web UI.

    \b
    Example:
      cxm user add olena@example.com --name "Olena" --role admin --language uk
    """
    from cxm.core.auth import create_user
    from cxm.core.errors import CxmError

    db = open_store(command_settings(ctx))
    org_id = organization_id(db, org_slug)
    try:
        with db.session() as s:
            created = create_user(
                s, org_id, email, password, name=name, role=role, language=language
            )
            click.echo(f"User {created.email} added (id {created.id}).")
    except CxmError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group("apikey")
def apikey_group() -> None:
    """Manage API keys for integrators.

    \b
    Example:
      cxm apikey create webshop
    """


@apikey_group.command("create")
@click.argument("name")
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the key as JSON.")
@click.pass_context
def apikey_create(ctx: click.Context, name: str, org_slug: str, as_json: bool) -> None:
    """Create an API key; it is shown once and stored only as a hash.

    \b
    Example:
      cxm apikey create webshop
      curl -H "Authorization: Bearer $KEY" -d @batch.json http://127.0.0.1:8000/api/v1/batch
    """
    from cxm.core.auth import create_api_key

    db = open_store(command_settings(ctx))
    org_id = organization_id(db, org_slug)
    with db.session() as s:
        issued = create_api_key(s, org_id, name)
    if as_json:
        click.echo(json.dumps({"id": issued.id, "name": issued.name, "key": issued.key}))
    else:
        click.echo(issued.key)
        err.print(f"API key '{name}' (id {issued.id}) created; it will not be shown again.")


@apikey_group.command("revoke")
@click.argument("key_id", type=int)
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.pass_context
def apikey_revoke(ctx: click.Context, key_id: int, org_slug: str) -> None:
    """Revoke an API key by id; requests with it are refused from now on.

    \b
    Example:
      cxm apikey revoke 3
    """
    from cxm.core.auth import revoke_api_key
    from cxm.core.errors import CxmError

    db = open_store(command_settings(ctx))
    org_id = organization_id(db, org_slug)
    try:
        with db.session() as s:
            revoke_api_key(s, org_id, key_id)
    except CxmError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"API key {key_id} revoked.")
