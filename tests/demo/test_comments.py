"""Demo feedback and survey answers follow the planted situations, in customers' languages."""

from __future__ import annotations

from sqlalchemy import func, select

from cxm.demo import truths as T
from cxm.demo.experience import latent_ces, latent_csat
from cxm.demo.journeys import simulate
from cxm.demo.responses import why_of
from cxm.feedback.models import Feedback
from cxm.ingest.models import Customer, Order, ShipmentUpdate, Touchpoint
from cxm.surveys.models import Answer, Response
from cxm.text.weak_labels import rated_texts
from tests.worlds import SEED, World

ANGRY = (
    "лют",
    "обурлив",
    "бешенств",
    "возмутительн",
    "furious",
    "outrageous",
    "Терпіння",
    "Терпение",
    "patience",
    "Жахлив",
    "Отвратительн",
    "Terrible",
)


def test_demo_feedback_follows_the_planted_situations(small_world: World) -> None:
    with small_world.db.session() as s:
        rows = s.execute(
            select(
                Feedback.kind,
                Feedback.category,
                Feedback.text,
                Feedback.occurred_at,
                Feedback.received_at,
                func.coalesce(Customer.language, Feedback.language).label("language"),
            ).outerjoin(Customer, Customer.id == Feedback.customer_id)
        ).all()
        reasons = s.scalars(select(Answer.text).where(Answer.kind == "text")).all()
    assert small_world.summary.feedback == len(rows) > 200
    # Every reason given in the survey is feedback too (a counter's QR answers have no
    # customer, so their language is the response's).
    said = sorted(r.text for r in rows if r.kind == "survey_comment")
    assert len(said) > 50 and said == sorted(reasons)
    assert {r.language for r in rows} <= {"uk", "ru", "en"}
    packaging = [r for r in rows if r.kind == "complaint" and r.category is None]
    assert packaging and all(r.occurred_at.date() >= T.EMERGING_TOPIC.start for r in packaging)
    loops = [r for r in rows if r.category == "service"]
    assert loops and all(any(w in r.text for w in ANGRY) for r in loops)
    cyrillic = sum(any("а" <= ch <= "я" or ch in "іїєґ" for ch in r.text.lower()) for r in rows)
    english = sum(r.language == "en" for r in rows)
    assert cyrillic > 0.7 * len(rows) and english > 0
    for r in rows:  # each text is in its customer's language, received after it was written
        assert r.occurred_at < r.received_at
        if r.language == "en":
            assert not any("а" <= ch <= "я" for ch in r.text.lower())


def test_survey_answers_are_lower_after_a_late_delivery(small_world: World) -> None:
    with small_world.db.session() as s:
        delayed = set(
            s.scalars(select(ShipmentUpdate.order_id).where(ShipmentUpdate.status == "delayed"))
        )
        answers = s.execute(
            select(Response.order_id, Answer.value)
            .join(Answer, Answer.response_id == Response.id)
            .where(Answer.kind == "nps", Response.channel != "store")
        ).all()
    late = [v or 0.0 for o, v in answers if o in delayed]
    on_time = [v or 0.0 for o, v in answers if o not in delayed]
    assert sum(late) / len(late) < sum(on_time) / len(on_time) - 0.8


def test_stored_answers_are_the_latent_experience_of_their_order(small_world: World) -> None:
    with small_world.db.session() as s:
        answers = s.execute(
            select(
                Order.external_id,
                Order.channel,
                Touchpoint.code,
                Answer.kind,
                Answer.value,
                Answer.text,
            )
            .join(Response, Response.order_id == Order.id)
            .join(Touchpoint, Touchpoint.id == Response.touchpoint_id)
            .join(Answer, Answer.response_id == Response.id)
            .where(Order.external_id < "D0000400")
        ).all()
    people = {i: simulate(SEED, i) for i in range(400)}
    latent = {e.external_id: (p, e) for p in people.values() for e in p.experiences}
    assert len(answers) > 50
    for external_id, channel, code, kind, value, text in answers:
        person, exp = latent[external_id]
        if kind == "text":  # the reason some give, drawn apart from the scores
            assert value is None and text
            assert text == why_of(SEED, exp, person.language, code == "store_purchase")
        elif kind == "nps":
            assert value == exp.ltr
        elif kind == "ces":
            assert exp.contacts > 0
            assert value == latent_ces(SEED, exp)
        else:
            assert kind == "csat" and channel == "store"
            assert value == latent_csat(SEED, exp, person.base_ltr)
    assert {a[3] for a in answers} == {"nps", "csat", "ces", "text"}
    assert {"store_purchase", "delivered", "pickup", "cc_order"} == {a[2] for a in answers}


