"""The MongoDB-compatible server (mongo-java-server, H2 on disk) serves pymongo, change streams too."""

from __future__ import annotations

import threading
import time

import pymongo
from bson import Timestamp

from datalake.settings import get_settings


def _client() -> pymongo.MongoClient:
    return pymongo.MongoClient(get_settings().mongo_uri, serverSelectionTimeoutMS=5000)


def test_insert_and_find(unique: str) -> None:
    with _client() as client:
        collection = client["it"][f"docs_{unique}"]
        collection.insert_many([{"i": i, "kind": "odd" if i % 2 else "even"} for i in range(10)])
        assert collection.count_documents({"kind": "odd"}) == 5
        assert [d["i"] for d in collection.find({"i": {"$gte": 8}}).sort("i")] == [8, 9]
        collection.drop()


def test_change_stream_sees_inserts_and_updates(unique: str) -> None:
    """mongo-java-server omits `operationTime` from replies, which pymongo needs only to pick a start
    point itself; opening the stream at an explicit cluster time sidesteps that (see the README).
    Starting in the past can also replay other namespaces' drop events, so we follow our document."""
    with _client() as client:
        collection = client["it"][f"stream_{unique}"]
        ours: list[dict] = []
        opened = threading.Event()

        def watch() -> None:
            start = Timestamp(int(time.time()), 0)
            deadline = time.monotonic() + 30
            with collection.watch(
                full_document="updateLookup", max_await_time_ms=500, start_at_operation_time=start
            ) as stream:
                opened.set()
                while time.monotonic() < deadline and len(ours) < 2:
                    change = stream.try_next()
                    # Matched on fullDocument: this server fills documentKey wrongly for updates.
                    if change and (change.get("fullDocument") or {}).get("_id") == unique:
                        ours.append(change)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        assert opened.wait(10)
        collection.insert_one({"_id": unique, "v": "a"})
        collection.update_one({"_id": unique}, {"$set": {"v": "b"}})
        watcher.join(35)
        assert [e["operationType"] for e in ours] == ["insert", "update"]
        assert ours[1]["fullDocument"] == {"_id": unique, "v": "b"}
        collection.drop()
