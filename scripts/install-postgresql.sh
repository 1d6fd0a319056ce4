#!/usr/bin/env bash
# Debian's PostgreSQL server binaries for the scenario store's tests (the tests start a
# throwaway server of their own, scripts/postgres_server.py). A no-op when already installed.
set -euo pipefail
if compgen -G "/usr/lib/postgresql/*/bin/initdb" > /dev/null; then exit 0; fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q postgresql
