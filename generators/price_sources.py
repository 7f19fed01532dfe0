"""Daily Ibovespa prices from Yahoo or from the offline snapshot, as rows of `stock_market.ibovespa`.

Two sources sit behind one interface (`PriceSource.history`): `YahooSource` (yahooquery, short
timeouts) and `SnapshotSource` (the CSV in yahooquery's layout shipped beside the repository).
`fetch_prices` tries Yahoo first and falls back to the snapshot when Yahoo cannot be reached, says
so in the log and in `FetchResult.source`, and `normalize` turns either layout into rows in the
table's declared column order. Writing them is `stock_market.py`'s job.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from datalake.contracts.bank_tables import IBOVESPA
from datalake.settings import REPO_ROOT

log = logging.getLogger(__name__)

SNAPSHOT_PATH = REPO_ROOT.parent / "shared/data/ibovespa/history.csv"

SEED_TICKERS = ("ECOR3.SA", "BBDC3.SA", "ENBR3.SA", "BBDC4.SA")
# The names the offline snapshot holds (see its README), so offline runs have data for most tickers.
SNAPSHOT_TICKERS = (
    "ABEV3.SA",
    "B3SA3.SA",
    "BBAS3.SA",
    "BBDC4.SA",
    "ITSA4.SA",
    "ITUB4.SA",
    "PETR4.SA",
    "SANB11.SA",
    "VALE3.SA",
    "WEGE3.SA",
)
DEFAULT_TICKERS = tuple(dict.fromkeys((*SEED_TICKERS, *SNAPSHOT_TICKERS)))

PRICE_COLUMNS = ("open", "high", "low", "close", "adjclose")


class SourceUnavailable(RuntimeError):
    """The price source could not deliver any data (offline, blocked, or an error payload)."""


class PriceSource(Protocol):
    name: str

    def history(self, tickers: Sequence[str], period: str) -> pd.DataFrame:
        """Daily history, one row per (symbol, date), in yahooquery's reset-index layout."""
        ...


# ---- sources -------------------------------------------------------------------------------------
@dataclass
class YahooSource:
    """yahooquery with short timeouts and no retry storm, so an offline machine fails in seconds."""

    timeout: int = 5
    name: str = "yahoo"

    def history(self, tickers: Sequence[str], period: str) -> pd.DataFrame:
        from yahooquery import Ticker

        try:
            # Ticker() already hits the network (cookie + crumb); offline it raises a curl error.
            ticker = Ticker(list(tickers), timeout=self.timeout, retry=0, progress=False)
            result = ticker.history(period=period, interval="1d")
        except Exception as exc:  # curl_cffi, requests and JSON errors share no base class
            raise SourceUnavailable(f"yahooquery failed: {type(exc).__name__}: {exc}") from exc
        return frame_from_yahoo(result)


def frame_from_yahoo(result: Any) -> pd.DataFrame:
    """Accept the shapes yahooquery returns: a DataFrame, a dict per symbol, or an error string."""
    if isinstance(result, pd.DataFrame):
        frames = [result]
    elif isinstance(result, dict):
        frames = [v for v in result.values() if isinstance(v, pd.DataFrame)]
        errors = {k: v for k, v in result.items() if not isinstance(v, pd.DataFrame)}
        if errors:
            log.warning(
                "yahooquery returned errors for %s", ", ".join(f"{k}: {v}" for k, v in errors.items())
            )
    else:
        raise SourceUnavailable(f"yahooquery returned {type(result).__name__}: {str(result)[:200]}")
    frames = [f for f in frames if not f.empty]
    if not frames:
        raise SourceUnavailable("yahooquery returned no rows")
    frame = pd.concat(frames)
    if isinstance(frame.index, pd.MultiIndex) or "symbol" not in frame.columns:
        frame = frame.reset_index()
    missing = {"symbol", "date", "close"} - set(frame.columns)
    if missing:
        raise SourceUnavailable(f"yahooquery payload lacks columns {sorted(missing)}")
    return frame


