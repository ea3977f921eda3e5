"""Demographic accounts: stocks and flows that must add up, with the residual shown.

For each year and population group (``GROUP``: ``FOREIGN_CITIZENS``, ``FOREIGN_BORN``,
``CITIZENS``), DOMAIN.md section 4:

    closing = opening + immigrants - emigrants - deaths + births + residual

- Opening and closing stocks are table 1.1 at the year ends (foreign groups) and, for
  citizens, the register's living citizens less those the residence rule shows living
  abroad.
- Immigrants and emigrants are tables 1.2 and 1.3 (citizens: the ``MDV`` cells).
- Deaths and births come from the register for citizens; the administrative sources
  record neither for foreigners, so those cells are ``M`` (missing) and the residual
  absorbs them. Citizenship changes are not recorded either.
- The residual is published, never hidden: it measures what the sources miss.

Table 8.2 carries the census stock forward: foreign citizens counted on census night
(table 1.1) plus the net migration of foreign citizens from census night to each later
year end, set beside the stock the rule gives directly at that date.
"""

from __future__ import annotations

from typing import Final

import pyarrow as pa

from migstats.stats.cube import ObservationTable, table_from
from migstats.stats.evaluate import Check
from migstats.stats.frame import StatFrame

__all__ = ["build", "evaluate"]

MEASURES: Final = (
    "OPENING",
    "IMMIGRANTS",
    "EMIGRANTS",
    "DEATHS",
    "BIRTHS",
    "CLOSING",
    "RESIDUAL",
)


def _cell(table: ObservationTable | None, **codes: str) -> float | None:
    return None if table is None else table.value(**codes)


def _citizen_stock(frame: StatFrame, day: str) -> float | None:
    """Living registered citizens on ``day`` less citizens the rule shows abroad."""
    if not frame.has("register"):
        return None
    alive = frame.count(
        f"select count(*) from register where date_of_birth <= date '{day}'"
        f" and (date_of_death is null or date_of_death > date '{day}')"
    )
    abroad = frame.count(
        f"""
        with status as (
            select e.person_key,
                   arg_max(e.res_status_after, (e.crossing_date, e.seq))
                     filter (where e.crossing_date <= date '{day}') as after_last,
                   arg_min(e.res_status_before, (e.crossing_date, e.seq)) as before_first
            from event e join person p using (person_key)
            where p.citizenship = '{frame.country}'
            group by 1
        )
        select count(*) from status
        where coalesce(after_last, before_first) = 'non_resident'
        """
    )
    return float(alive - abroad)


def _register_events(frame: StatFrame, year: int) -> tuple[float | None, float | None]:
    if not frame.has("register"):
        return None, None
    births = frame.count(f"select count(*) from register where year(date_of_birth) = {year}")
    deaths = frame.count(f"select count(*) from register where year(date_of_death) = {year}")
    return float(deaths), float(births)


