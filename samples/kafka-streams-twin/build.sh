#!/usr/bin/env bash
# Builds the Kafka Streams twin of `make bench-kafka-streams` (samples/kafka-streams-twin/src)
# into .cache/kafka-streams/:
#   1. once (again when pom.xml changes): Maven fetches Apache Kafka Streams and its
#      dependencies (pom.xml) into .cache/kafka-streams/libs/;
#   2. when a source is newer than the classes: javac (Java 17) compiles src/ against them.
# Progress and errors go to stderr. The steps are samples/common/javaTwinBuild.sh's.
#
# Environment (optional): KSTWIN_MVN_TIMEOUT  seconds the Maven fetch may take (default 900).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
NAME="kafka-streams-twin/build.sh"
POM="$SCRIPT_DIR/pom.xml"
SRC_DIR="$SCRIPT_DIR/src"
# The physical path: worktrees share one cache through a `.cache` link.
mkdir -p "$REPO_ROOT/.cache"
CACHE_DIR="$(cd "$REPO_ROOT/.cache" && pwd -P)/kafka-streams"
MARKER_JAR="kafka-streams-*.jar"
ARTIFACTS="Apache Kafka Streams $(sed -n 's:.*<kafka.streams.version>\(.*\)</kafka.streams.version>.*:\1:p' "$POM" | head -n1) (org.apache.kafka:kafka-streams)"
MVN_TIMEOUT="${KSTWIN_MVN_TIMEOUT:-900}"
TIMEOUT_VARIABLE="KSTWIN_MVN_TIMEOUT"
JAVAC="javac"

# shellcheck source=../common/javaTwinBuild.sh
source "$SCRIPT_DIR/../common/javaTwinBuild.sh"
fetch_jars
compile_twins
