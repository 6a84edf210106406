#!/usr/bin/env bash
# Builds the Flink twins of `make bench-flink` (samples/flink-twins/src) into .cache/flink/:
#   1. once (again when pom.xml changes): Maven fetches Apache Flink's DataStream API, its
#      local MiniCluster and their runtime dependencies (pom.xml) into .cache/flink/libs/;
#   2. when a source is newer than the classes: javac (Java 17) compiles src/ against them.
# Progress and errors go to stderr. The steps are samples/common/javaTwinBuild.sh's.
#
# Environment (optional): FLINK_MVN_TIMEOUT  seconds the Maven fetch may take (default 900);
#                         FLINK_TWINS_JAVAC  javac to use (default: javac on PATH).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
NAME="flink-twins/build.sh"
POM="$SCRIPT_DIR/pom.xml"
SRC_DIR="$SCRIPT_DIR/src"
# The physical path: worktrees share one cache through a `.cache` link.
mkdir -p "$REPO_ROOT/.cache"
CACHE_DIR="$(cd "$REPO_ROOT/.cache" && pwd -P)/flink"
FLINK_VERSION="$(sed -n 's:.*<flink.version>\(.*\)</flink.version>.*:\1:p' "$POM" | head -n1)"
MARKER_JAR="flink-streaming-java-*.jar"
ARTIFACTS="Apache Flink $FLINK_VERSION (org.apache.flink:flink-streaming-java and flink-clients)"
MVN_TIMEOUT="${FLINK_MVN_TIMEOUT:-900}"
TIMEOUT_VARIABLE="FLINK_MVN_TIMEOUT"
JAVAC="${FLINK_TWINS_JAVAC:-javac}"

# shellcheck source=../common/javaTwinBuild.sh
source "$SCRIPT_DIR/../common/javaTwinBuild.sh"
fetch_jars
compile_twins
