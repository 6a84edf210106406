#!/usr/bin/env bash
# `make run-kafka`: runs the example (build/samples/kafka-windows/main.js) against the project's
# Kafka broker (specs/services/kafka.sh). When no broker runs, it starts one and stops it
# afterwards; a broker that was already running is left running.
#
# While it runs it holds a lease in .cache/kafka/leases (a file named after its pid), as the
# spec suite does (specs/support/kafkaService.ts): a suite that started the shared broker does
# not stop it under this run, and this run does not stop a broker it started while a suite
# holds a lease on it. With KAFKA_RUN_DIR (a private broker, see specs/services/README.md) no
# one else uses the broker: no lease.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
kafka=specs/services/kafka.sh

state=0
"$kafka" status >/dev/null 2>&1 || state=$?
# 3: not running (1 is a process that does not serve yet: someone else's start, not ours to stop).
started_here=false
[[ $state -eq 3 ]] && started_here=true

leases=""
if [[ -z "${KAFKA_RUN_DIR:-}" ]]; then
  mkdir -p .cache/kafka/leases
  leases="$(cd .cache/kafka/leases && pwd -P)"
  date -u +%FT%TZ >"$leases/$$"
fi

# True when another live process holds a lease on the shared broker.
others_hold_leases() {
  [[ -n "$leases" ]] || return 1
  local f pid
  for f in "$leases"/*; do
    [[ -e "$f" ]] || continue
    pid=$(basename "$f")
    [[ "$pid" == "$$" ]] && continue
    [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && return 0
  done
  return 1
}

finish() {
  local rc=$?
  [[ -n "$leases" ]] && rm -f "$leases/$$"
  if $started_here; then
    if others_hold_leases; then
      echo "run-kafka: the broker started here stays up: another process uses it" >&2
    else
      echo "run-kafka: stopping the broker started here" >&2
      "$kafka" stop >/dev/null
    fi
  fi
  exit $rc
}
trap finish EXIT

if $started_here; then echo "run-kafka: no Kafka broker running: starting one (specs/services/kafka.sh start)" >&2; fi
started=$(date +%s.%N)
bootstrap=$("$kafka" start | tail -n1)
if $started_here; then
  echo "run-kafka: broker up at $bootstrap in $(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s" >&2
fi
node build/samples/kafka-windows/main.js "$bootstrap"
