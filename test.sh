#!/usr/bin/env bash
# The whole test suite, from a clean clone: installs what the tests need (when root), starts a throwaway
# PostgreSQL and Redis on free loopback ports, runs `dotnet test` on the solution, stops what it started and ends
# with one line: "N passed, N failed, N skipped". Exit code is non-zero when anything failed.
# Extra arguments go to `dotnet test`, e.g. `./test.sh --filter "FullyQualifiedName~DoctorTests"`.
set -uo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf '[test.sh] %s\n' "$*" >&2; }

# --- 1. What the tests need from Debian ------------------------------------------------------------------------
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
missing=()
[ -n "$(pg_bin)" ] || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    log "installing ${missing[*]} (apt-get)"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >/tmp/passerelle-apt.log 2>&1; then
      log "apt-get failed (see /tmp/passerelle-apt.log); tests that need ${missing[*]} will skip"
    fi
  else
    log "not root: cannot install ${missing[*]}; tests that need them will skip"
  fi
fi

# --- 2. Throwaway services on free loopback ports --------------------------------------------------------------
work=$(mktemp -d /tmp/passerelle-test.XXXXXX)
chmod 755 "$work"
pg_started=""
redis_pid=""
cleanup() {
  # A test host killed mid-run (the hang guard, Ctrl-C) leaves the servers and sandboxes it started behind.
  if pkill -f "$PWD/tests/[^ ]*/bin/[^ ]*/Passerelle\.(Server|Sandbox)\.dll" 2>/dev/null; then log "stopped server or sandbox processes a test left behind"; fi
  if [ -n "$pg_started" ]; then as_pg "$(pg_bin)/pg_ctl" -D "$work/pg" -m immediate -w stop >/dev/null 2>&1; fi
  if [ -n "$redis_pid" ]; then kill "$redis_pid" 2>/dev/null; wait "$redis_pid" 2>/dev/null; fi
  if [ -f "$work/redis.pid" ]; then kill "$(cat "$work/redis.pid")" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$(( 20000 + RANDOM % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  return 1
}

# initdb refuses to run as root, so PostgreSQL runs as the postgres user when we are root.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [ -n "$(pg_bin)" ] && { [ "$(id -u)" != 0 ] || id postgres >/dev/null 2>&1; }; then
  pg_port=$(free_port)
  mkdir -p "$work/pg" && { [ "$(id -u)" != 0 ] || chown postgres "$work/pg"; }
  pg_opts="-p $pg_port -c listen_addresses=127.0.0.1 -k $work/pg -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
  if as_pg "$(pg_bin)/initdb" -D "$work/pg" -U postgres -A trust --no-sync -E UTF8 >"$work/initdb.log" 2>&1 \
     && as_pg "$(pg_bin)/pg_ctl" -D "$work/pg" -w -t 60 -l "$work/pg/server.log" -o "$pg_opts" start >/dev/null 2>&1; then
    pg_started=1
    export PASSERELLE_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres"
    # The chaos harness stops and starts this PostgreSQL under load (`pg-control stop|start`).
    cat >"$work/pg-control" <<EOF
#!/usr/bin/env bash
run() { if [ "\$(id -u)" = 0 ]; then runuser -u postgres -- "\$@"; else "\$@"; fi; }
case "\$1" in
  stop) run "$(pg_bin)/pg_ctl" -D "$work/pg" -m fast -w stop >/dev/null ;;
  start) run "$(pg_bin)/pg_ctl" -D "$work/pg" -w -t 60 -l "$work/pg/server.log" -o "$pg_opts" start >/dev/null ;;
  *) echo "usage: \$0 stop|start" >&2; exit 2 ;;
esac
EOF
    chmod +x "$work/pg-control"
    export PASSERELLE_TEST_POSTGRES_CONTROL="$work/pg-control"
    log "PostgreSQL on 127.0.0.1:$pg_port"
  else
    log "PostgreSQL did not start (see $work/initdb.log); tests that need it will skip"
  fi
fi

if command -v redis-server >/dev/null 2>&1; then
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 1 50); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null; then break; fi
    sleep 0.1
  done
  export PASSERELLE_TEST_REDIS="127.0.0.1:$redis_port"
  # The chaos harness restarts this Redis under load (`redis-control stop|start`); a restarted one is daemonised.
  cat >"$work/redis-control" <<EOF
#!/usr/bin/env bash
case "\$1" in
  stop) redis-cli -p $redis_port shutdown nosave >/dev/null 2>&1 || kill "\$(cat "$work/redis.pid" 2>/dev/null || echo $redis_pid)" ;;
  start) redis-server --port $redis_port --bind 127.0.0.1 --save '' --appendonly no --dir "$work" --daemonize yes --pidfile "$work/redis.pid" >/dev/null ;;
  *) echo "usage: \$0 stop|start" >&2; exit 2 ;;
esac
EOF
  chmod +x "$work/redis-control"
  export PASSERELLE_TEST_REDIS_CONTROL="$work/redis-control"
  log "Redis on 127.0.0.1:$redis_port"
fi

if [ -x /usr/bin/chromium ]; then
  export PASSERELLE_TEST_CHROMIUM=/usr/bin/chromium
fi

# --- 3. The tests ------------------------------------------------------------------------------------------------
out="$work/dotnet-test.log"
# The chaos scenarios (tests/Passerelle.Chaos) each append a verdict line here; the table is printed at the end.
export PASSERELLE_CHAOS_VERDICTS="$work/chaos-verdicts.txt"
# One test assembly at a time (-m:1): several tests run against SR's real limits on the real clock, and the crash
# test kills a server process; two cores shared by four assemblies at once make that timing noise, not signal.
# A hung test is stopped after 10 minutes (a reduced chaos scenario takes up to 5); the chaos harness's full sizes (PASSERELLE_CHAOS_SIZE=full) run longer.
hang=10m; if [ "${PASSERELLE_CHAOS_SIZE:-}" = full ]; then hang=60m; fi
dotnet test Passerelle.slnx --nologo -m:1 --blame-hang-timeout "$hang" "$@" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}

passed=0; failed=0; skipped=0
while IFS= read -r line; do
  p=$(sed -nE 's/.*Passed: *([0-9]+).*/\1/p' <<<"$line"); passed=$(( passed + ${p:-0} ))
  f=$(sed -nE 's/.*Failed: *([0-9]+).*/\1/p' <<<"$line"); failed=$(( failed + ${f:-0} ))
  s=$(sed -nE 's/.*Skipped: *([0-9]+).*/\1/p' <<<"$line"); skipped=$(( skipped + ${s:-0} ))
done < <(grep -E '^[[:space:]]*(Passed|Failed)! ' "$out")

if [ -s "$PASSERELLE_CHAOS_VERDICTS" ]; then
  echo
  echo "Chaos scenarios:"
  printf '  %-28s %-7s %-8s %s\n' scenario verdict size figures
  while IFS='|' read -r scenario verdict size figures; do
    printf '  %-28s %-7s %-8s %s\n' "$scenario" "$verdict" "$size" "$figures"
  done < "$PASSERELLE_CHAOS_VERDICTS"
  echo
fi

# A build error or a crashed test host fails the run even when no test reported a failure.
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ]
