#!/usr/bin/env bash
# Real single-node Apache Kafka broker (KRaft, combined broker+controller) for tests.
#
#   specs/services/kafka.sh start    fetch jars (once), start the broker in the background if it
#                                    is not running, wait until it serves clients; the LAST line
#                                    of stdout is the bootstrap address 127.0.0.1:PORT
#   specs/services/kafka.sh stop     stop the broker started by this script (waits until gone)
#   specs/services/kafka.sh status   print state; exit 0 if running and serving, non-zero if not
#   specs/services/kafka.sh address  print the bootstrap address if running (exit 1 if not)
#   specs/services/kafka.sh restart [SECONDS]
#                                    stop the broker, stay down SECONDS (default 0), start it
#                                    again on the same ports with the same log dir (topics,
#                                    offsets and transactions kept); the LAST line of stdout is
#                                    the address, as for start
#
# Jars: Maven artifact org.apache.kafka:kafka_2.13 (version in specs/services/kafka/pom.xml)
# plus runtime dependencies, copied once into <repo>/.cache/kafka/libs/.
# State (pid, ports, config, data, logs): <repo>/.cache/kafka/run/, or KAFKA_RUN_DIR.
# Only the address goes to stdout; progress and errors go to stderr.
#
# Environment (all optional):
#   KAFKA_JAVA           java executable to run Kafka with (default: `java` on PATH; Kafka 3.9
#                        supports Java 8-21)
#   KAFKA_HEAP_OPTS      JVM heap options (default: -Xms64m -Xmx384m)
#   KAFKA_JVM_OPTS       other JVM options (default: G1 + C1-only JIT, which starts ~1.5 s faster;
#                        set to "-XX:+UseG1GC" for full JIT when a test pushes a lot of data)
#   KAFKA_START_TIMEOUT  seconds to wait for the broker to serve clients (default: 90)
#   KAFKA_RUN_DIR        state folder of the instance (default: <repo>/.cache/kafka/run). Another
#                        folder is another broker: a test that restarts or kills a broker runs
#                        its own private one this way and leaves the shared one alone.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
CONF_DIR="$SCRIPT_DIR/kafka"
POM="$CONF_DIR/pom.xml"
LOG4J="$CONF_DIR/log4j.properties"

# The physical path: worktrees share one cache through a `.cache` link, and a broker is known by
# the path of its config in its command line, so every worktree must name it the same way.
if [[ -d "$REPO_ROOT/.cache" ]]; then
  CACHE_DIR="$(cd "$REPO_ROOT/.cache" && pwd -P)/kafka"
else
  CACHE_DIR="$REPO_ROOT/.cache/kafka"
fi
LIBS_DIR="$CACHE_DIR/libs"
LIBS_STAMP="$LIBS_DIR/.pom.sha256"
MVN_DIR="$CACHE_DIR/mvn"
RUN_DIR="${KAFKA_RUN_DIR:-$CACHE_DIR/run}"
PID_FILE="$RUN_DIR/kafka.pid"
PORT_FILE="$RUN_DIR/port"
CTRL_PORT_FILE="$RUN_DIR/controller.port"
ADDR_FILE="$RUN_DIR/address"
PROPS_FILE="$RUN_DIR/server.properties"
DATA_DIR="$RUN_DIR/data"
LOGS_DIR="$RUN_DIR/logs"
LOCK_FILE="$RUN_DIR/.lock"

JAVA="${KAFKA_JAVA:-java}"
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms64m -Xmx384m}"
JVM_OPTS="${KAFKA_JVM_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:TieredStopAtLevel=1}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
STOP_TIMEOUT=30
NODE_ID=1

