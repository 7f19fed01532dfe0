"""Native mode binds every listening socket of every supervised process to loopback."""

from __future__ import annotations

import ipaddress

import psutil

from datalake.platform.paths import get_paths
from datalake.platform.supervisor import Supervisor


def _is_loopback(ip: str) -> bool:
    address = ipaddress.ip_address(ip)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_loopback


def test_no_supervised_process_listens_beyond_loopback() -> None:
    supervisor = Supervisor(get_paths())
    listening = [c for c in psutil.net_connections("inet") if c.status == psutil.CONN_LISTEN and c.pid]
    exposed = {}
    for name, state in supervisor.states().items():
        if state != "RUNNING":
            continue
        root = psutil.Process(supervisor.pid(name))
        pids = {p.pid for p in [root, *root.children(recursive=True)]}
        wide = sorted(
            {
                f"{c.laddr.ip}:{c.laddr.port}"
                for c in listening
                if c.pid in pids and not _is_loopback(c.laddr.ip)
            }
        )
        if wide:
            exposed[name] = wide
    assert exposed == {}
