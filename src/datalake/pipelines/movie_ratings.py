"""Movie ratings in motion: catalog in Delta, the stream job and a trickle generator, the daily DAG."""

from __future__ import annotations

from datalake.pipelines import Pipeline
from datalake.platform.bootstrap import run_checked
from datalake.platform.launch import Context, service_environment, spark_environment
from datalake.platform.services import Service
from datalake.settings import REPO_ROOT

DAG_ID = "movie_ratings_daily"
JOBS = REPO_ROOT / "jobs" / "movie_ratings"
TRICKLE_RATE = 2.0  # events per second: enough for a new user to see the stream move


def load_catalog(ctx: Context) -> None:
    """Idempotent (replaceWhere on source='catalog'), so a marker only saves the ~1 min re-run."""
    marker = ctx.paths.var / "state" / "movie_ratings_catalog.done"
    if marker.exists():
        return
    print("  movie_ratings: loading the MovieLens catalog into Delta (first start only)", flush=True)
    run_checked(
        [str(ctx.paths.venv_bin / "spark-submit"), str(JOBS / "catalog_load.py")],
        ctx,
        env={**spark_environment(ctx), **service_environment(ctx)},
        user=ctx.service_user,
    )
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()


PIPELINE = Pipeline(
    name="movie_ratings",
    setup=load_catalog,
    programs=(
        Service(
            name="movie-ratings-stream",
            role="Kafka movieRatings -> Delta (Structured Streaming)",
            ports=(),
            url="",
            command=lambda ctx: [
                str(ctx.paths.venv_bin / "spark-submit"),
                "--master",
                "local[2]",
                "--conf",
                "spark.ui.enabled=false",
                str(JOBS / "stream_ratings.py"),
            ],
            check=None,
            environment=spark_environment,
        ),
        Service(
            name="movie-ratings-generator",
            role=f"synthetic ratings -> Kafka movieRatings ({TRICKLE_RATE}/s)",
            ports=(),
            url="",
            command=lambda ctx: [
                str(ctx.paths.venv_bin / "python"),
                "-m",
                "datalake.producers.movie_ratings",
                "--rate",
                str(TRICKLE_RATE),
            ],
            check=None,
        ),
    ),
    dags=(DAG_ID,),
)
