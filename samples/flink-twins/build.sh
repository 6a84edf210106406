#!/usr/bin/env bash
# Builds the Flink twins of `make bench-flink` (samples/flink-twins/src):
#   1. once per content of pom.xml: Maven fetches Apache Flink's DataStream API, its local
#      MiniCluster, RocksDB state, Flink SQL and their runtime dependencies into
#      .cache/flink/libs-<first 12 hex digits of pom.xml's SHA-256>/ (flinkCommand.ts finds
#      them the same way): worktrees share .cache, and one whose pom differs fetches its own
#      jars beside the others' instead of replacing them;
#   2. when a source is newer than the classes: javac (Java 17) compiles src/ against them into
#      build/flink-twins/classes (in the worktree: each compiles its own sources).
# Progress and errors go to stderr.
#
# Environment (optional): FLINK_MVN_TIMEOUT  seconds the Maven fetch may take (default 900);
#                         FLINK_TWINS_JAVAC  javac to use (default: javac on PATH).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
POM="$SCRIPT_DIR/pom.xml"
SRC_DIR="$SCRIPT_DIR/src"
# The physical path: worktrees share one cache through a `.cache` link.
mkdir -p "$REPO_ROOT/.cache"
CACHE_DIR="$(cd "$REPO_ROOT/.cache" && pwd -P)/flink"
POM_SHA="$(sha256sum "$POM" | cut -d' ' -f1)"
LIBS_DIR="$CACHE_DIR/libs-${POM_SHA:0:12}"
LIBS_STAMP="$LIBS_DIR/.pom.sha256"
CLASSES_DIR="$REPO_ROOT/build/flink-twins/classes"
MVN_TIMEOUT="${FLINK_MVN_TIMEOUT:-900}"
JAVAC="${FLINK_TWINS_JAVAC:-javac}"

log() { printf 'flink-twins/build.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "'$1' is required but not found on PATH ($2)"; }

flink_version() { sed -n 's:.*<flink.version>\(.*\)</flink.version>.*:\1:p' "$POM" | head -n1; }

fetch_jars() {
  local want="$POM_SHA" have=""
  [[ -f "$LIBS_STAMP" ]] && have="$(cat "$LIBS_STAMP")"
  if [[ "$want" == "$have" ]] && compgen -G "$LIBS_DIR/flink-streaming-java-*.jar" >/dev/null; then
    return 0
  fi
  need mvn "Maven fetches the Flink jars"
  local version command mvn_dir
  version="$(flink_version)"
  log "fetching Apache Flink $version (org.apache.flink:flink-streaming-java, flink-clients, flink-statebackend-rocksdb and Flink SQL $version, with their dependencies) into $LIBS_DIR with Maven, once; at most $MVN_TIMEOUT s ..."
  mvn_dir="$CACHE_DIR/mvn-${POM_SHA:0:12}"
  command="mvn -B -f $mvn_dir/pom.xml dependency:copy-dependencies -DincludeScope=runtime"
  mkdir -p "$mvn_dir"
  cp "$POM" "$mvn_dir/pom.xml"
  local tmp="$CACHE_DIR/libs.tmp.$$"
  rm -rf "$tmp"
  local status=0
  # (sed strips the ANSI codes mvn 3.8 prints even in batch mode; pipefail keeps mvn's status)
  timeout "$MVN_TIMEOUT" mvn -q -B -Dstyle.color=never -f "$mvn_dir/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp" </dev/null 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2 || status=$?
  if [[ $status -ne 0 ]]; then
    rm -rf "$tmp"
    [[ $status -eq 124 ]] && die "\`$command\` took more than $MVN_TIMEOUT s (FLINK_MVN_TIMEOUT) fetching the Flink $version jars of $POM"
    die "\`$command\` failed (exit $status): Maven could not fetch the Flink $version jars of $POM (see its output above)"
  fi
  compgen -G "$tmp/flink-streaming-java-*.jar" >/dev/null || { rm -rf "$tmp"; die "\`$command\` fetched no org.apache.flink:flink-streaming-java:$version jar"; }
  echo "$want" >"$tmp/.pom.sha256"
  rm -rf "$LIBS_DIR"
  mv "$tmp" "$LIBS_DIR"
  log "fetched $(find "$LIBS_DIR" -name '*.jar' | wc -l) jars"
}

compile_twins() {
  local stamp="$CLASSES_DIR/.built"
  if [[ -f "$stamp" && -z "$(find "$SRC_DIR" "$LIBS_STAMP" -newer "$stamp" -print -quit)" ]]; then
    return 0
  fi
  need "$JAVAC" "Java 17's compiler builds the twins"
  log "compiling the twins in $SRC_DIR ..."
  rm -rf "$CLASSES_DIR"
  mkdir -p "$CLASSES_DIR"
  find "$SRC_DIR" -name '*.java' -print0 | xargs -0 "$JAVAC" --release 17 -Xlint:deprecation -d "$CLASSES_DIR" -cp "$LIBS_DIR/*" \
    || die "javac could not compile the twins in $SRC_DIR"
  touch "$stamp"
}

fetch_jars
compile_twins
