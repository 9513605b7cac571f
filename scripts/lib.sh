# Shell functions shared by the run command (scripts/run.sh) and the test stack
# (tests/support/stack.sh): a private PostgreSQL cluster and Redis in a directory of ours,
# and the service processes. Sourced, not executed.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
SERVICES="policy cases customer orders"

die() { echo "error: $*" >&2; exit 1; }

# A TCP port nobody listens on (random, 20000-31999: outgoing connections never take those).
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 12000 )) # below the kernel's ephemeral range (32768+)
    if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "$p"; return 0; fi
  done
  die "no free port found"
}

port_open() { (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

# Waits until url answers 200 or the process with pid dies.
wait_http() {
  local url=$1 pid=$2 tries=${3:-200}
  for _ in $(seq 1 "$tries"); do
    curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null && return 0
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    sleep 0.1
  done
  return 1
}

# PostgreSQL runs as the postgres user (initdb refuses root): the data directory is theirs.
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_init() { # dir port
  local dir=$1 port=$2
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; fi
  chmod 700 "$dir"
  if [ ! -f "$dir/PG_VERSION" ]; then
    as_postgres "$PG_BIN/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir.initdb.log" 2>&1 \
      || { cat "$dir.initdb.log" >&2; die "initdb failed"; }
  fi
  cat > "$dir/postgresql.auto.conf" <<CONF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 200
shared_buffers = 128MB
fsync = ${PG_FSYNC:-on}
synchronous_commit = ${PG_SYNC_COMMIT:-on}
log_min_messages = warning
CONF
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir/postgresql.auto.conf"; fi
}

pg_start() { # dir
  as_postgres "$PG_BIN/pg_ctl" -D "$1" -l "$1/server.log" -w -t 60 start >/dev/null \
    || { tail -20 "$1/server.log" >&2; die "PostgreSQL did not start"; }
}

pg_stop() { # dir
  [ -f "$1/postmaster.pid" ] && as_postgres "$PG_BIN/pg_ctl" -D "$1" -m fast -w stop >/dev/null 2>&1
  return 0
}

psql_super() { # port args...
  local port=$1; shift
  PGOPTIONS="-c client_min_messages=warning" psql -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 -q "$@"
}

# Creates the database and one role + schema per name (deploy/db/bootstrap.sql).
db_bootstrap() { # port source_dir role...
  local port=$1 src=$2; shift 2
  psql_super "$port" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'claimsuite'" | grep -q 1 \
    || psql_super "$port" -d postgres -c "CREATE DATABASE claimsuite"
  for role in "$@"; do
    psql_super "$port" -d claimsuite -v role="$role" -v password="$role" -f "$src/deploy/db/bootstrap.sql" >/dev/null
  done
}

# A secret of n random characters into file (made once: an existing file is kept).
secret_file() { # file n
  [ -s "$1" ] && return 0
  (umask 077; head -c 256 /dev/urandom | base64 -w0 | tr -d '/+=' | head -c "$2" > "$1")
}

# Redis with one ACL user, "claimsuite", whose password is the content of password-file: the
# services publish and subscribe on the event channels, and the gateway keeps its rate-limit
# buckets (keys claimsuite:ratelimit:*, through its one script); nothing else. The default user
# is off, so nobody without the password gets in.
redis_start() { # dir port password-file
  mkdir -p "$1"
  (umask 077; printf 'user default off\nuser claimsuite on >%s resetchannels &claimsuite.events.* resetkeys ~claimsuite:ratelimit:* -@all +@connection +publish +subscribe +unsubscribe +evalsha +script|load +get +set +time\n' \
    "$(cat "$3")" > "$1/users.acl")
  redis-server --port "$2" --bind 127.0.0.1 --dir "$1" --daemonize yes --pidfile "$1/redis.pid" \
    --aclfile "$1/users.acl" --logfile "$1/redis.log" --save "" --appendonly no >/dev/null \
    || die "Redis did not start"
  for _ in $(seq 1 100); do
    REDISCLI_AUTH=$(cat "$3") redis-cli --user claimsuite -p "$2" ping 2>/dev/null | grep -q PONG && return 0
    sleep 0.05
  done
  die "Redis did not answer on port $2"
}

redis_stop() { # dir
  local pid
  pid=$(cat "$1/redis.pid" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null || return 0 # SIGTERM: a shutdown that saves nothing
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.05; done
}

# Starts one binary in the background with the environment given as NAME=value arguments;
# its pid goes to piddir/name.pid and its output to logdir/name.log. It gets a session of its
# own, so a Ctrl-C reaches only the script, which then stops everything in order.
start_process() { # name piddir logdir binary env...
  local name=$1 piddir=$2 logdir=$3 bin=$4; shift 4
  mkdir -p "$piddir" "$logdir"
  setsid env "$@" "$bin" >>"$logdir/$name.log" 2>&1 < /dev/null &
  echo $! > "$piddir/$name.pid"
}

# Stops the processes whose pid files are in piddir (only those we started), TERM then KILL.
stop_processes() { # piddir
  local f pid
  for f in "$1"/*.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    kill -TERM "$pid" 2>/dev/null
  done
  for f in "$1"/*.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    rm -f "$f"
  done
}
