"""rating_counts on the platform: Delta on HDFS through the Spark Connect server, as the daily task
runs it. Counts follow the arrivals, a second refresh adds nothing, a replayed increment (the
same ratings version: a retried task after its commit) is refused by Delta's txnAppId/txnVersion,
and `--mode auto` keeps counts once they exist (not before, on a small table).

The tables are scratch Delta folders under the lake's checkpoint zone, deleted at the end (over
WebHDFS); the live `movie_ratings` tables are not touched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from urllib.parse import urlparse

from datalake.hdfs import webhdfs
from datalake.settings import get_settings

SCRIPT = textwrap.dedent(
    """
    import json, sys
    from pyspark.sql import functions as F
    from datalake.spark import build_session
    from datalake.jobs.movie_ratings import rating_counts as rc

    root = sys.argv[1]
    ratings, counts = f"{root}/ratings", f"{root}/rating_counts"
    spark = build_session("it_rating_counts")
    ddl = ("userId int, movieId int, rating double, timestamp long, source string, "
           "kafka_partition int, kafka_offset long")
    day = 1_717_243_200  # 2024-06-01 12:00 UTC

    def append(rows):
        spark.createDataFrame(rows, ddl).write.format("delta").mode("append").save(ratings)

    def totals():
        frame = spark.read.format("delta").load(counts).where("grain = 'movie'")
        return {r["source"]: r[1] for r in frame.groupBy("source").agg(F.sum("ratings_count")).collect()}

    out = {}
    append([(1, 10, 4.0, day, "catalog", None, None), (2, 11, 3.0, day, "catalog", None, None)])
    append([(3, 10, 5.0, day + 86_400, "stream", 0, 0), (4, 12, 2.5, day, "stream", 0, 1)])
    out["worth_before"] = rc.worth_keeping(spark, ratings, counts)  # small table, no counts yet
    out["first"] = [rc.refresh(spark, ratings, counts)[1], totals()]
    out["worth_after"] = rc.worth_keeping(spark, ratings, counts)  # kept: keep them
    out["again"] = [rc.refresh(spark, ratings, counts)[1], totals()]
    out["marks"] = rc.watermarks(spark.read.format("delta").load(counts))
    append([(5, 12, 1.0, day - 86_400, "stream", 0, 2), (6, 10, 3.5, day, "stream", 1, 0)])
    version, counted = rc.refresh(spark, ratings, counts)
    out["second"] = [counted, totals(), rc.watermarks(spark.read.format("delta").load(counts))]
    # A retry of that increment after its commit: same rows, same txnVersion.
    replay = rc.stream_increment(spark.createDataFrame(
        [(5, 12, 1.0, day - 86_400, "stream", 0, 2), (6, 10, 3.5, day, "stream", 1, 0)], ddl))
    (replay.write.format("delta").mode("append").option("txnAppId", rc.TXN_APP_ID)
        .option("txnVersion", version).save(counts))
    out["replayed"] = totals()
    rc.forget(spark, counts, "catalog")
    out["forgotten"] = totals()
    print("RESULT " + json.dumps(out))
    """
)


def test_counts_follow_arrivals_and_a_replayed_increment_is_refused(unique: str) -> None:
    root = get_settings().lake.checkpoint(f"it_rating_counts_{unique}")
    try:
        job = subprocess.run(
            [sys.executable, "-c", SCRIPT, root],
            env={**os.environ, "SPARK_REMOTE": get_settings().spark_connect_url},
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert job.returncode == 0, job.stdout[-3000:] + job.stderr[-3000:]
        result = json.loads(job.stdout.split("RESULT ", 1)[1])
        assert (result["worth_before"], result["worth_after"]) == (False, True)
        assert result["first"] == [2, {"catalog": 2, "stream": 2}]
        assert result["again"] == [0, {"catalog": 2, "stream": 2}]
        assert result["marks"] == {"0": 1}
        assert result["second"] == [2, {"catalog": 2, "stream": 4}, {"0": 2, "1": 0}]
        assert result["replayed"] == {"catalog": 2, "stream": 4}
        assert result["forgotten"] == {"stream": 4}
    finally:
        webhdfs("DELETE", urlparse(root).path, "DELETE", recursive="true")
