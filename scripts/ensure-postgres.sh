#!/usr/bin/env bash
# Start the local PostgreSQL cluster if it is not running and make sure the test role and database
# exist. Prints nothing on success; the tests skip PostgreSQL (with a visible reason) if this fails.
set -uo pipefail
command -v pg_lsclusters >/dev/null || { echo "ensure-postgres: PostgreSQL is not installed" >&2; exit 1; }
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
cluster=$(pg_lsclusters --no-header 2>/dev/null | head -n1)
if [ -z "$cluster" ]; then
  ver=$(ls /usr/lib/postgresql | sort -n | tail -n1)
  $SUDO pg_createcluster "$ver" main >/dev/null
  cluster=$(pg_lsclusters --no-header | head -n1)
fi
read -r ver name port status _ <<<"$cluster"
if [ "$status" != "online" ]; then
  $SUDO pg_ctlcluster "$ver" "$name" start || { echo "ensure-postgres: cannot start cluster" >&2; exit 1; }
fi
for _ in $(seq 1 30); do pg_isready -q -p "$port" && break; sleep 0.5; done
as_pg() { if [ "$(id -u)" -eq 0 ]; then su postgres -c "$1"; else sudo -u postgres sh -c "$1"; fi; }
as_pg "psql -p $port -tAc \"SELECT 1 FROM pg_roles WHERE rolname='anjuan'\"" | grep -q 1 \
  || as_pg "psql -p $port -qc \"CREATE ROLE anjuan LOGIN PASSWORD 'anjuan' CREATEDB\""
as_pg "psql -p $port -tAc \"SELECT 1 FROM pg_database WHERE datname='anjuan_test'\"" | grep -q 1 \
  || as_pg "createdb -p $port -O anjuan anjuan_test"
exit 0
