"""A simulated population without a store, built once (the small world is in tests/conftest.py)."""

from __future__ import annotations

import pytest

from cxm.demo.journeys import SimulatedCustomer, simulate

POPULATION_SEED = 11  # not the seed truths.py was measured with: the truths hold for any
POPULATION_SIZE = 12_000


@pytest.fixture(scope="session")
def population() -> list[SimulatedCustomer]:
    """Simulated customers without a store, for the latent structure (LTR is not stored)."""
    return [simulate(POPULATION_SEED, i) for i in range(POPULATION_SIZE)]
