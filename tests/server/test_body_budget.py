"""The per-worker budget of request-body bytes: large bodies count, small ones pass, and what is
taken is given back exactly, also for chunked bodies that grow past the threshold."""

from __future__ import annotations

from server.worker.protocol import SMALL_BODY_BYTES as SMALL
from server.worker.protocol import BodyBudget


def test_large_bodies_fill_the_budget_and_small_ones_always_pass() -> None:
    budget = BodyBudget(limit=3 * SMALL)
    assert budget.take(0, 2 * SMALL) and budget.in_use == 2 * SMALL
    assert not budget.take(0, 2 * SMALL)  # would exceed the limit
    assert budget.take(0, SMALL)  # small: not counted, never refused
    assert budget.in_use == 2 * SMALL
    budget.give_back(SMALL)
    budget.give_back(2 * SMALL)
    assert budget.in_use == 0


def test_a_body_larger_than_the_budget_runs_alone() -> None:
    budget = BodyBudget(limit=SMALL * 2)
    assert budget.take(0, SMALL * 10)
    assert not budget.take(0, SMALL + 1)
    budget.give_back(SMALL * 10)
    assert budget.in_use == 0


def test_a_chunked_body_counts_from_the_chunk_that_makes_it_large() -> None:
    budget = BodyBudget(limit=4 * SMALL)
    held = 0
    for chunk in [SMALL // 2, SMALL // 2, 1, SMALL]:
        assert budget.take(held, chunk)
        held += chunk
    assert budget.in_use == held == 2 * SMALL + 1
    budget.give_back(held)
    assert budget.in_use == 0


def test_fits_checks_without_taking() -> None:
    budget = BodyBudget(limit=3 * SMALL)
    assert budget.fits(3 * SMALL) and budget.in_use == 0  # nothing is reserved by asking
    assert budget.take(0, 2 * SMALL)
    assert not budget.fits(2 * SMALL) and budget.fits(SMALL) and budget.fits(SMALL + 1) is False
    assert budget.in_use == 2 * SMALL
