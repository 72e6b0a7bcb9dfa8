"""Loading the GB/T 2260 division table."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from tongxin.core.pinyin import search_keys
from tongxin.regions.models import Region

DATA_FILE = Path(__file__).resolve().parent / "data" / "gbt2260.csv"


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_divisions(provinces: list[str] | None = None, path: Path = DATA_FILE) -> dict[str, int]:
    """Create or update divisions from the shipped table; idempotent.

    `provinces` limits the load to provinces by code ('43' or '430000'); None loads the
    whole country. Returns counts of created and updated rows.
    """
    wanted = {p[:2] for p in provinces} if provinces else None
    rows = [r for r in _read(path) if wanted is None or r["code"][:2] in wanted]
    if wanted is not None:
        known = {r["code"][:2] for r in rows}
        unknown = sorted(wanted - known)
        if unknown:
            raise ValueError(f"unknown province code(s): {', '.join(unknown)}")
    rows.sort(key=lambda r: int(r["level"]))
    existing = {r.code: r for r in Region.objects.filter(code__in=[row["code"] for row in rows])}
    created = updated = 0
    with transaction.atomic():
        for row in rows:
            values = {
                "name": row["name"],
                "level": int(row["level"]),
                "parent_id": row["parent"] or None,
                "longitude": Decimal(row["longitude"]) if row["longitude"] else None,
                "latitude": Decimal(row["latitude"]) if row["latitude"] else None,
                "centroid_approximate": row["centroid_source"] == "parent",
                "pinyin": search_keys(row["name"])[0],
                "initials": search_keys(row["name"])[1],
            }
            current = existing.get(row["code"])
            if current is None:
                Region.objects.create(code=row["code"], **values)
                created += 1
            elif any(getattr(current, k) != v for k, v in values.items()):
                Region.objects.filter(code=row["code"]).update(**values)
                updated += 1
    return {"created": created, "updated": updated}