def build(frame: StatFrame) -> list[ObservationTable]:
    """Tables 8.1 (accounts) and 8.2 (census stock carried forward)."""
    stock = frame.tables.get("1.1")
    immigrants = frame.tables.get("1.2")
    emigrants = frame.tables.get("1.3")
    rows: list[dict[str, object]] = []
    years = [
        int(label.removeprefix("year_end_"))
        for label in frame.reference_dates
        if label.startswith("year_end_")
    ]
    for year in sorted(years):
        if f"year_end_{year - 1}" not in frame.reference_dates:
            continue
        y = str(year)
        for group in ("FOREIGN_CITIZENS", "FOREIGN_BORN", "CITIZENS"):
            if group == "CITIZENS":
                opening = _citizen_stock(frame, f"{year - 1}-12-31")
                closing = _citizen_stock(frame, f"{year}-12-31")
                imm = _cell(immigrants, TIME_PERIOD=y, CITIZENSHIP=frame.country)
                emi = _cell(emigrants, TIME_PERIOD=y, CITIZENSHIP=frame.country)
                deaths, births = _register_events(frame, year)
            else:
                opening = _cell(stock, REF_DATE=f"year_end_{year - 1}", MEASURE=group)
                closing = _cell(stock, REF_DATE=f"year_end_{year}", MEASURE=group)
                total_imm = _cell(immigrants, TIME_PERIOD=y)
                total_emi = _cell(emigrants, TIME_PERIOD=y)
                cit_imm = _cell(immigrants, TIME_PERIOD=y, CITIZENSHIP=frame.country) or 0.0
                cit_emi = _cell(emigrants, TIME_PERIOD=y, CITIZENSHIP=frame.country) or 0.0
                # Citizens are native-born in the admin data (birth country unknown).
                imm = None if total_imm is None else total_imm - cit_imm
                emi = None if total_emi is None else total_emi - cit_emi
                deaths, births = None, None
            values = {
                "OPENING": opening,
                "IMMIGRANTS": imm,
                "EMIGRANTS": emi,
                "DEATHS": deaths,
                "BIRTHS": births,
                "CLOSING": closing,
            }
            known = [opening, imm, emi, closing]
            residual = None
            if all(v is not None for v in known):
                assert opening is not None and imm is not None
                assert emi is not None and closing is not None
                residual = closing - (opening + imm - emi - (deaths or 0.0) + (births or 0.0))
            values["RESIDUAL"] = residual
            for measure in MEASURES:
                value = values[measure]
                rows.append(
                    {
                        "TIME_PERIOD": y,
                        "GROUP": group,
                        "MEASURE": measure,
                        "OBS_VALUE": value,
                        "OBS_STATUS": "M" if value is None else "E",
                    }
                )
    accounts = pa.Table.from_pylist(
        rows,
        schema=pa.schema(
            [
                ("TIME_PERIOD", pa.string()),
                ("GROUP", pa.string()),
                ("MEASURE", pa.string()),
                ("OBS_VALUE", pa.float64()),
                ("OBS_STATUS", pa.string()),
            ]
        ),
    )
    metadata = {
        "identity": "CLOSING = OPENING + IMMIGRANTS - EMIGRANTS - DEATHS + BIRTHS + RESIDUAL",
        "not_recorded": "deaths and births of foreigners; citizenship changes (status M)",
        "sources": sorted(frame.sources),
    }
    tables = [
        table_from(
            "8.1",
            "Demographic accounts",
            accounts,
            ("TIME_PERIOD", "GROUP", "MEASURE"),
            metadata=metadata,
        )
    ]
    carried = _carried_forward(frame, stock)
    if carried is not None:
        tables.append(
            table_from(
                "8.2",
                "Census-night stock of foreign citizens carried forward with net migration",
                carried,
                ("REF_DATE", "MEASURE"),
                metadata={
                    "method": "stock on census night plus long-term immigrants minus "
                    "emigrants (foreign citizens) between census night and the date",
                },
            )
        )
    return tables


def _carried_forward(frame: StatFrame, stock: ObservationTable | None) -> pa.Table | None:
    if frame.census_night is None or stock is None:
        return None
    base = stock.value(REF_DATE="census_night", MEASURE="FOREIGN_CITIZENS")
    if base is None:
        return None
    night = frame.census_night.isoformat()
    rows: list[dict[str, object]] = []
    for label, day in frame.reference_dates.items():
        if day <= frame.census_night:
            continue
        net = frame.count(
            f"""
            select count(*) filter (where e.direction = 'ARR')
                 - count(*) filter (where e.direction = 'DEP')
            from event e join person p using (person_key)
            where e.is_long_term_migration and p.citizenship <> '{frame.country}'
              and e.crossing_date > date '{night}' and e.crossing_date <= date '{day}'
            """
        )
        direct = stock.value(REF_DATE=label, MEASURE="FOREIGN_CITIZENS")
        rows += [
            {"REF_DATE": label, "MEASURE": "CARRIED_FORWARD", "OBS_VALUE": base + net},
            {"REF_DATE": label, "MEASURE": "RESIDENCE_RULE", "OBS_VALUE": direct},
        ]
    if not rows:
        return None
    return pa.Table.from_pylist(
        [{**r, "OBS_STATUS": "E"} for r in rows],
        schema=pa.schema(
            [
                ("REF_DATE", pa.string()),
                ("MEASURE", pa.string()),
                ("OBS_VALUE", pa.float64()),
                ("OBS_STATUS", pa.string()),
            ]
        ),
    )


def evaluate(frame: StatFrame, tables: dict[str, ObservationTable]) -> list[Check]:
    """Citizen stocks against the truth at each year end (no goal: the register has no
    record of emigration, which is what the accounts measure)."""
    table = tables.get("8.1")
    if table is None:
        return []
    checks = []
    for row in table.data.to_pylist():
        if row["GROUP"] != "CITIZENS" or row["MEASURE"] != "CLOSING" or row["OBS_VALUE"] is None:
            continue
        truth = frame.count(
            "select count(*) from truth_status s join truth_person p using (person_id)"
            f" where s.reference = 'year_end_{row['TIME_PERIOD']}' and s.resident"
            f" and p.citizenship = '{frame.country}'"
        )
        checks.append(
            Check("8.1", f"resident citizens, end {row['TIME_PERIOD']}", row["OBS_VALUE"], truth)
        )
    return checks
