"""A simulated QuickBooks company file, persisted in one SQLite file.

Tables: ``records`` (one row per list record or transaction, the record as JSON in the shape the
qbXML parser produces, a deleted flag), ``deletions`` (what ListDeleted/TxnDeleted queries
report) and ``meta`` (seed, size, country, the simulated clock, counters, FileID stamps, the
company/host/preferences records). The file is the whole state: reopening it gives the same
company, and churn is seeded from that state, so it is reproducible too.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Final

import orjson

from qbdsync.simulator.catalogue import CODAT_TYPES, RECORD_TYPES, TXN_RET_TYPES
from qbdsync.simulator.churn import ChurnSummary, apply_churn
from qbdsync.simulator.clock import WALL_LENGTH, CompanyClock, parse_wall, wall
from qbdsync.simulator.factories import Record, Setup
from qbdsync.simulator.generator import (
    CLOCK_START,
    HISTORY,
    Country,
    Size,
    generate,
    make_setup,
)

_SCHEMA: Final[str] = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE records (
    type TEXT NOT NULL,
    id TEXT NOT NULL,
    time_modified_wall TEXT NOT NULL,
    name TEXT NOT NULL,
    link TEXT,
    active INTEGER NOT NULL,
    txn_date TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    data BLOB NOT NULL,
    PRIMARY KEY (type, id)
);
CREATE TABLE deletions (
    del_type TEXT NOT NULL,
    id TEXT NOT NULL,
    time_created TEXT NOT NULL,
    time_deleted TEXT NOT NULL,
    time_deleted_wall TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (del_type, id)
);
"""
_INDEXES: Final[str] = """
CREATE INDEX records_by_time ON records (type, deleted, time_modified_wall, id);
CREATE INDEX records_by_link ON records (type, link);
CREATE INDEX records_by_name ON records (type, name);
"""
TXN_TYPES: Final[frozenset[str]] = frozenset(TXN_RET_TYPES)
# The header element naming a transaction's customer/vendor (EntityFilter, deletion checks).
_ENTITY_ELEMENTS: Final[tuple[str, ...]] = ("CustomerRef", "VendorRef", "PayeeEntityRef")
_BATCH: Final[int] = 5_000
_SQL_VARIABLES: Final[int] = 500


def ret_type_of(name: str) -> str:
    """``"Invoice"`` or ``"InvoiceRet"`` → ``"InvoiceRet"``."""
    return name if name.endswith("Ret") else name + "Ret"


def record_row(ret_type: str, record: Record) -> tuple[Any, ...]:
    """The indexed columns of a record plus its JSON."""
    txn_date = None
    if ret_type in TXN_TYPES:
        record_id = record["TxnID"]
        name = record.get("RefNumber", "")
        link = next((record[key]["ListID"] for key in _ENTITY_ELEMENTS if key in record), None)
        active = 1
        txn_date = record.get("TxnDate")
    else:
        record_id = record["ListID"]
        name = record.get("FullName", record.get("Name", ""))
        parent = record.get("ParentRef")
        link = parent["ListID"] if parent else None
        active = 1 if record.get("IsActive", "true") == "true" else 0
    return (
        ret_type,
        record_id,
        record["TimeModified"][:WALL_LENGTH],
        name,
        link,
        active,
        txn_date,
        orjson.dumps(record),
    )