@dataclass
class SnapshotSource:
    """The offline CSV (`symbol,date,open,high,low,close,volume,adjclose,dividends,splits`).

    `period` is applied relative to the snapshot's last date, not today: the snapshot is frozen.
    """

    path: Path = SNAPSHOT_PATH
    name: str = "snapshot"

    def history(self, tickers: Sequence[str], period: str) -> pd.DataFrame:
        if not self.path.exists():
            raise SourceUnavailable(f"snapshot not found at {self.path}")
        frame = pd.read_csv(self.path, dtype={"symbol": str, "date": str})
        wanted = set(tickers)
        frame = frame[frame["symbol"].isin(wanted)]
        absent = sorted(wanted - set(frame["symbol"]))
        if absent:
            log.warning("not in the offline snapshot (no rows for them): %s", ", ".join(absent))
        if frame.empty:
            return frame
        dates = pd.to_datetime(frame["date"]).dt.date
        cutoff = period_start(period, dates.max())
        return frame[dates >= cutoff] if cutoff else frame


_PERIOD = re.compile(r"^(\d+)(d|wk|mo|y)$")


def period_start(period: str, last: date) -> date | None:
    """First date covered by a yahooquery `period` ending at `last`; None means all history."""
    period = period.lower()
    if period == "max":
        return None
    if period == "ytd":
        return date(last.year, 1, 1)
    match = _PERIOD.match(period)
    if not match:
        raise ValueError(f"unsupported period {period!r}: use Nd, Nwk, Nmo, Ny, ytd or max")
    n, unit = int(match.group(1)), match.group(2)
    days = {"d": 1, "wk": 7, "mo": 31, "y": 366}[unit] * n
    return last - timedelta(days=days)


# ---- fallback decision ---------------------------------------------------------------------------
@dataclass
class FetchResult:
    rows: list[tuple[Any, ...]]
    source: str
    fallback_reason: str | None = None
    symbols: dict[str, int] = field(default_factory=dict)

    @property
    def used_fallback(self) -> bool:
        return self.fallback_reason is not None


def fetch_prices(
    tickers: Sequence[str] = DEFAULT_TICKERS,
    period: str = "1y",
    *,
    offline: bool = False,
    real: PriceSource | None = None,
    snapshot: PriceSource | None = None,
) -> FetchResult:
    """Prices from Yahoo, or from the snapshot when Yahoo is unreachable or `offline` is set."""
    real = real or YahooSource()
    snapshot = snapshot or SnapshotSource()
    reason: str | None = "offline mode requested" if offline else None
    frame: pd.DataFrame | None = None
    if not offline:
        try:
            frame = real.history(tickers, period)
        except SourceUnavailable as exc:
            reason = str(exc)
    if frame is None:
        log.warning("Yahoo Finance unavailable (%s): FALLING BACK to the offline snapshot", reason)
        frame = snapshot.history(tickers, period)
        source = snapshot.name
    else:
        source = real.name
    rows = normalize(frame)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row[0]] = counts.get(row[0], 0) + 1
    log.info("fetched %d rows for %d symbols from %s", len(rows), len(counts), source)
    return FetchResult(rows=rows, source=source, fallback_reason=reason, symbols=counts)


# ---- normalisation -------------------------------------------------------------------------------
def _to_date(value: Any) -> date | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, datetime | pd.Timestamp):
        return value.date()  # an open session's last row carries a datetime; the day is what counts
    if isinstance(value, date):
        return value
    return pd.Timestamp(str(value)).date()


def _float(value: Any) -> float | None:
    if value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(out) or math.isinf(out) else out


def normalize(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    """Rows in the table's declared column order (`IBOVESPA.ordered`) with SQL-friendly types; one
    row per (symbol, date), last wins.

    NaN prices become NULL, NaN dividends 0, volumes int (the source writes `46295700.0`), and rows
    without a symbol, a date or any price are dropped: they carry nothing to store.
    """
    if frame.empty:
        return []
    records: dict[tuple[str, date], tuple[Any, ...]] = {}
    for rec in frame.to_dict("records"):
        symbol = str(rec.get("symbol") or "").strip().upper()
        day = _to_date(rec.get("date"))
        prices = [_float(rec.get(c)) for c in PRICE_COLUMNS]
        if not symbol or day is None or all(p is None for p in prices):
            continue
        volume = _float(rec.get("volume"))
        dividends = _float(rec.get("dividends")) or 0.0
        records[(symbol, day)] = IBOVESPA.ordered(
            {
                "symbol": symbol,
                "date": day,
                **dict(zip(PRICE_COLUMNS, prices, strict=True)),
                "volume": None if volume is None else round(volume),
                "dividends": dividends,
            }
        )
    return [records[k] for k in sorted(records)]
