from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from qbdsync.simulator.company import SimulatedCompany
from qbdsync.simulator.quickbooks import SimulatedQuickBooks


@pytest.fixture
def company(tmp_path: Path) -> Iterator[SimulatedCompany]:
    with SimulatedCompany.open(tmp_path / "company.qbsim", size="small", seed=7) as opened:
        yield opened


@pytest.fixture
def quickbooks(company: SimulatedCompany) -> Iterator[SimulatedQuickBooks]:
    simulated = SimulatedQuickBooks(company)
    simulated.begin_session()
    yield simulated
    simulated.end_session()
