#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests that run the ledger on PostgreSQL (issue 17 §3):
#   throwaway_postgres.sh start URI_FILE   initdb + start in a new /tmp folder, listening on a Unix
#                                          socket only; writes the server's URI to URI_FILE
#   throwaway_postgres.sh stop URI_FILE    stops it and removes the folder and URI_FILE
# PostgreSQL refuses to run as root, so under root the server runs as `nobody`. fsync is off: the
# tests kill clients, not the machine, and a throwaway cluster need not survive a power cut.
# THROWAWAY_POSTGRES_FSYNC=on keeps it on, for benchmarks that compare durable commits.
set -euo pipefail
action=${1:?start or stop}
uri_file=${2:?the file that holds the server URI}

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ] || [ ! -x "$bin/pg_ctl" ]; then
  echo "throwaway_postgres: no PostgreSQL server under /usr/lib/postgresql (deployments/install-deps.sh --tests installs it)" >&2
  exit 1
fi
as_server=()
[ "$(id -u)" -eq 0 ] && as_server=(runuser -u nobody --)

case $action in
  start)
    # A start after a start without a stop (ctest --repeat reruns the fixture) replaces the server
    # the URI file names instead of leaving it running.
    [ -f "$uri_file" ] && bash "${BASH_SOURCE[0]}" stop "$uri_file" >/dev/null
    dir=$(mktemp -d /tmp/seedgrid-postgres.XXXXXX)
    chmod 755 "$dir"
    [ ${#as_server[@]} -gt 0 ] && chown nobody "$dir"
    "${as_server[@]}" "$bin/initdb" -D "$dir/data" -U seedgrid -A trust -E UTF8 --locale=C \
      --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    "${as_server[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses='' -k $dir -c fsync=${THROWAWAY_POSTGRES_FSYNC:-off} -c max_connections=200" start >/dev/null ||
      { cat "$dir/server.log" >&2; exit 1; }
    echo "postgresql:///postgres?host=$dir&user=seedgrid" >"$uri_file"
    echo "throwaway_postgres: started in $dir"
    ;;
  stop)
    [ -f "$uri_file" ] || exit 0
    dir=$(sed -n 's/.*host=\([^&]*\).*/\1/p' "$uri_file")
    case $dir in /tmp/seedgrid-postgres.*) ;; *) echo "throwaway_postgres: unexpected folder '$dir' in $uri_file" >&2; exit 1 ;; esac
    "${as_server[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir" "$uri_file"
    echo "throwaway_postgres: stopped and removed $dir"
    ;;
  *) echo "throwaway_postgres: unknown action '$action' (start or stop)" >&2; exit 2 ;;
esac
