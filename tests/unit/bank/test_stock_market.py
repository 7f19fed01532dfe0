from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pymysql.cursors
import pytest
from datalake.generators import price_sources as ps
from datalake.generators import stock_market as sm

from .conftest import FakeConnection

SNAPSHOT = ps.SNAPSHOT_PATH
needs_snapshot = pytest.mark.skipif(not SNAPSHOT.exists(), reason=f"offline snapshot missing: {SNAPSHOT}")


def _yahoo_frame() -> pd.DataFrame:
    """The shape yahooquery returns: MultiIndex (symbol, date), a datetime for an open session."""
    index = pd.MultiIndex.from_tuples(
        [
            ("PETR4.SA", date(2025, 9, 26)),
            ("PETR4.SA", date(2025, 9, 29)),
            ("PETR4.SA", datetime(2025, 9, 30, 14, 5)),
        ],
        names=["symbol", "date"],
    )
    return pd.DataFrame(
        {
            "open": [30.0, 30.5, float("nan")],
            "high": [31.0, 31.2, 31.0],
            "low": [29.5, 30.1, 30.2],
            "close": [30.9, 30.8, 30.7],
            "volume": [46295700.0, float("nan"), 1000.0],
            "adjclose": [30.1, 30.0, 30.7],
            "dividends": [0.0, 0.35, float("nan")],
        },
        index=index,
    )


class FakeSource:
    def __init__(self, name: str, result: pd.DataFrame | Exception) -> None:
        self.name = name
        self.result = result
        self.calls: list[tuple[tuple[str, ...], str]] = []

    def history(self, tickers, period):  # type: ignore[no-untyped-def]
        self.calls.append((tuple(tickers), period))
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


# ---- snapshot ------------------------------------------------------------------------------------
@needs_snapshot
def test_snapshot_parse_and_period() -> None:
    src = ps.SnapshotSource(SNAPSHOT)
    everything = ps.normalize(src.history(ps.SNAPSHOT_TICKERS, "max"))
    assert len(everything) == 1_239  # the snapshot README's count
    assert {r[0] for r in everything} == set(ps.SNAPSHOT_TICKERS)
    month = ps.normalize(src.history(["PETR4.SA"], "1mo"))
    assert 15 <= len(month) <= 25 and {r[0] for r in month} == {"PETR4.SA"}
    assert max(r[1] for r in month) == date(2025, 9, 29)
    row = everything[0]
    assert isinstance(row[1], date) and isinstance(row[7], int) and isinstance(row[2], float)


@needs_snapshot
def test_snapshot_unknown_tickers_are_reported(caplog: pytest.LogCaptureFixture) -> None:
    frame = ps.SnapshotSource(SNAPSHOT).history(["ECOR3.SA", "BBDC4.SA"], "max")
    assert set(frame["symbol"]) == {"BBDC4.SA"}
    assert "ECOR3.SA" in caplog.text


def test_snapshot_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ps.SourceUnavailable):
        ps.SnapshotSource(tmp_path / "nope.csv").history(["PETR4.SA"], "1y")


def test_default_tickers_include_seed_and_snapshot() -> None:
    assert ps.DEFAULT_TICKERS[:4] == ("ECOR3.SA", "BBDC3.SA", "ENBR3.SA", "BBDC4.SA")
    assert set(ps.SNAPSHOT_TICKERS) <= set(ps.DEFAULT_TICKERS)
    assert len(set(ps.DEFAULT_TICKERS)) == len(ps.DEFAULT_TICKERS)


@pytest.mark.parametrize(
    ("period", "expected"),
    [("max", None), ("ytd", date(2025, 1, 1)), ("5d", date(2025, 9, 24)), ("1y", date(2024, 9, 28))],
)
def test_period_start(period: str, expected: date | None) -> None:
    assert ps.period_start(period, date(2025, 9, 29)) == expected


def test_period_start_rejects_garbage() -> None:
    with pytest.raises(ValueError):
        ps.period_start("forever", date(2025, 1, 1))


# ---- fallback decision ---------------------------------------------------------------------------
def test_uses_yahoo_when_it_answers() -> None:
    real = FakeSource("yahoo", ps.frame_from_yahoo(_yahoo_frame()))
    snap = FakeSource("snapshot", ps.SourceUnavailable("must not be called"))
    result = ps.fetch_prices(["PETR4.SA"], "5d", real=real, snapshot=snap)
    assert result.source == "yahoo" and not result.used_fallback
    assert snap.calls == [] and result.symbols == {"PETR4.SA": 3}


@needs_snapshot
def test_falls_back_when_yahoo_raises(caplog: pytest.LogCaptureFixture) -> None:
    real = FakeSource("yahoo", ps.SourceUnavailable("DNSError: Could not resolve host"))
    result = ps.fetch_prices(["PETR4.SA"], "1mo", real=real, snapshot=ps.SnapshotSource(SNAPSHOT))
    assert result.source == "snapshot" and result.used_fallback
    assert "Could not resolve host" in (result.fallback_reason or "")
    assert "FALLING BACK to the offline snapshot" in caplog.text
    assert result.rows and {r[0] for r in result.rows} == {"PETR4.SA"}


@pytest.mark.parametrize(
    "payload",
    [
        "No data found, symbol may be delisted",
        {"PETR4.SA": "No data found"},
        {"PETR4.SA": {"error": {"code": "Not Found"}}},
        pd.DataFrame(),
        pd.DataFrame({"foo": [1]}),
        None,
    ],
)
def test_yahoo_garbage_is_unavailable(payload: object) -> None:
    with pytest.raises(ps.SourceUnavailable):
        ps.frame_from_yahoo(payload)