def test_demo_reviews_carry_stars_that_follow_the_experience(small_world: World) -> None:
    with small_world.db.session() as s:
        reviews = s.execute(
            select(Feedback.category, Feedback.rating, Feedback.channel).where(
                Feedback.kind == "review"
            )
        ).all()
        unrated_elsewhere = s.scalar(
            select(func.count()).where(Feedback.kind != "review", Feedback.rating.is_not(None))
        )
    praise = [r for r in reviews if r.category is None]
    late = [r for r in reviews if r.category == "delivery"]
    assert len(praise) > 10 and len(late) > 5 and len(praise) + len(late) == len(reviews)
    assert {r.rating for r in praise} == {4, 5} and {r.rating for r in late} == {1, 2}
    assert {r.channel for r in reviews} == {"web"} and unrated_elsewhere == 0
    labels = rated_texts(small_world.db, small_world.summary.organization_id)
    assert labels.sentiment.count("negative") >= len(late)
    assert labels.sentiment.count("positive") >= len(praise)


def test_every_wording_of_a_late_arrival_reads_sad_and_late() -> None:
    """The demo's survey reason after a late delivery, in each of its 81 wordings."""
    import itertools

    from cxm.demo.texts import LATE_ARRIVAL
    from cxm.text.backends import SHIPPED, load_model
    from cxm.text.default_taxonomy import DEFAULT_TAXONOMY
    from cxm.text.enrichment import analyse
    from cxm.text.taxonomy import parse_taxonomy
    from cxm.text.themes import read_themes

    taxonomy = parse_taxonomy(DEFAULT_TAXONOMY)
    for language, parts in LATE_ARRIVAL.items():
        texts = [" ".join(p for p in combo if p).format(order="D0000001-01", date="2026-07-27")
                 for combo in itertools.product(*parts)]  # fmt: skip
        for text, read in zip(texts, analyse(load_model(SHIPPED), texts), strict=True):
            assert read["sentiment"] == "negative" and "sadness" in read["labels"], text
            assert "delivery/late" in read_themes(text, language, taxonomy).themes, text


def test_demo_thanks_read_as_gratitude_and_let_downs_as_disappointment() -> None:
    """Gratitude, disappointment and trust in the demo's wordings: a promoter's praise that
    ends with thanks or with "never let me down", a late arrival told with regret; angry
    contact loops never thank nor trust."""
    import itertools

    from cxm.demo.texts import LATE_ARRIVAL, LOOP_ANGER, PRAISE
    from cxm.text.backends import SHIPPED, load_model

    model = load_model(SHIPPED)

    def wordings(parts: tuple[tuple[str, ...], ...]) -> list[str]:
        fill = {"order": "D0000001-01", "date": "2026-07-27", "n": 3}
        return [" ".join(p for p in combo if p).format(**fill)
                for combo in itertools.product(*parts)]  # fmt: skip

    thanks = ("Дякую!", "Спасибо!", "Thank you!")
    relied = ("не підвели.", "не подвели.", "never let me down.")
    regret = ("Прикро", "Шкода, що", "Обидно", "Жаль, что", "disappointed", "Disappointing")
    for language in ("uk", "ru", "en"):
        praise = wordings(PRAISE[language])
        for text, read in zip(praise, model.score(praise), strict=True):
            if text.endswith(thanks):
                assert "gratitude" in read.labels, text
            elif language != "en":  # the phrases alone: no thanks, no gratitude
                assert "gratitude" not in read.labels, text
            assert ("trust" in read.labels) == text.endswith(relied), text
        late = wordings(LATE_ARRIVAL[language])
        said = [t for t in late if any(r in t for r in regret)]
        assert len(said) == len(late) * 2 // 3
        assert all("disappointment" in r.labels for r in model.score(said)), said
        angry = wordings(LOOP_ANGER[language])
        assert not any({"gratitude", "trust"} & set(r.labels) for r in model.score(angry))
