"""How much the generators add for one logical date, declared once: the DAGs' params, the generate
tasks' defaults and the Mongo loader's CLI defaults (the bank CLI adds only what it is told).

No imports beyond the standard library: the DAG files build their params from these classes at
parse time, where the generators themselves (Faker, pymongo) would be too heavy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Self


@dataclass(frozen=True)
class _Volumes:
    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Self:
        """The volumes a DAG run asked for: its resolved params (conf included; Airflow has
        validated them against `volume_params`), other keys ignored, a missing one at its default.
        A value of another type than its field's is an error, not a conversion (bool("false") is
        True)."""
        picked = {}
        for f in fields(cls):
            if f.name not in params:
                continue
            value, kind = params[f.name], type(getattr(cls, f.name))
            if type(value) is not kind:
                raise TypeError(f"{cls.__name__}.{f.name} takes a {kind.__name__}, not {value!r}")
            picked[f.name] = value
        return cls(**picked)


@dataclass(frozen=True)
class BankVolumes(_Volumes):
    """MariaDB rows for one date (`datalake.generators.bank`), and whether to load Ibovespa prices
    (from the offline file, or from Yahoo when `offline_prices` is off and the network allows)."""

    clients: int = 200
    employees: int = 20
    operations: int = 5_000
    prices: bool = True
    offline_prices: bool = True


@dataclass(frozen=True)
class MongoVolumes(_Volumes):
    """Documents for one date (`datalake.generators.mongo_load`)."""

    clients: int = 200
    employees: int = 20
    operations: int = 5_000
    facebook: int = 1_000
    survey: int = 300
