"""`cxm analytics spark evidence`: who and what lies behind one friction point, on Spark."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from cxm.analytics.engine_commands import spark_group
from cxm.analytics.spark_order_commands import (
    friction_options,
    friction_query,
    order_options,
    run_spark,
)

LISTED = 10  # rows of each kind the text output lists (--json has all that are shown)


@spark_group.command("evidence")
@order_options
@click.option(
    "--name",
    required=True,
    help="The friction point: late, contact_loop, returned, a touchpoint code or "
    "emotion:<stage> (the stage's negative comments).",
)
@friction_options
def spark_evidence(
    directory: Path, org_id: int, name: str, master: str, as_json: bool, **kw: Any
) -> None:
    """The customers, orders, survey responses and comments behind a friction point,
    computed by Spark.

    The same evidence as the friction page's links (`GET /api/v1/analytics/friction/evidence`)
    with the filters of `cxm analytics spark friction`: for late, contact_loop, returned or
    a touchpoint, the orders with a delivery promise that had it, their customers, complete
    responses (lowest NPS first) and comments (newest first, with their sentiment); for
    emotion:<stage>, the stage's negative comments and who wrote them. Counts are complete;
    the first 200 responses and comments are listed.

    \b
    Example:
      cxm analytics spark evidence ./parquet --org-id 1 --name contact_loop --json
      cxm analytics spark evidence ./parquet --org-id 1 --name emotion:after_sales \\
        --first web_product --outcome detractor
    """
    from cxm.analytics.friction_evidence import friction_evidence
    from cxm.analytics.portable_orders import PORTABLE

    q = friction_query(kw)
    found = run_spark(
        directory, master, lambda con: friction_evidence(con, org_id, q, name, PORTABLE)
    )
    if as_json:
        click.echo(json.dumps(asdict(found)))
        return
    click.echo(
        f"{found.name}: {found.orders:,} orders, {found.customers:,} customers, "
        f"{found.responses:,} responses, {found.comments:,} comments"
    )
    if found.message:
        click.echo(found.message)
    for r in found.shown_responses[:LISTED]:
        nps = "-" if r.nps is None else f"{r.nps:.0f}"
        click.echo(f"  NPS {nps:>2}  response {r.response_id}  order {r.order_id}")
    for c in found.shown_comments[:LISTED]:
        text = " ".join((c.text or "").split())
        click.echo(f"  {c.sentiment or '-':<8}  order {c.order_id or '-'}  {text[:80]}")