def test_real_yahoo_source_failure_triggers_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real client class, with yahooquery's Ticker patched to fail as it does offline."""
    import yahooquery

    class Offline:
        def __init__(self, *args: object, **kwargs: object) -> None:
            assert kwargs["timeout"] == 2  # short timeouts reach yahooquery
            raise OSError("curl: (6) Could not resolve host: finance.yahoo.com")

    monkeypatch.setattr(yahooquery, "Ticker", Offline)
    snap = FakeSource("snapshot", ps.frame_from_yahoo(_yahoo_frame()))
    result = ps.fetch_prices(["PETR4.SA"], "1y", real=ps.YahooSource(timeout=2), snapshot=snap)
    assert result.used_fallback and result.source == "snapshot"
    assert "Could not resolve host" in (result.fallback_reason or "")


def test_real_yahoo_source_error_string(monkeypatch: pytest.MonkeyPatch) -> None:
    import yahooquery

    class ErrorTicker:
        def __init__(self, *args: object, **kwargs: object) -> None:
            pass

        def history(self, **kwargs: object) -> object:
            return {"PETR4.SA": "No data found, symbol may be delisted"}

    monkeypatch.setattr(yahooquery, "Ticker", ErrorTicker)
    with pytest.raises(ps.SourceUnavailable):
        ps.YahooSource().history(["PETR4.SA"], "1y")


def test_offline_flag_skips_yahoo() -> None:
    real = FakeSource("yahoo", ps.frame_from_yahoo(_yahoo_frame()))
    snap = FakeSource("snapshot", ps.frame_from_yahoo(_yahoo_frame()))
    result = ps.fetch_prices(["PETR4.SA"], "1y", offline=True, real=real, snapshot=snap)
    assert real.calls == [] and result.source == "snapshot"
    assert result.fallback_reason == "offline mode requested"


# ---- normalisation -------------------------------------------------------------------------------
def test_normalize_types_and_nan() -> None:
    rows = ps.normalize(ps.frame_from_yahoo(_yahoo_frame()))
    assert [r[1] for r in rows] == [date(2025, 9, 26), date(2025, 9, 29), date(2025, 9, 30)]
    first, second, third = rows
    assert first == ("PETR4.SA", date(2025, 9, 26), 30.0, 31.0, 29.5, 30.9, 30.1, 46295700, 0.0)
    assert isinstance(first[7], int)
    assert second[7] is None and second[8] == 0.35  # NaN volume -> NULL
    assert third[2] is None and third[8] == 0.0  # NaN open -> NULL, NaN dividends -> 0
    for row in rows:
        assert len(row) == len(sm.COLUMNS)
        assert not any(isinstance(v, float) and math.isnan(v) for v in row)


def test_normalize_drops_empty_and_dedupes() -> None:
    frame = pd.DataFrame(
        {
            "symbol": ["petr4.sa", "PETR4.SA", "PETR4.SA", None],
            "date": ["2025-09-29", "2025-09-29", "2025-09-30", "2025-09-30"],
            "open": [1.0, 2.0, float("nan"), 1.0],
            "high": [1.0, 2.0, float("nan"), 1.0],
            "low": [1.0, 2.0, float("nan"), 1.0],
            "close": [1.0, 2.0, float("nan"), 1.0],
            "adjclose": [1.0, 2.0, float("nan"), 1.0],
            "volume": [10.0, 20.0, 0.0, 1.0],
            "dividends": [0.0, 0.0, 0.0, 0.0],
        }
    )
    rows = ps.normalize(frame)
    assert rows == [("PETR4.SA", date(2025, 9, 29), 2.0, 2.0, 2.0, 2.0, 2.0, 20, 0.0)]
    assert ps.normalize(pd.DataFrame()) == []


# ---- SQL -----------------------------------------------------------------------------------------
def test_upsert_sql() -> None:
    sql = sm.UPSERT_SQL
    assert sql.startswith("INSERT INTO stock_market.ibovespa (symbol, `date`, `open`, high, low, `close`")
    assert "ON DUPLICATE KEY UPDATE" in sql
    updated = sql.split("ON DUPLICATE KEY UPDATE")[1]
    assert "symbol =" not in updated and "`date` =" not in updated  # the key is never rewritten
    for col in ("`open`", "high", "low", "`close`", "adjclose", "volume", "dividends"):
        assert f"{col} = VALUES({col})" in updated
    assert sql.count("%s") == len(sm.COLUMNS)
    assert pymysql.cursors.RE_INSERT_VALUES.match(sql)  # pymysql sends it as multi-row batches


def test_ddl_has_composite_primary_key() -> None:
    assert sm.DDL.strip().startswith("CREATE TABLE IF NOT EXISTS stock_market.ibovespa")
    assert "PRIMARY KEY (symbol, `date`)" in sm.DDL
    assert "volume    BIGINT" in sm.DDL


def test_upsert_chunks_and_commits(fake_conn: FakeConnection) -> None:
    rows = [("X.SA", date(2025, 1, 1), 1.0, 1.0, 1.0, 1.0, 1.0, i, 0.0) for i in range(7)]
    assert sm.upsert(fake_conn, rows, chunk_size=3) == 7
    assert [c[0] for c in fake_conn.log] == ["executemany", "commit"] * 3
    assert [len(c[2]) for c in fake_conn.calls("executemany")] == [3, 3, 1]


def test_ensure_schema(fake_conn: FakeConnection) -> None:
    sm.ensure_schema(fake_conn)
    executed = [c[1] for c in fake_conn.calls("execute")]
    assert executed[0].startswith("CREATE DATABASE IF NOT EXISTS stock_market")
    assert executed[1].startswith("CREATE TABLE IF NOT EXISTS stock_market.ibovespa")
