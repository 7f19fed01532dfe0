"""The MongoDB-compatible server (mongo-java-server, H2 on disk, our oplog) serves pymongo and change
streams whose events carry what MongoDB's do: `ns`, `documentKey: {_id}` on every operation,
`fullDocument`, `updateDescription`, `clusterTime`, and `operationTime` on command replies."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pymongo
import pytest

from datalake.settings import get_settings


@pytest.fixture
def scratch(unique: str) -> Iterator[pymongo.database.Database]:
    client = pymongo.MongoClient(get_settings().mongo_uri, serverSelectionTimeoutMS=5000)
    db = client[f"it_{unique}"]
    try:
        yield db
    finally:
        client.drop_database(db.name)
        client.close()


def test_insert_and_find(scratch: pymongo.database.Database) -> None:
    collection = scratch["docs"]
    collection.insert_many([{"i": i, "kind": "odd" if i % 2 else "even"} for i in range(10)])
    assert collection.count_documents({"kind": "odd"}) == 5
    assert [d["i"] for d in collection.find({"i": {"$gte": 8}}).sort("i")] == [8, 9]


def test_command_replies_carry_an_operation_time(scratch: pymongo.database.Database) -> None:
    reply = scratch.command("ping")
    assert reply["operationTime"].time > 0


def _watch(
    target: Any, wanted: int, **options: Any
) -> tuple[threading.Event, list[dict[str, Any]], threading.Thread]:
    """Open a change stream "from now" (no start point) in a thread and collect `wanted` events."""
    opened, seen = threading.Event(), []

    def run() -> None:
        with target.watch(max_await_time_ms=200, **options) as stream:
            opened.set()
            deadline = time.monotonic() + 20
            while len(seen) < wanted and time.monotonic() < deadline:
                change = stream.try_next()
                if change is None:
                    time.sleep(0.05)  # this server answers getMore at once, without awaiting data
                else:
                    seen.append(change)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert opened.wait(10)
    return opened, seen, thread


def test_change_events_carry_namespace_key_and_documents(scratch: pymongo.database.Database) -> None:
    collection = scratch["stream"]
    _, seen, thread = _watch(collection, 4)
    collection.insert_one({"_id": "a", "v": 1})
    collection.update_one({"_id": "a"}, {"$set": {"v": 2}, "$unset": {"gone": ""}})
    collection.replace_one({"_id": "a"}, {"v": 3})
    collection.delete_one({"_id": "a"})
    thread.join(30)
    assert [e["operationType"] for e in seen] == ["insert", "update", "replace", "delete"]
    ns = {"db": scratch.name, "coll": "stream"}
    assert all(e["ns"] == ns and e["documentKey"] == {"_id": "a"} for e in seen)
    insert, update, replace, delete = seen
    assert insert["fullDocument"] == {"_id": "a", "v": 1}
    assert "fullDocument" not in update  # only with full_document="updateLookup", as in MongoDB
    assert update["updateDescription"] == {"updatedFields": {"v": 2}, "removedFields": ["gone"]}
    assert replace["fullDocument"] == {"_id": "a", "v": 3}
    assert "fullDocument" not in delete
    assert [e["clusterTime"] for e in seen] == sorted(e["clusterTime"] for e in seen)


def test_update_lookup_gives_the_current_document(scratch: pymongo.database.Database) -> None:
    collection = scratch["lookup"]
    _, seen, thread = _watch(collection, 2, full_document="updateLookup")
    collection.insert_one({"_id": "b", "v": 1})
    collection.update_one({"_id": "b"}, {"$set": {"v": 2}})
    thread.join(30)
    assert [(e["operationType"], e["fullDocument"]) for e in seen] == [
        ("insert", {"_id": "b", "v": 1}),
        ("update", {"_id": "b", "v": 2}),
    ]


def test_a_stream_resumes_after_its_last_event(scratch: pymongo.database.Database) -> None:
    collection = scratch["resume"]
    _, seen, thread = _watch(collection, 1)
    collection.insert_one({"_id": 1})
    thread.join(30)
    collection.insert_many([{"_id": 2}, {"_id": 3}])
    with collection.watch(resume_after=seen[0]["_id"], max_await_time_ms=200) as stream:
        resumed = [stream.try_next(), stream.try_next()]
    assert [e["documentKey"]["_id"] for e in resumed if e] == [2, 3]


def test_a_database_stream_sees_every_collection(scratch: pymongo.database.Database) -> None:
    _, seen, thread = _watch(scratch, 2)
    scratch["one"].insert_one({"_id": 1})
    scratch["two"].insert_one({"_id": 2})
    thread.join(30)
    assert [(e["ns"]["coll"], e["documentKey"]["_id"]) for e in seen] == [("one", 1), ("two", 2)]


def test_an_aggregate_result_comes_in_batches_as_from_mongodb(scratch: pymongo.database.Database) -> None:
    """The stock server put a whole aggregate result in one reply (160 MB for the benchmark's 1 M
    operations, over the drivers' 48 MB limit: the Spark connector failed); ours sends a first
    batch of 101 documents, then batches of at most 16 MiB."""
    blob = "x" * 100_000  # 100 kB a document: 400 documents are 40 MB, more than two batches
    scratch.docs.insert_many([{"_id": i, "blob": blob} for i in range(400)])
    reply = scratch.command("aggregate", "docs", pipeline=[{"$match": {}}], cursor={})
    first = reply["cursor"]["firstBatch"]
    assert len(first) == 101 and reply["cursor"]["id"] != 0
    more = scratch.command("getMore", reply["cursor"]["id"], collection="docs")
    batch = more["cursor"]["nextBatch"]
    assert 0 < len(batch) < 400 - 101
    assert sum(len(d["blob"]) for d in batch) <= 16 * 1024 * 1024
    asked = scratch.command("aggregate", "docs", pipeline=[], cursor={"batchSize": 7})
    assert len(asked["cursor"]["firstBatch"]) == 7
    scratch.command("killCursors", "docs", cursors=[asked["cursor"]["id"]])
    ids = [d["_id"] for d in scratch.docs.aggregate([{"$match": {}}, {"$project": {"blob": 0}}])]
    assert ids == list(range(400))
    assert len(list(scratch.docs.aggregate([{"$match": {}}]))) == 400


def test_a_plain_read_streams_a_snapshot_of_the_collection(scratch: pymongo.database.Database) -> None:
    """A read of only $match and $project stages (the Spark connector's) is answered from a lazy
    stream over the store, read ahead of the client, instead of the whole result being computed
    first: it sees the collection as it was when the read began, whatever is written meanwhile,
    and its stages apply document by document as in any aggregate."""
    blob = "x" * 100_000
    scratch.docs.insert_many([{"_id": i, "blob": blob, "even": i % 2 == 0} for i in range(300)])
    reads = scratch.docs.aggregate(
        [{"$match": {"_id": {"$gte": 50}}}, {"$project": {"blob": 0}}], batchSize=20
    )
    first = [next(reads) for _ in range(20)]  # the first batch is out, the next one read ahead
    scratch.docs.insert_one({"_id": 1000, "blob": blob, "even": True})
    scratch.docs.delete_one({"_id": 299})
    rest = list(reads)
    assert [d["_id"] for d in first + rest] == list(range(50, 300))
    assert all(set(d) == {"_id", "even"} for d in first + rest)
    # Any other stage takes the server's own path: the same documents, the current state.
    grouped = list(
        scratch.docs.aggregate([{"$match": {"even": True}}, {"$group": {"_id": None, "n": {"$sum": 1}}}])
    )
    assert grouped == [{"_id": None, "n": 151}]  # the 150 even ids of 0..299, and 1000


def test_an_idle_change_stream_waits_for_events_instead_of_spinning(
    scratch: pymongo.database.Database,
) -> None:
    """A getMore on a change stream waits up to maxAwaitTimeMS for an event, as MongoDB's does. The
    stock server answered at once, and the Kafka source, which relies on the wait, spun: a core
    between Connect and the server on an idle platform."""
    scratch.create_collection("docs")
    with scratch.docs.watch(max_await_time_ms=1000) as stream:
        started = time.monotonic()
        assert stream.try_next() is None
        assert time.monotonic() - started >= 0.5  # it waited instead of answering an empty batch at once
    with scratch.docs.watch(max_await_time_ms=5000) as stream:
        threading.Timer(0.3, lambda: scratch.docs.insert_one({"_id": "late"})).start()
        event = stream.try_next()  # one getMore: the insert arrives while it waits
        assert event is not None and event["documentKey"] == {"_id": "late"}
