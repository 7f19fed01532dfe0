"""Health checks: each one speaks the service's own protocol, not just "the port is open".

Every check raises `Unhealthy` with a short reason, or returns a one-line detail on success.
They are cheap (a few ms to a few hundred) so `lake status` can run them all in parallel.
"""

from __future__ import annotations

import base64
import json
import shutil
import socket
import subprocess
import urllib.request
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datalake.settings import Settings

TIMEOUT_S = 3.0


class Unhealthy(Exception):
    """The service answered wrongly or not at all."""


def _listening(host: str, port: int) -> None:
    """A plain TCP connect first: the Thrift client logs every refused connection with a
    traceback, which a start that waits for the metastore would print dozens of times."""
    try:
        socket.create_connection((host, port), timeout=TIMEOUT_S).close()
    except OSError as exc:
        raise Unhealthy(f"{host}:{port}: {exc.strerror or exc}") from None


def _http_get(url: str, timeout: float = TIMEOUT_S, auth: tuple[str, str] | None = None) -> str:
    request = urllib.request.Request(url)
    if auth:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return str(response.read().decode())
    except Exception as exc:
        raise Unhealthy(f"GET {url}: {exc}") from exc


def _http_json(url: str, timeout: float = TIMEOUT_S, auth: tuple[str, str] | None = None) -> Any:
    body = _http_get(url, timeout, auth)
    try:
        return json.loads(body)
    except ValueError as exc:
        raise Unhealthy(f"GET {url}: {exc}") from exc


def mysql_greeting(host: str, port: int) -> str:
    """Reads the server greeting packet: a live MySQL/MariaDB server sends it before any auth."""
    try:
        with socket.create_connection((host, port), timeout=TIMEOUT_S) as sock:
            packet = sock.recv(128)
    except OSError as exc:
        raise Unhealthy(f"{host}:{port}: {exc}") from exc
    if len(packet) < 6 or packet[4] != 10:
        raise Unhealthy(f"{host}:{port}: no MySQL protocol greeting")
    version = packet[5:].split(b"\0", 1)[0].decode(errors="replace")
    return f"server {version}"


