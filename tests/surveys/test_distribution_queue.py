"""The distribution pass as a job of the queue, on SQLite and PostgreSQL: a trigger's event
becomes one e-mail at the local SMTP server, a recurring sample runs, views are counted, and
running the queue again sends nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from cxm.core.db import Database
from cxm.core.jobs import Job, run_ready
from cxm.core.worker import load_handlers
from cxm.ingest.catalogue import TouchpointIn, create_touchpoint
from cxm.ingest.events import ingest_batch
from cxm.surveys.mailing import SmtpMailer
from cxm.surveys.models import Invitation, Survey
from cxm.surveys.page_views import count_view
from cxm.surveys.response_rate import response_rates
from cxm.surveys.schedules import ScheduleSpec, set_schedule
from cxm.surveys.service import import_survey
from cxm.surveys.suppression import add_suppression, list_suppressions
from cxm.surveys.triggers import TriggerSpec, add_trigger
from tests.factories import organization, track
from tests.surveys.mailbox import Inbox


def stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def test_the_distribution_job_invites_once_per_event_and_sends_through_the_queue(
    db: Database, definition: dict[str, Any], smtp: tuple[Inbox, SmtpMailer]
) -> None:
    inbox, _ = smtp
    load_handlers()
    org = organization(db, "demo")
    import_survey(db, org, definition, code="delivery", name="Delivery")
    import_survey(db, org, definition, code="relationship", name="Relationship")
    create_touchpoint(db, org, TouchpointIn(code="delivered", name="Delivered", channel="delivery",
                                            stage="delivery", event="Order Delivered"))  # fmt: skip
    add_trigger(db, org, TriggerSpec(code="after-delivery", survey="delivery",
                                     touchpoint="delivered", delay_hours=1))  # fmt: skip
    past = datetime.now(UTC) - timedelta(hours=3)
    result = ingest_batch(db, org, [
        {"type": "identify", "messageId": "id-olha", "userId": "olha", "timestamp": stamp(past),
         "traits": {"email": "olha@example.com", "language": "uk"}},
        {"type": "identify", "messageId": "id-ivan", "userId": "ivan", "timestamp": stamp(past),
         "traits": {"email": "ivan@example.com", "language": "ru"}},
        track("d1", "Order Delivered", user_id="olha", timestamp=stamp(past)),
        track("d2", "Order Delivered", user_id="ivan", timestamp=stamp(past)),
    ])  # fmt: skip
    assert not result.rejected
    ivan = add_suppression(db, org, "email", address="IVAN@example.com", reason="asked")
    assert ivan.customer_id is not None  # the address's customer is found
    assert [e.address for e in list_suppressions(db, org)] == ["ivan@example.com"]

    run_ready(db)  # the pass queued by add_trigger, then its send job
    assert [m["To"] for m in inbox.messages] == ["olha@example.com"]
    with db.session() as s:
        rows = [(i.address, i.status, i.reason) for i in s.scalars(select(Invitation))]
        assert sorted(rows) == [("ivan@example.com", "skipped", "suppressed (asked)"),
                                ("olha@example.com", "sent", "sent")]  # fmt: skip
        # The pass queued its successor ten minutes on; make it due and run it again.
        nxt = s.scalars(select(Job).where(Job.kind == "surveys.distribute",
                                          Job.status == "queued")).one()  # fmt: skip
        assert nxt.run_after.replace(tzinfo=UTC) > datetime.now(UTC)
        s.execute(update(Job).where(Job.id == nxt.id).values(run_after=datetime.now(UTC)))
    set_schedule(db, org, ScheduleSpec(survey="relationship", sample_size=5, seed=2))
    run_ready(db)
    with db.session() as s:
        reasons = sorted(i.reason for i in s.scalars(select(Invitation)))
    # The sample holds both customers: Olha rests (fatigue), Ivan stays suppressed.
    assert reasons == ["fatigue: invited 0 days ago; at most one invitation per 30 days",
                       "sent", "suppressed (asked)", "suppressed (asked)"]  # fmt: skip
    assert len(inbox.messages) == 1

    with db.session() as s:
        delivery = s.scalar(select(Survey.id).where(Survey.code == "delivery"))
    assert delivery is not None
    count_view(db, delivery, "qr")
    count_view(db, delivery, "qr")
    rates = {r.survey: r for r in response_rates(db, org, by="all")}
    assert (rates["delivery"].sent, rates["delivery"].answered) == (1, 0)
    assert rates["delivery"].views == 2 and rates["delivery"].view_rate == 0.0


def test_an_imported_invitee_list_honours_the_suppression_list_and_names_bad_rows(
    tmp_path: Any, definition: dict[str, Any], smtp: tuple[Inbox, SmtpMailer]
) -> None:
    from click.testing import CliRunner

    from cxm.cli import main
    from cxm.core.schema import upgrade

    inbox, _ = smtp
    db = Database(f"sqlite:///{tmp_path / 'cxm.sqlite3'}")
    upgrade(db.engine)
    org = organization(db, "demo")
    import_survey(db, org, definition, code="delivery", name="Delivery")
    add_suppression(db, org, "all", address="gone@example.com", reason="unsubscribed")
    good = tmp_path / "list.csv"
    good.write_text("email,language,order\nanna@example.com,en,\ngone@example.com,uk,\n")
    base = ["--data-dir", str(tmp_path)]
    r = CliRunner().invoke(main, [*base, "surveys", "invite", "delivery", "--file", str(good),
                                  "--send"])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert r.output.splitlines() == [
        "anna@example.com\tqueued\tqueued",
        "gone@example.com\tskipped\tsuppressed (unsubscribed)",
    ]
    assert [m["To"] for m in inbox.messages] == ["anna@example.com"]
    bad = tmp_path / "bad.csv"
    bad.write_text("customer_id,email\nx12,\n")
    r = CliRunner().invoke(main, [*base, "surveys", "invite", "delivery", "--file", str(bad)])
    assert r.exit_code == 1 and "bad.csv:2: customer_id 'x12' is not a number" in r.output
    bad.write_text("email\nanna@example.com\nnot an address\n")
    r = CliRunner().invoke(main, [*base, "surveys", "invite", "delivery", "--file", str(bad)])
    assert r.exit_code == 1 and "bad.csv:3: email 'not an address' is not an address" in r.output