log() { printf 'kafka.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

need() { command -v "$1" >/dev/null 2>&1 || die "'$1' is required but not found on PATH"; }

# Serialize start/stop (and concurrent starts from parallel test runners).
take_lock() {
  mkdir -p "$RUN_DIR"
  exec 9>"$LOCK_FILE"
  flock -w 600 9 || die "timed out waiting for lock $LOCK_FILE"
}

kafka_version() {
  sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -n1
}

# ---------------------------------------------------------------------------------------------
# Jars
# ---------------------------------------------------------------------------------------------
ensure_jars() {
  local want have=""
  want="$(sha256sum "$POM" | cut -d' ' -f1)"
  [[ -f "$LIBS_STAMP" ]] && have="$(cat "$LIBS_STAMP")"
  if [[ "$want" == "$have" ]] && compgen -G "$LIBS_DIR/kafka_2.13-*.jar" >/dev/null; then
    return 0
  fi
  need mvn
  log "fetching Apache Kafka $(kafka_version) jars with Maven into $LIBS_DIR (once) ..."
  mkdir -p "$MVN_DIR"
  cp "$POM" "$MVN_DIR/pom.xml"
  local tmp="$CACHE_DIR/libs.tmp.$$"
  rm -rf "$tmp"
  # (sed strips the ANSI codes mvn 3.8 prints even in batch mode; pipefail keeps mvn's status)
  if ! mvn -q -B -Dstyle.color=never -f "$MVN_DIR/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$tmp" </dev/null 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2; then
    rm -rf "$tmp"
    die "Maven could not fetch the Kafka jars (see the output above)"
  fi
  compgen -G "$tmp/kafka_2.13-*.jar" >/dev/null || { rm -rf "$tmp"; die "no kafka_2.13 jar was fetched"; }
  echo "$want" >"$tmp/.pom.sha256"
  rm -rf "$LIBS_DIR"
  mv "$tmp" "$LIBS_DIR"
  log "fetched $(find "$LIBS_DIR" -name '*.jar' | wc -l) jars"
}

# ---------------------------------------------------------------------------------------------
# Process state
# ---------------------------------------------------------------------------------------------
read_pid() { [[ -f "$PID_FILE" ]] && tr -dc '0-9' <"$PID_FILE" || true; }

# True if the pid in PID_FILE is alive and really is our broker (guards against pid reuse).
is_running() {
  local pid
  pid="$(read_pid)"
  [[ -n "$pid" ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 0 # no procfs: trust kill -0
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "kafka.Kafka $PROPS_FILE"
}

read_address() { [[ -f "$ADDR_FILE" ]] && cat "$ADDR_FILE"; }

# Real Kafka Metadata (v1) request: succeeds only once the broker answers clients AND lists
# itself as an (unfenced) live broker and a controller is known.
probe() { # probe PORT
  python3 - "$1" "$NODE_ID" <<'PY'
import socket, struct, sys
port, node_id = int(sys.argv[1]), int(sys.argv[2])
def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed")
        buf += chunk
    return buf
try:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.settimeout(2)
        client = b"kafka.sh-probe"
        # header v1: api_key=3 (Metadata), api_version=1, correlation_id, client_id
        # body v1: topics = null (-1) -> all topics
        req = struct.pack(">hhih", 3, 1, 4242, len(client)) + client + struct.pack(">i", -1)
        s.sendall(struct.pack(">i", len(req)) + req)
        (size,) = struct.unpack(">i", recv_exact(s, 4))
        body = recv_exact(s, size)
    off = 0
    def take(fmt):
        global off
        v = struct.unpack_from(fmt, body, off)
        off += struct.calcsize(fmt)
        return v[0]
    def take_str():
        global off
        n = take(">h")
        if n < 0:
            return None
        v = body[off:off + n].decode()
        off += n
        return v
    if take(">i") != 4242:
        sys.exit(1)
    brokers = []
    for _ in range(take(">i")):
        nid = take(">i"); host = take_str(); bport = take(">i"); take_str()
        brokers.append((nid, bport))
    controller = take(">i")
    sys.exit(0 if (node_id, port) in brokers and controller >= 0 else 1)
except Exception:
    sys.exit(1)
PY
}

wait_ready() { # wait_ready PID PORT -> 0 ready, 1 process died, 2 timeout
  local pid="$1" port="$2" deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    kill -0 "$pid" 2>/dev/null || return 1
    probe "$port" && return 0
    sleep 0.2
  done
  return 2
}

free_ports() { # prints two distinct free loopback ports
  python3 - <<'PY'
import socket
socks = []
for _ in range(2):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()
PY
}

new_cluster_id() {
  python3 -c 'import base64, uuid; print(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))'
}

write_props() { # write_props PORT CTRL_PORT
  cat >"$PROPS_FILE" <<EOF
# Generated by specs/services/kafka.sh - single-node KRaft broker+controller for tests.
process.roles=broker,controller
node.id=$NODE_ID
controller.quorum.voters=$NODE_ID@127.0.0.1:$2
listeners=PLAINTEXT://127.0.0.1:$1,CONTROLLER://127.0.0.1:$2
advertised.listeners=PLAINTEXT://127.0.0.1:$1
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$DATA_DIR

num.partitions=1
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0

num.network.threads=2
num.io.threads=4
background.threads=4
log.retention.hours=24
log.segment.bytes=67108864
EOF
}

# Fills the array JAVA_CMD with a java command line for MAINCLASS ARGS... (logging to LOGS_DIR).
java_cmd() {
  local -a opts
  read -r -a opts <<<"$HEAP_OPTS $JVM_OPTS"
  JAVA_CMD=("$JAVA" "${opts[@]}" -Djava.awt.headless=true
    -Dkafka.logs.dir="$LOGS_DIR" -Dlog4j.configuration="file:$LOG4J" -cp "$LIBS_DIR/*" "$@")
}

# Starts one broker on a freshly formatted log dir; returns 0 ready, 1 died, 2 timeout. Leaves
# pid/ports/address in RUN_DIR.
launch_once() {
  local ports port ctrl_port
  ports="$(free_ports)"
  port="${ports% *}"
  ctrl_port="${ports#* }"

  rm -rf "$DATA_DIR" "$LOGS_DIR"
  rm -f "$PID_FILE" "$ADDR_FILE" "$PORT_FILE" "$CTRL_PORT_FILE"
  mkdir -p "$DATA_DIR" "$LOGS_DIR"
  write_props "$port" "$ctrl_port"

  # One argument with '=': a random id may begin with '-', which the tool's parser takes for an option.
  java_cmd kafka.tools.StorageTool format "--cluster-id=$(new_cluster_id)" -c "$PROPS_FILE"
  if ! "${JAVA_CMD[@]}" >"$LOGS_DIR/format.log" 2>&1 </dev/null 9>&-; then
    cat "$LOGS_DIR/format.log" >&2
    die "formatting the KRaft log dir failed"
  fi

  echo "$port" >"$PORT_FILE"
  echo "$ctrl_port" >"$CTRL_PORT_FILE"
  launch_broker "$port"
}

# Starts the broker of PROPS_FILE (its log dir formatted already) on PORT; returns 0 ready,
# 1 died, 2 timeout.
launch_broker() { # launch_broker PORT
  local port="$1" pid rc
  rm -f "$PID_FILE"
  echo "127.0.0.1:$port" >"$ADDR_FILE"

  # Own session (setsid) so the broker outlives the caller's terminal/process group; it must not
  # inherit our stdout/stderr (callers use $(...)) nor the lock fd 9.
  # The inner shell writes its own pid, then execs java with that same pid.
  java_cmd kafka.Kafka "$PROPS_FILE"
  setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$PID_FILE" "${JAVA_CMD[@]}" \
    >>"$LOGS_DIR/stdout.log" 2>&1 </dev/null 9>&- &

  local waited=0
  while [[ ! -s "$PID_FILE" ]] && ((waited < 100)); do sleep 0.05; waited=$((waited + 1)); done
  pid="$(read_pid)"
  [[ -n "$pid" ]] || return 1

  rc=0
  wait_ready "$pid" "$port" || rc=$?
  return "$rc"
}

# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------
cmd_start() {
  need python3
  need flock
  need setsid
  command -v "$JAVA" >/dev/null 2>&1 || die "java not found (set KAFKA_JAVA)"
  take_lock

  if is_running; then
    local pid port rc=0
    pid="$(read_pid)"
    port="$(cat "$PORT_FILE")"
    wait_ready "$pid" "$port" || rc=$?
    if ((rc == 0)); then
      read_address
      return 0
    fi
    log "broker pid $pid is running but not answering on $port; restarting it"
    stop_locked
  fi

  ensure_jars

  local attempt rc
  for attempt in 1 2 3; do
    rc=0
    launch_once || rc=$?
    if ((rc == 0)); then
      read_address
      return 0
    fi
    if ((rc == 1)) && grep -qs 'Address already in use' "$LOGS_DIR/server.log" "$LOGS_DIR/stdout.log"; then
      log "port clash, retrying with other ports (attempt $attempt)"
      stop_locked
      continue
    fi
    break
  done

  log "broker did not become ready (rc=$rc); last log lines:"
  tail -n 40 "$LOGS_DIR/stdout.log" >&2 2>/dev/null || true
  tail -n 40 "$LOGS_DIR/server.log" >&2 2>/dev/null || true
  stop_locked
  die "Kafka failed to start (logs in $LOGS_DIR)"
}

stop_locked() {
  local pid
  pid="$(read_pid)"
  if is_running; then
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + STOP_TIMEOUT))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      log "broker pid $pid did not stop within ${STOP_TIMEOUT}s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    fi
  fi
  rm -f "$PID_FILE" "$ADDR_FILE"
}

cmd_stop() {
  need flock
  take_lock
  if is_running; then
    local pid
    pid="$(read_pid)"
    stop_locked
    log "stopped (pid $pid)"
  else
    rm -f "$PID_FILE" "$ADDR_FILE"
    log "not running"
  fi
}

# Same ports, same log dir: clients keep their bootstrap address, and topics, committed
# offsets and transactions survive, as they do when a production broker restarts.
cmd_restart() {
  need python3
  need flock
  need setsid
  take_lock
  if [[ ! -f "$PROPS_FILE" || ! -f "$PORT_FILE" || ! -d "$DATA_DIR" ]]; then
    die "no broker to restart in $RUN_DIR: start one first"
  fi
  local down="${1:-0}"
  [[ "$down" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "restart: SECONDS must be a number, got '$down'"
  stop_locked
  sleep "$down"
  local port rc=0
  port="$(cat "$PORT_FILE")"
  launch_broker "$port" || rc=$?
  if ((rc == 0)); then
    read_address
    return 0
  fi
  log "broker did not come back (rc=$rc); last log lines:"
  tail -n 40 "$LOGS_DIR/stdout.log" >&2 2>/dev/null || true
  tail -n 40 "$LOGS_DIR/server.log" >&2 2>/dev/null || true
  stop_locked
  die "Kafka failed to restart (logs in $LOGS_DIR)"
}

cmd_status() {
  if is_running; then
    local pid port addr
    pid="$(read_pid)"
    port="$(cat "$PORT_FILE" 2>/dev/null || true)"
    addr="$(read_address || true)"
    if [[ -n "$port" ]] && probe "$port"; then
      echo "kafka: running at $addr (pid $pid, Kafka $(kafka_version))"
      return 0
    fi
    echo "kafka: process $pid alive but not serving clients at $addr (starting or broken; logs in $LOGS_DIR)"
    return 1
  fi
  echo "kafka: not running"
  return 3
}

cmd_address() {
  if is_running && [[ -f "$ADDR_FILE" ]]; then
    read_address
    return 0
  fi
  log "not running"
  return 1
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  address) cmd_address ;;
  restart) cmd_restart "${2:-0}" ;;
  *)
    echo "usage: $0 start|stop|status|address|restart [SECONDS]" >&2
    exit 2
    ;;
esac
