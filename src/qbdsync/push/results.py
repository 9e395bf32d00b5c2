"""QuickBooks' answer to a write (an ``…AddRs``/``…ModRs`` record) → the rows a sync would store.

The same dataset registry and mappers as a sync are used, derived rows included (a check is a
direct cost and a bank transaction), so the data endpoints serve a pushed record at once and
exactly as the next sync will.
"""

from __future__ import annotations

from qbdsync.errors import InvalidValue
from qbdsync.mapping.common import MappingContext
from qbdsync.push.kinds import CompanyProfile
from qbdsync.qbxml.parser import Record
from qbdsync.sync.datasets import DATASETS, Dataset
from qbdsync.sync.output import EDIT_SEQUENCE_CHARS, RecordRow


def dataset_for(ret_name: str) -> Dataset:
    for dataset in DATASETS.values():
        if ret_name in dataset.ret_names:
            return dataset
    raise LookupError(f"no dataset maps {ret_name}")


def context_for(profile: CompanyProfile, ret_name: str) -> MappingContext:
    return MappingContext(
        home_currency=profile.home_currency, country=profile.country, ret_name=ret_name
    )


def result_rows(ret: Record, profile: CompanyProfile) -> list[RecordRow]:
    """The record and every row derived from it, mapped as a sync maps them."""
    dataset = dataset_for(ret.ret_name)
    raw = ret.data
    record_id = raw[dataset.id_field]
    edit_sequence = raw.get("EditSequence")
    if not isinstance(edit_sequence, str) or len(edit_sequence) > EDIT_SEQUENCE_CHARS:
        edit_sequence = None
    modified = raw.get("TimeModified")
    modified = modified if isinstance(modified, str) else None
    context = context_for(profile, ret.ret_name)
    try:
        data = dataset.mapper(raw, context)
    except InvalidValue as exc:
        return [
            RecordRow(dataset.data_type, record_id, edit_sequence, modified, raw, None, str(exc))
        ]
    gaps = "; ".join(context.issues.take()) or None
    rows = [RecordRow(dataset.data_type, record_id, edit_sequence, modified, raw, data, gaps)]
    for derivation in dataset.derived:
        try:
            derived = derivation.mapper(raw, context)
        except InvalidValue:
            continue  # as a sync does: the source record is kept, the derived row is not made
        notes = "; ".join(context.issues.take()) or gaps
        rows.extend(
            RecordRow(derivation.data_type, item["id"], edit_sequence, modified, raw, item, notes)
            for item in derived
        )
    return rows
