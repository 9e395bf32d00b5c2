#!/usr/bin/env bash
# Make sure PostgreSQL's server binaries are installed (from Debian packages) so the test suite
# can start its own throw-away server on loopback. The tests start and stop that server
# themselves; this script only installs.
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "PostgreSQL is not installed and this user cannot install it: run 'apt-get install postgresql' as root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends postgresql >/dev/null
