"""How much the generators add for one logical date: the DAGs' params, the generate tasks' and the
CLIs' defaults, declared once.

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
        """The volumes a DAG run asked for: its params (conf included), other keys ignored, each
        in its field's type; a missing one keeps its default."""
        known = {f.name: f for f in fields(cls)}
        picked = {name: value for name, value in params.items() if name in known}
        return cls(**{name: type(getattr(cls, name))(value) for name, value in picked.items()})


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