def postgres_ready(host: str, port: int) -> str:
    """`pg_isready`: accepting connections (not starting up, not shutting down)."""
    binary = shutil.which("pg_isready")
    if not binary:
        raise Unhealthy("pg_isready not found (Debian package postgresql-client)")
    result = subprocess.run(
        [binary, "-h", host, "-p", str(port), "-t", "3"], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise Unhealthy(result.stdout.strip() or f"pg_isready exit {result.returncode}")
    return "accepting connections"


def kafka_metadata(bootstrap: str) -> str:
    from confluent_kafka.admin import AdminClient

    try:
        # log_level 0: a probe of a broker that is still starting must not spam stderr.
        metadata = AdminClient({"bootstrap.servers": bootstrap, "log_level": 0}).list_topics(
            timeout=TIMEOUT_S
        )
    except Exception as exc:
        raise Unhealthy(f"metadata request failed: {exc}") from exc
    if not metadata.brokers:
        raise Unhealthy("no broker in metadata")
    return f"{len(metadata.brokers)} broker(s), {len(metadata.topics)} topic(s)"


def connect_plugins(url: str, auth: tuple[str, str]) -> str:
    plugins = _http_json(f"{url}/connector-plugins", auth=auth)
    return f"{len(plugins)} connector plugin(s)"


def namenode_active(webhdfs_url: str) -> str:
    beans = _http_json(f"{webhdfs_url}/jmx?qry=Hadoop:service=NameNode,name=NameNodeInfo")["beans"]
    if not beans:
        raise Unhealthy("NameNodeInfo bean missing")
    if beans[0].get("Safemode"):
        raise Unhealthy(f"in safe mode: {beans[0]['Safemode']}")
    return "active, out of safe mode"


def datanode_registered(datanode_url: str) -> str:
    """Asks the DataNode itself, not the NameNode: the NameNode counts a killed DataNode as live
    until its heartbeat expires (10 minutes), so its count says nothing about a restart. The
    DataNode's own view: its block pool actor has registered (RUNNING) with the NameNode it last
    heard as active (it keeps that view for a while if the NameNode dies)."""
    beans = _http_json(f"{datanode_url}/jmx?qry=Hadoop:service=DataNode,name=DataNodeInfo")["beans"]
    try:
        actors = json.loads(beans[0].get("BPServiceActorInfo") or "[]") if beans else []
    except ValueError as exc:
        raise Unhealthy(f"unreadable BPServiceActorInfo: {exc}") from None
    running = [a for a in actors if a.get("ActorState") == "RUNNING" and a.get("NamenodeHaState") == "active"]
    if not running:
        states = [a.get("ActorState") for a in actors] or "none"
        raise Unhealthy(f"not registered with an active NameNode (block pool actors: {states})")
    return f"registered with {running[0].get('NamenodeAddress')}, {beans[0].get('XceiverCount', 0)} transfers"


def metastore_databases(uri: str) -> str:
    """Calls ThriftHiveMetastore.get_all_databases() over the binary protocol (no generated stubs)."""
    from thrift.protocol import TBinaryProtocol
    from thrift.Thrift import TMessageType, TType
    from thrift.transport import TSocket, TTransport

    host, port = uri.removeprefix("thrift://").split(":")
    _listening(host, int(port))
    sock = TSocket.TSocket(host, int(port))
    sock.setTimeout(int(TIMEOUT_S * 1000))
    transport = TTransport.TBufferedTransport(sock)
    protocol = TBinaryProtocol.TBinaryProtocol(transport)
    try:
        transport.open()
        protocol.writeMessageBegin("get_all_databases", TMessageType.CALL, 1)
        protocol.writeStructBegin("get_all_databases_args")
        protocol.writeFieldStop()
        protocol.writeStructEnd()
        protocol.writeMessageEnd()
        transport.flush()
        _, message_type, _ = protocol.readMessageBegin()
        if message_type == TMessageType.EXCEPTION:
            raise Unhealthy("metastore returned an exception")
        protocol.readStructBegin()
        _, field_type, field_id = protocol.readFieldBegin()
        if field_id != 0 or field_type != TType.LIST:
            raise Unhealthy("metastore answered without a database list")
        _, size = protocol.readListBegin()
        names = [protocol.readString() for _ in range(size)]
    except Unhealthy:
        raise
    except Exception as exc:
        raise Unhealthy(f"{uri}: {exc}") from exc
    finally:
        transport.close()
    return f"{len(names)} database(s)"


def thrift_server_sql(settings: Settings) -> str:
    """`SELECT 1` as the platform's SQL user (so authentication is part of the check)."""
    from datalake import thrift

    _listening(settings.thrift_host, settings.thrift_port)
    try:
        with thrift.connect(settings) as conn:
            cursor = conn.cursor()
            cursor.execute("SELECT 1")
            cursor.fetchall()
    except Exception as exc:
        raise Unhealthy(f"{settings.thrift_host}:{settings.thrift_port}: {exc}") from exc
    return "SELECT 1 ok"


def spark_connect_sql(settings: Settings) -> str:
    """`SELECT 1` in a Spark Connect session that presents the platform's token."""
    from urllib.parse import urlsplit

    from datalake.spark import connect_builder

    port = settings.spark_connect_port
    _listening(urlsplit(settings.spark_connect_url).hostname or "", port)
    try:
        spark = connect_builder(settings.spark_connect_url, settings.spark_connect_token).create()
        try:
            spark.sql("SELECT 1").collect()
        finally:
            spark.stop()
    except Exception as exc:
        raise Unhealthy(f"{settings.spark_connect_url}: {exc}") from exc
    return "SELECT 1 ok"


def mongo_ping(uri: str) -> str:
    import pymongo

    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
        uri, serverSelectionTimeoutMS=int(TIMEOUT_S * 1000)
    )
    try:
        client.admin.command("ping")
        version = client.server_info().get("version", "?")
    except Exception as exc:
        raise Unhealthy(f"{uri}: {exc}") from exc
    finally:
        client.close()
    return f"ping ok (reports MongoDB {version})"


def superset_health(superset_url: str) -> str:
    """Superset's own health endpoint: "OK" once its app (and metadata database) answers."""
    url = f"{superset_url}/health"
    body = _http_get(url).strip()
    if body != "OK":
        raise Unhealthy(f"GET {url}: {body[:80]!r}")
    return "health OK"


def airflow_component(airflow_url: str, component: str) -> str:
    """Airflow's own health endpoint: metadatabase, scheduler, triggerer, dag_processor."""
    health = _http_json(f"{airflow_url}/api/v2/monitor/health")
    status = (health.get(component) or {}).get("status")
    if status != "healthy":
        raise Unhealthy(f"{component} status is {status!r}")
    return f"{component} healthy"
