"""ClassRet and InventorySiteRet → Codat TrackingCategory.

Classes and inventory sites (Enterprise's locations) are QuickBooks' two ways to tag lines;
``categoryType`` says which list a category comes from. QuickBooks does not say whether a class
has sub-classes, so hasChildren is False unless the caller works it out from ParentRef.
"""

from __future__ import annotations

from qbdsync.mapping.common import (
    Mapped,
    MappingContext,
    Raw,
    metadata,
    ref,
    required,
    source_modified,
    status,
    text,
)


def map_tracking_category(raw: Raw, ctx: MappingContext) -> Mapped:
    is_site = ctx.ret_name == "InventorySiteRet" or (
        not ctx.ret_name and ("ParentSiteRef" in raw or "IsDefaultSite" in raw)
    )
    parent = ref(raw, "ParentSiteRef" if is_site else "ParentRef")
    return {
        "id": required(raw, "ListID"),
        "name": text(raw, "Name"),
        "fullyQualifiedName": text(raw, "FullName") or text(raw, "Name"),
        "parentId": parent.get("id") if parent else None,
        "hasChildren": False,
        "status": status(raw),
        "categoryType": "Location" if is_site else "Class",
        "sourceModifiedDate": source_modified(raw),
        "metadata": metadata(),
        "supplementalData": {"content": {"description": text(raw, "SiteDesc")} if is_site else {}},
    }
