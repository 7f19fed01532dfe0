"""Builders of raw-zone lines exactly as the lake sink lands Debezium events (see jobs/bank/schemas.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CLIENT = {
    "id": 1,
    "nome": "Maria da Silva",
    "cpf": "123.456.789-09",
    "tipo_produto": "poupança",
    "data_nascimento": 7305,  # 1990-01-01
    "address": "Rua das Flores, 10 - Belo Horizonte",
    "renda_mensal": "1234.50",
    "created_at": 1714521600123,  # 2024-05-01T00:00:00.123Z
}
OPERATION = {
    "id": 1,
    "client_id": 1,
    "cpf": "123.456.789-09",
    "tipo_produto": "conta_corrente",
    "origem": "atm",
    "operacao": "saque",
    "valor": "99999999999.99",
    "online": 0,
    "op_timestamp": 1714521600000,  # 2024-05-01T00:00:00Z
    "success": 1,
}


def event(
    topic: str,
    offset: int,
    op: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    *,
    partition: int = 0,
    key: dict[str, Any] | None = None,
    ts_ms: int = 1714521600000,
) -> dict[str, Any]:
    """One raw line holding a Debezium envelope."""
    image = after if after is not None else before
    if key is None and image is not None:
        key = {"id": image["id"]} if "id" in image else {"symbol": image["symbol"], "date": image["date"]}
    db, table = topic.split(".")[1:]
    return {
        "topic": topic,
        "partition": partition,
        "offset": offset,
        "timestamp": ts_ms + 5,
        "key": key,
        "value": {
            "before": before,
            "after": after,
            "source": {
                "version": "3.5.0.Final",
                "connector": "mariadb",
                "name": "cdc",
                "ts_ms": ts_ms,
                "snapshot": "true" if op == "r" else "false",
                "db": db,
                "table": table,
                "server_id": 1,
                "file": "mariadb-bin.000003",
                "pos": 1000 + offset,
                "row": 0,
            },
            "op": op,
            "ts_ms": ts_ms + 3,
        },
    }


def tombstone(topic: str, offset: int, key: dict[str, Any], *, partition: int = 0) -> dict[str, Any]:
    return {
        "topic": topic,
        "partition": partition,
        "offset": offset,
        "timestamp": None,
        "key": key,
        "value": None,
    }


def land(
    root: Path, topic: str, lines: list[dict[str, Any]], *, day: str = "2024-05-01", name: str = ""
) -> Path:
    """Write `lines` as one committed sink file under <root>/<topic>/dt=<day>/; returns the topic folder."""
    folder = root / topic / f"dt={day}"
    folder.mkdir(parents=True, exist_ok=True)
    if lines:
        first, last = lines[0]["offset"], lines[-1]["offset"]
        fname = name or f"{topic}+{lines[0]['partition']}+{first}+{last}.jsonl"
        (folder / fname).write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return root / topic
