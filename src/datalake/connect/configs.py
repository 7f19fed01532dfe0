"""The connector files of `kafka_connect/connectors/`: lint, load, and the variables they read.

Separate from the REST client because nothing here needs a worker: `python -m datalake.connect
lint`, the platform's config rendering (the worker's `${env:NAME}` allow list) and the unit tests
read the files alone.

Secrets never live in the files: they hold `${env:NAME}` placeholders that the worker resolves
with Kafka's EnvVarConfigProvider (`config.providers=env`). `lint_connector` enforces that.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from datalake.connect.errors import ConnectError
from datalake.settings import REPO_ROOT

CONNECTORS_DIR = REPO_ROOT / "kafka_connect" / "connectors"

_ENV_PLACEHOLDER = re.compile(r"^\$\{env:[A-Za-z_][A-Za-z0-9_]*\}$")
_ANY_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")
# Keys whose values are credentials (or identify them): they must come from the environment.
_SECRET_KEY = re.compile(
    r"(password|passwd|secret|token|credential|api\.key|jaas\.config|(^|\.)user(name)?$)"
)


def lint_connector(path: Path, data: dict[str, Any] | None = None) -> list[str]:
    """Problems with a connector file: shape, name vs file name, literal secrets, bad placeholders."""
    problems: list[str] = []
    if data is None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            return [f"{path.name}: cannot read JSON: {exc}"]
    if not isinstance(data, dict) or set(data) != {"name", "config"}:
        return [f"{path.name}: expected exactly the keys 'name' and 'config'"]
    name, config = data["name"], data["config"]
    if name != path.stem:
        problems.append(f"{path.name}: name {name!r} must match the file name {path.stem!r}")
    if not isinstance(config, dict) or "connector.class" not in config:
        return [*problems, f"{path.name}: config must be an object with 'connector.class'"]
    if "name" in config and config["name"] != name:
        problems.append(f"{path.name}: config.name {config['name']!r} differs from name {name!r}")
    for key, value in config.items():
        if not isinstance(value, str):
            problems.append(f"{path.name}: {key} must be a string (Connect configs are string maps)")
            continue
        if _SECRET_KEY.search(key) and not _ENV_PLACEHOLDER.match(value):
            problems.append(f"{path.name}: {key} must be an ${{env:NAME}} placeholder, not a literal")
        for placeholder in _ANY_PLACEHOLDER.findall(value):
            if not _ENV_PLACEHOLDER.match(placeholder):
                problems.append(
                    f"{path.name}: {key} has {placeholder}; use the ${{env:NAME}} provider syntax"
                )
    return problems


def load_connector(path: Path) -> tuple[str, dict[str, str]]:
    """(name, config) of a connector file, or ConnectError listing what is wrong with it."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    problems = lint_connector(Path(path), data)
    if problems:
        raise ConnectError("invalid connector file:\n" + "\n".join(problems))
    return data["name"], data["config"]


def connector_files(directory: Path = CONNECTORS_DIR) -> list[Path]:
    return sorted(Path(directory).glob("*.json"))


def env_names(directory: Path = CONNECTORS_DIR) -> set[str]:
    """Every variable the connector files read with ${env:NAME}: the worker's allow list."""
    names: set[str] = set()
    for path in connector_files(directory):
        names.update(re.findall(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}", path.read_text(encoding="utf-8")))
    return names
