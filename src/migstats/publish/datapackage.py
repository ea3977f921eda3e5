"""A frictionless (Tabular) Data Package over the release's CSV files.

One resource per table (``csv/<id>.csv``) with its Table Schema: dimension columns are
required strings restricted to the codes present, label columns strings, ``OBS_VALUE``
and bounds numbers (empty when suppressed or missing), flags restricted to the SDMX
code lists; the dimensions form the primary key. Written as plain JSON so the bytes
are the same on every run; ``frictionless validate datapackage.json`` checks it.

>>> resource_name("1.4N")
'table-1.4n'
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from migstats.publish.csvfiles import csv_columns
from migstats.publish.files import write_text
from migstats.publish.tables import CONF_STATUS_CODES, OBS_STATUS_CODES, PublishedTable
from migstats.refdata import countries as country_ref

__all__ = ["package_descriptor", "resource_name", "write_datapackage"]


def resource_name(table_id: str) -> str:
    """A Data Package resource name for a table (lower case, ``-._`` allowed)."""
    return "table-" + re.sub(r"[^a-z0-9._-]", "-", table_id.lower())


def _field(name: str, table: PublishedTable) -> dict[str, Any]:
    if name in table.dimensions:
        codes = sorted({str(v) for v in table.table.data.column(name).to_pylist()})
        return {
            "name": name,
            "type": "string",
            "description": f"{name.replace('_', ' ').capitalize()} (code)",
            "constraints": {"required": True, "enum": codes},
        }
    if name.endswith("_LABEL") and name[: -len("_LABEL")] in table.dimensions:
        return {"name": name, "type": "string", "description": f"Label of {name[:-6]}"}
    if name == "OBS_VALUE":
        return {
            "name": name,
            "type": "number",
            "description": f"Value ({table.table.unit}); empty when suppressed or missing",
        }
    if name == "UNIT":
        return {"name": name, "type": "string", "description": "Unit of the value"}
    if name == "OBS_STATUS":
        return {
            "name": name,
            "type": "string",
            "description": "Observation status (SDMX CL_OBS_STATUS)",
            "constraints": {"required": True, "enum": list(OBS_STATUS_CODES)},
        }
    if name == "CONF_STATUS":
        return {
            "name": name,
            "type": "string",
            "description": "Confidentiality status (SDMX CL_CONF_STATUS); not F means withheld",
            "constraints": {"required": True, "enum": list(CONF_STATUS_CODES)},
        }
    return {
        "name": name,
        "type": "number",
        "description": f"{name.capitalize()} bound of the value's interval",
    }


def package_descriptor(
    tables: Sequence[PublishedTable], *, release: str, prepared: date, country: str
) -> dict[str, Any]:
    """The ``datapackage.json`` content (paths relative to the release folder)."""
    name = country_ref.by_iso3(country).name
    resources = []
    for table in tables:
        definition = table.table.metadata.get("definition")
        resource: dict[str, Any] = {
            "name": resource_name(table.table_id),
            "title": f"{table.table_id} {table.table.title}",
            "path": f"csv/{table.table_id}.csv",
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": {
                "fields": [_field(c, table) for c in csv_columns(table)],
                "missingValues": [""],
            },
        }
        if table.dimensions:
            resource["schema"]["primaryKey"] = list(table.dimensions)
        if isinstance(definition, str):
            resource["description"] = definition
        resources.append(resource)
    return {
        "profile": "tabular-data-package",
        "name": "migstats-" + re.sub(r"[^a-z0-9._-]", "-", f"{country}-{release}".lower()),
        "title": f"International migration statistics, {name}: release {release}",
        "version": release,
        "created": f"{prepared.isoformat()}T00:00:00Z",
        "resources": resources,
    }


def write_datapackage(
    tables: Sequence[PublishedTable], folder: Path, *, release: str, prepared: date, country: str
) -> Path:
    """Write ``<folder>/datapackage.json``."""
    descriptor = package_descriptor(tables, release=release, prepared=prepared, country=country)
    text = json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n"
    return write_text(folder / "datapackage.json", text)
