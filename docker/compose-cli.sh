#!/usr/bin/env bash
# Builds the Docker Compose v2 CLI plugin from the Go module proxy into .tools/docker/cli-plugins/,
# for machines with the docker client but no Compose plugin (and no Docker Hub): `docker compose
# config` validates docker-compose.yml without an engine. Prints the DOCKER_CONFIG to use.
#   DOCKER_CONFIG=$(docker/compose-cli.sh) docker compose config --quiet
# Compose's go.mod has exclude directives, so `go install pkg@version` refuses it: build from the
# module cache instead. The first build takes several minutes on 2 cores; later ones are cached.
set -euo pipefail
cd "$(dirname "$0")/.."

COMPOSE_VERSION=v2.40.3
config_dir=$PWD/.tools/docker
plugin=$config_dir/cli-plugins/docker-compose

if [[ -x $plugin ]] && "$plugin" version --short 2>/dev/null | grep -qx "${COMPOSE_VERSION#v}"; then
  echo "$config_dir"
  exit 0
fi
command -v go >/dev/null || { echo "error: Go is needed to build the Compose plugin (https://go.dev/doc/install)" >&2; exit 1; }

echo "building docker compose $COMPOSE_VERSION (first time: several minutes)" >&2
build_dir=$(mktemp -d)
trap 'rm -rf "$build_dir"' EXIT
module_dir=$(cd "$build_dir" && go mod init tmp >/dev/null 2>&1 \
  && go mod download -json "github.com/docker/compose/v2@$COMPOSE_VERSION" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')
[[ -d $module_dir ]] || { echo "error: could not download github.com/docker/compose/v2@$COMPOSE_VERSION" >&2; exit 1; }
rm -rf "$build_dir" && mkdir -p "$build_dir"
cp -r "$module_dir/." "$build_dir" && chmod -R u+w "$build_dir"
mkdir -p "$(dirname "$plugin")"
(cd "$build_dir" && go build -trimpath \
  -ldflags "-X github.com/docker/compose/v2/internal.Version=$COMPOSE_VERSION" -o "$plugin" ./cmd) >&2
echo "$config_dir"
