#!/usr/bin/env bash
# Builds the Flink twins of `make bench-flink` (samples/flink-twins/src):
#   1. once per content of pom.xml: Maven fetches Apache Flink's DataStream API, its local
#      MiniCluster, RocksDB state, Flink SQL and their runtime dependencies into
#      .cache/flink/libs-<first 12 hex digits of pom.xml's SHA-256>/ (flinkCommand.ts finds
#      them the same way): worktrees share .cache, and one whose pom differs fetches its own
#      jars beside the others' instead of replacing them;
#   2. when a source is newer than the classes: javac (Java 17) compiles src/ against them into
#      build/flink-twins/classes (in the worktree: each compiles its own sources).
# Progress and errors go to stderr. The steps are samples/common/javaTwinBuild.sh's.
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
NAME="flink-twins/build.sh"
LIBS_DIR="$CACHE_DIR/libs-${POM_SHA:0:12}"
MVN_DIR="$CACHE_DIR/mvn-${POM_SHA:0:12}"
CLASSES_DIR="$REPO_ROOT/build/flink-twins/classes"
MARKER_JAR="flink-streaming-java-*.jar"
ARTIFACTS="Apache Flink $(sed -n 's:.*<flink.version>\(.*\)</flink.version>.*:\1:p' "$POM" | head -n1) (org.apache.flink:flink-streaming-java, flink-clients, flink-statebackend-rocksdb and Flink SQL)"
MVN_TIMEOUT="${FLINK_MVN_TIMEOUT:-900}"
TIMEOUT_VARIABLE="FLINK_MVN_TIMEOUT"
JAVAC="${FLINK_TWINS_JAVAC:-javac}"

# shellcheck source=../common/javaTwinBuild.sh
source "$SCRIPT_DIR/../common/javaTwinBuild.sh"
fetch_jars
compile_twins
