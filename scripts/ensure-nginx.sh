#!/usr/bin/env bash
# Make sure nginx is installed (from Debian packages): tests/integration/test_behind_nginx.py
# runs the documented reverse-proxy configuration (deploy/nginx/qbdsync.conf) in front of two
# nodes. The test starts its own nginx on loopback; the package's own service is left stopped.
set -euo pipefail
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "nginx is not installed and this user cannot install it: run 'apt-get install nginx-light' as root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# policy-rc.d 101: the package must not start nginx on port 80 of this machine.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  trap 'rm -f "$policy"' EXIT
fi
apt-get install -y -qq --no-install-recommends nginx-light >/dev/null 2>&1 || {
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends nginx-light >/dev/null
}
