from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from qbdsync.push.kinds import CompanyProfile
from qbdsync.simulator.company import SimulatedCompany
from qbdsync.simulator.quickbooks import SimulatedQuickBooks

from .harness import CompanyLookup, us_profile


@pytest.fixture(scope="module")
def company_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Generated once per module; each test works on a copy so writes do not leak between tests.
    path = tmp_path_factory.mktemp("push") / "company.qbsim"
    SimulatedCompany.open(path, size="small", seed=11).close()
    return path


@pytest.fixture
def company(company_file: Path, tmp_path: Path) -> Iterator[SimulatedCompany]:
    copy = tmp_path / "company.qbsim"
    copy.write_bytes(company_file.read_bytes())
    with SimulatedCompany.open(copy) as opened:
        yield opened


@pytest.fixture
def quickbooks(company: SimulatedCompany) -> Iterator[SimulatedQuickBooks]:
    simulated = SimulatedQuickBooks(company)
    simulated.begin_session()
    yield simulated
    simulated.end_session()


@pytest.fixture
def profile() -> CompanyProfile:
    return us_profile()


@pytest.fixture
def lookup(company: SimulatedCompany, profile: CompanyProfile) -> CompanyLookup:
    return CompanyLookup(company, profile)
