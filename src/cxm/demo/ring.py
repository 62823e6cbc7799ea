"""The fake-review ring's accounts: customers without orders who appear together in a burst.

Their reviews land with the reviews part; the accounts, their identities and their one look
at the product page are in the world now, so a review's author can be checked against
orders (truths.FakeReviewRing).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from cxm.demo import truths as T
from cxm.demo.population import FIRST_NAMES, LAST_NAMES, pick

RING = T.FAKE_REVIEWS


@dataclass(frozen=True)
class RingAccount:
    number: int
    name: str
    language: str
    email: str
    anonymous_id: str
    created_at: datetime  # signs up, looks at the product once, and (later) reviews it
    template: int  # which of the ring's review templates this account paraphrases

    @property
    def message_id(self) -> str:
        return f"demo-ring-{self.number}-1"


def ring_accounts(seed: int) -> list[RingAccount]:
    """The ring's accounts, deterministic by seed."""
    rng = random.Random(f"ring:{seed}")
    start = datetime.combine(RING.burst_start, time(0), UTC)
    accounts = []
    for k in range(1, RING.reviews + 1):
        language = pick(rng, T.LANGUAGES)
        name = f"{rng.choice(FIRST_NAMES[language])} {rng.choice(LAST_NAMES[language])}"
        accounts.append(
            RingAccount(
                k,
                name,
                language,
                f"r{k:03d}.{rng.getrandbits(24):06x}@{RING.email_domain}",
                f"anon-ring-{rng.getrandbits(40):010x}",
                start + timedelta(hours=rng.uniform(0, 24 * RING.burst_days)),
                rng.randrange(RING.templates),
            )
        )
    return accounts