class SimulatedCompany:
    """One simulated company file. Open with :meth:`open`; use as a context manager."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._db = connection
        self.lock = threading.RLock()  # one company may be served to several threads
        meta = {
            key: orjson.loads(value)
            for key, value in self._db.execute("SELECT key, value FROM meta")
        }
        self._meta: dict[str, Any] = meta
        self.size: str = meta["size"]
        self.seed: int = meta["seed"]
        self.country: str = meta["country"]
        self.setup: Setup = make_setup(
            self.country, parse_wall(CLOCK_START) - HISTORY, bool(meta["multi_currency"])
        )

    # -- opening and closing -------------------------------------------------------------

    @classmethod
    def open(
        cls, path: Path, *, size: Size = "small", seed: int = 1, country: Country = "US"
    ) -> SimulatedCompany:
        """Open the company in ``path``, generating it first when the file does not exist.

        For an existing file its own size, seed and country win over the arguments.
        """
        path = Path(path)
        exists = path.exists()
        connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        # Large companies are hundreds of MB: a bigger page cache and memory-mapped reads keep
        # iterator pages (random reads by id) fast.
        connection.execute("PRAGMA cache_size = -65536")
        connection.execute("PRAGMA mmap_size = 1073741824")
        try:
            if not exists:
                _create(connection, size, seed, country)
            return cls(path, connection)
        except BaseException:
            connection.close()
            if not exists:
                path.unlink(missing_ok=True)
            raise

    def close(self) -> None:
        with self.lock:
            self._db.close()

    def __enter__(self) -> SimulatedCompany:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- company facts --------------------------------------------------------------------

    @property
    def clock(self) -> CompanyClock:
        return self.setup.clock

    @property
    def now(self) -> int:
        """The simulated clock in local seconds."""
        return int(self._meta["clock"])

    @property
    def now_wall(self) -> str:
        """The simulated clock as ``YYYY-MM-DDTHH:MM:SS`` local wall time."""
        return wall(self.now)

    @property
    def company_file(self) -> str:
        return str(self._meta["company_file"])

    @property
    def company_info(self) -> Record:
        return dict(self._meta["company"])

    @property
    def host_info(self) -> Record:
        return dict(self._meta["host"])

    @property
    def preferences(self) -> Record:
        return dict(self._meta["preferences"])

    @property
    def counters(self) -> dict[str, int]:
        return dict(self._meta["counters"])

    @property
    def unsupported(self) -> frozenset[str]:
        """Request names this edition answers with status 3250."""
        return frozenset(self._meta.get("unsupported", ()))

    def set_unsupported(self, request_names: Iterable[str]) -> None:
        self.set_meta("unsupported", sorted(request_names))

    def data_ext(self) -> dict[str, str]:
        """FileID stamps by OwnerID."""
        return dict(self._meta.get("data_ext", {}))

    def stamp_file_id(self, owner_id: str, file_id: str) -> str:
        """Store ``file_id`` as the FileID DataExt of ``owner_id`` unless one exists; return it.

        QBWC stamps the company file like this when a .qwc file is added, and never overwrites.
        """
        with self.lock:
            stamps = self.data_ext()
            if owner_id not in stamps:
                stamps[owner_id] = file_id
                self.set_meta("data_ext", stamps)
            return stamps[owner_id]

    def meta(self, key: str, default: Any = None) -> Any:
        """A stored company fact (a copy is not made: do not change it in place)."""
        return self._meta.get(key, default)

    def set_meta(self, key: str, value: Any) -> None:
        with self.lock:
            self._db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, orjson.dumps(value))
            )
            self._meta[key] = orjson.loads(orjson.dumps(value))

    # -- ground truth -----------------------------------------------------------------------

    def records(self, ret_type: str, include_deleted: bool = False) -> Iterator[Record]:
        """Records of one type, ordered by TimeModified wall clock then id."""
        sql = "SELECT data FROM records WHERE type = ?"
        if not include_deleted:
            sql += " AND deleted = 0"
        sql += " ORDER BY time_modified_wall, id"
        with self.lock:
            rows = self._db.execute(sql, (ret_type_of(ret_type),)).fetchall()
        for (data,) in rows:
            yield orjson.loads(data)

    def count(self, ret_type: str) -> int:
        with self.lock:
            (number,) = self._db.execute(
                "SELECT count(*) FROM records WHERE type = ? AND deleted = 0",
                (ret_type_of(ret_type),),
            ).fetchone()
        return int(number)

    def counts_by_codat_type(self) -> dict[str, int]:
        """Live record counts keyed by the Codat data type they map to."""
        counts = {
            codat: sum(self.count(ret_type) for ret_type in ret_types)
            for codat, ret_types in CODAT_TYPES.items()
        }
        counts["bankAccounts"] = sum(
            1 for a in self.records("AccountRet") if a["AccountType"] in ("Bank", "CreditCard")
        )
        return counts

    def deleted(self, ret_type: str) -> list[Record]:
        """Deletions of one type as ListDeletedRet / TxnDeletedRet records."""
        del_type = ret_type_of(ret_type).removesuffix("Ret")
        return self.deletions((del_type,), None, None)

    # -- queries (used by the request processor) -------------------------------------------

    def select_ids(
        self,
        ret_types: Sequence[str],
        *,
        from_wall: str | None = None,
        to_wall: str | None = None,
        active: bool | None = None,
        ids: Sequence[str] | None = None,
        names: Sequence[str] | None = None,
        links: Sequence[str] | None = None,
        name_match: str | None = None,
        name_range: tuple[str | None, str | None] | None = None,
        txn_dates: tuple[str | None, str | None] | None = None,
    ) -> list[tuple[str, str]]:
        """(type, id) of live records matching the filters, by TimeModified wall then id.

        ``names`` match FullName (lists) or RefNumber (transactions); ``links`` the customer of
        a transaction or the parent of a list record; ``name_match`` is an SQL LIKE pattern
        (escape character ``\\``) and ``name_range`` inclusive bounds on the name.
        """
        by_key = ids is not None or names is not None or links is not None
        # With ids, names or links "+deleted" keeps SQLite off the (type, deleted, time) index.
        deleted = "+deleted = 0" if by_key else "deleted = 0"
        clauses = [f"type IN ({','.join('?' * len(ret_types))})", deleted]
        params: list[Any] = list(ret_types)
        if from_wall is not None:
            clauses.append("time_modified_wall >= ?")
            params.append(from_wall)
        if to_wall is not None:
            clauses.append("time_modified_wall <= ?")
            params.append(to_wall)
        if active is not None:
            clauses.append("active = ?")
            params.append(1 if active else 0)
        if ids is not None:
            clauses.append(f"id IN ({','.join('?' * len(ids))})")
            params.extend(ids)
        if names is not None:
            clauses.append(f"name IN ({','.join('?' * len(names))})")
            params.extend(names)
        if links is not None:
            clauses.append(f"link IN ({','.join('?' * len(links))})")
            params.extend(links)
        if name_match is not None:
            clauses.append("name LIKE ? ESCAPE '\\'")
            params.append(name_match)
        if name_range is not None:
            low, high = name_range
            if low is not None:
                clauses.append("name >= ? COLLATE NOCASE")
                params.append(low)
            if high is not None:
                clauses.append("name <= ? COLLATE NOCASE")
                params.append(high)
        if txn_dates is not None:
            low_date, high_date = txn_dates
            if low_date is not None:
                clauses.append("txn_date >= ?")
                params.append(low_date)
            if high_date is not None:
                clauses.append("txn_date <= ?")
                params.append(high_date)
        sql = (
            f"SELECT type, id FROM records WHERE {' AND '.join(clauses)}"
            " ORDER BY time_modified_wall, id"
        )
        with self.lock:
            return [(t, i) for t, i in self._db.execute(sql, params)]

    def names_of(self, keys: Sequence[tuple[str, str]]) -> list[str]:
        """The FullName/RefNumber of records by (type, id)."""
        with self.lock:
            return [
                row[0]
                for ret_type, record_id in keys
                for row in self._db.execute(
                    "SELECT name FROM records WHERE type = ? AND id = ?", (ret_type, record_id)
                )
            ]

    def descendants(self, list_ids: Sequence[str]) -> list[str]:
        """ListIDs of the jobs and sub-jobs under the given customers."""
        found: list[str] = []
        level = list(list_ids)
        with self.lock:
            while level:
                level = [
                    record_id
                    for (record_id,) in self._db.execute(
                        "SELECT id FROM records WHERE type = 'CustomerRet' AND deleted = 0"
                        f" AND link IN ({','.join('?' * len(level))})",
                        level,
                    )
                ]
                found.extend(level)
        return found

    def fetch(self, keys: Sequence[tuple[str, str]]) -> list[tuple[str, Record]]:
        """Live records by (type, id), in the order asked; vanished ones are skipped."""
        found: dict[tuple[str, str], bytes] = {}
        with self.lock:
            for start in range(0, len(keys), _SQL_VARIABLES):
                chunk = keys[start : start + _SQL_VARIABLES]
                ids = [record_id for _, record_id in chunk]
                types = sorted({ret_type for ret_type, _ in chunk})
                sql = (
                    # "+deleted" keeps SQLite on the primary key instead of the time index.
                    f"SELECT type, id, data FROM records WHERE +deleted = 0"
                    f" AND type IN ({','.join('?' * len(types))})"
                    f" AND id IN ({','.join('?' * len(ids))})"
                )
                for ret_type, record_id, data in self._db.execute(sql, [*types, *ids]):
                    found[(ret_type, record_id)] = data
        return [(key[0], orjson.loads(found[key])) for key in keys if key in found]

    def deletions(
        self, del_types: Sequence[str], from_wall: str | None, to_wall: str | None
    ) -> list[Record]:
        """ListDeletedRet / TxnDeletedRet records, oldest deletion first."""
        clauses = [f"del_type IN ({','.join('?' * len(del_types))})"]
        params: list[Any] = list(del_types)
        if from_wall is not None:
            clauses.append("time_deleted_wall >= ?")
            params.append(from_wall)
        if to_wall is not None:
            clauses.append("time_deleted_wall <= ?")
            params.append(to_wall)
        sql = (
            "SELECT del_type, id, time_created, time_deleted, name FROM deletions"
            f" WHERE {' AND '.join(clauses)} ORDER BY time_deleted_wall, id"
        )
        with self.lock:
            rows = self._db.execute(sql, params).fetchall()
        result = []
        for del_type, record_id, created, deleted, name in rows:
            if ret_type_of(del_type) in TXN_TYPES:
                record = {
                    "TxnDelType": del_type,
                    "TxnID": record_id,
                    "TimeCreated": created,
                    "TimeDeleted": deleted,
                }
                if name:
                    record["RefNumber"] = name
            else:
                record = {
                    "ListDelType": del_type,
                    "ListID": record_id,
                    "TimeCreated": created,
                    "TimeDeleted": deleted,
                    "FullName": name,
                }
            result.append(record)
        return result

    # -- changes (used by churn) -------------------------------------------------------------

    def live_ids(self, ret_type: str) -> list[str]:
        with self.lock:
            return [
                record_id
                for (record_id,) in self._db.execute(
                    "SELECT id FROM records WHERE type = ? AND deleted = 0 ORDER BY id",
                    (ret_type,),
                )
            ]

    def get(self, ret_type: str, record_id: str) -> Record | None:
        with self.lock:
            row = self._db.execute(
                "SELECT data FROM records WHERE type = ? AND id = ? AND +deleted = 0",
                (ret_type, record_id),
            ).fetchone()
        return None if row is None else orjson.loads(row[0])

    def has_live_links(self, list_id: str) -> bool:
        """Does any live record point at this one (a transaction's customer or vendor, a job's
        or sub-account's parent)?"""
        with self.lock:
            row = self._db.execute(
                # Every type listed, so SQLite probes the (type, link) index per type.
                f"SELECT 1 FROM records WHERE type IN ({','.join('?' * len(RECORD_TYPES))})"
                " AND link = ? AND deleted = 0 LIMIT 1",
                (*RECORD_TYPES, list_id),
            ).fetchone()
        return row is not None

    def name_taken(self, name: str) -> bool:
        """Customers, vendors and employees share one name namespace in QuickBooks."""
        with self.lock:
            row = self._db.execute(
                "SELECT 1 FROM records WHERE type IN ('CustomerRet', 'VendorRet', 'EmployeeRet')"
                " AND name = ?"
                " LIMIT 1",
                (name,),
            ).fetchone()
        return row is not None

    def put(self, ret_type: str, record: Record) -> None:
        """Insert or replace a live record."""
        with self.lock:
            self._db.execute(
                "INSERT OR REPLACE INTO records"
                " (type, id, time_modified_wall, name, link, active, txn_date, data)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                record_row(ret_type, record),
            )

    def delete(self, ret_type: str, record: Record, time_deleted: int) -> None:
        """Mark a record deleted and list it for ListDeleted/TxnDeleted queries."""
        is_txn = ret_type in TXN_TYPES
        record_id = record["TxnID"] if is_txn else record["ListID"]
        name = record.get("RefNumber", "") if is_txn else record.get("FullName", record["Name"])
        with self.lock:
            self._db.execute(
                "UPDATE records SET deleted = 1 WHERE type = ? AND id = ?", (ret_type, record_id)
            )
            self._db.execute(
                "INSERT OR REPLACE INTO deletions VALUES (?, ?, ?, ?, ?, ?)",
                (
                    ret_type.removesuffix("Ret"),
                    record_id,
                    record["TimeCreated"],
                    self.clock.stamp(time_deleted),
                    wall(time_deleted),
                    name,
                ),
            )

    def transaction(self) -> _Transaction:
        """``with company.transaction():`` groups changes into one SQLite transaction."""
        return _Transaction(self)

    def churn(self, n: int) -> ChurnSummary:
        """Advance the clock one day and create, modify and delete about ``n`` records."""
        return apply_churn(self, n)


class _Transaction:
    def __init__(self, company: SimulatedCompany) -> None:
        self._company = company

    def __enter__(self) -> None:
        self._company.lock.acquire()
        self._company._db.execute("BEGIN")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self._company._db.execute("ROLLBACK" if exc_type else "COMMIT")
            self._company._meta = {
                key: orjson.loads(value)
                for key, value in self._company._db.execute("SELECT key, value FROM meta")
            }
        finally:
            self._company.lock.release()


def _create(connection: sqlite3.Connection, size: Size, seed: int, country: Country) -> None:
    """Generate a company into an empty database, in bulk."""
    data = generate(size, seed, country)
    connection.execute("PRAGMA journal_mode = OFF")
    connection.execute("PRAGMA synchronous = OFF")
    connection.executescript(_SCHEMA)
    connection.execute("BEGIN")
    meta: dict[str, Any] = {
        "size": size,
        "seed": seed,
        "country": country,
        "offset": data.setup.clock.offset,
        "multi_currency": data.setup.multi_currency,
        "clock": data.clock,
        "counters": data.counters,
        "company": data.company,
        "host": data.host,
        "preferences": data.preferences,
        "company_file": data.company_file,
        "data_ext": {},
        "unsupported": list(data.unsupported),
    }
    connection.executemany(
        "INSERT INTO meta (key, value) VALUES (?, ?)",
        [(key, orjson.dumps(value)) for key, value in meta.items()],
    )
    insert = (
        "INSERT INTO records (type, id, time_modified_wall, name, link, active, txn_date, data)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    )
    batch: list[tuple[Any, ...]] = []
    for ret_type, record in data.records():
        batch.append(record_row(ret_type, record))
        if len(batch) >= _BATCH:
            connection.executemany(insert, batch)
            batch.clear()
    connection.executemany(insert, batch)
    connection.executescript(_INDEXES)  # commits the open transaction
    connection.execute("PRAGMA journal_mode = DELETE")
    connection.execute("PRAGMA synchronous = FULL")
