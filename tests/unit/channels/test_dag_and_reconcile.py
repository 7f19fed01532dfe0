"""The channel DAG's wiring, the supervised producers, and the reconcile comparison."""

from __future__ import annotations

from collections import Counter

from datalake.pipelines import channels
from datalake.settings import REPO_ROOT

DAG_FILE = REPO_ROOT / "dags" / "streaming_operations_pipeline.py"


def test_dag_structure() -> None:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAG_FILE))
    assert bag.import_errors == {}
    dag = bag.dags["streaming_operations_pipeline"]
    downstream = {t.task_id: sorted(t.downstream_task_ids) for t in dag.tasks}
    assert downstream == {
        "capture": ["lake_has_source", "reconcile", "until"],
        "lake_has_source": ["until"],
        "until": ["channel_operations"],
        "channel_operations": ["reconcile"],
        "reconcile": ["announce"],
        "announce": [],
    }
    job = dag.get_task("channel_operations")
    assert job.application.endswith("jobs/channels/channel_operations.py")
    assert job.application_args[:2] == ["--run-date", "{{ ds }}"]


def test_five_supervised_producers_one_per_channel_at_the_setting_rate() -> None:
    programs = channels.PIPELINE.programs
    assert [p.name for p in programs] == [
        "channel-caixa-agencia",
        "channel-atm",
        "channel-mobile",
        "channel-maquininhas",
        "channel-internet-banking",
    ]
    from datalake.platform.launch import context

    command = programs[1].command(context())
    assert command[-4:] == ["--channel", "atm", "--freq", str(context().settings.channel_rate)]


def test_until_argument_maps_partitions_to_end_offsets() -> None:
    assert (
        channels.until_arg({"channels.operations:0": 10, "channels.operations:3": 7}) == '{"0": 10, "3": 7}'
    )


def test_compare_counts_per_channel_and_lets_dead_letters_explain_only_unknown_records() -> None:
    kafka = Counter({"atm": 10, "mobile": 5, "unknown": 3})
    assert channels.compare(kafka, Counter({"atm": 10, "mobile": 5, "unknown": 1}), dead=2) == []
    assert channels.compare(kafka, Counter({"atm": 9, "mobile": 5, "unknown": 1}), dead=2) == [
        "atm: Kafka 10 records, lake 9 (rows + quarantined)"
    ]
    assert channels.compare(Counter({"atm": 1}), Counter({"atm": 1, "drive_thru": 1}), dead=0) == [
        "drive_thru: Kafka 0 records, lake 1 (rows + quarantined)"
    ]
