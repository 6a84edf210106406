# The Maven fetch and javac steps of a Java twin's build.sh (samples/kafka-streams-twin and
# samples/flink-twins use it); sourced, not run. The caller sets, then calls fetch_jars and
# compile_twins:
#   NAME         log prefix (`kafka-streams-twin/build.sh`)
#   POM SRC_DIR  its pom.xml and its Java sources
#   CACHE_DIR    where libs/ (the jars) and classes/ go, under the repository's .cache
#   MARKER_JAR   a jar that must be among those fetched (`flink-streaming-java-*.jar`)
#   ARTIFACTS    what the pom fetches, for messages (`org.apache.flink:flink-clients:2.3.0`)
#   MVN_TIMEOUT  seconds the Maven fetch may take;  TIMEOUT_VARIABLE  the variable that sets it
#   JAVAC        the compiler
# and may set, where the defaults under CACHE_DIR do not fit (flink-twins keeps jars per pom
# content, so worktrees with different poms do not replace each other's, and classes per tree):
#   LIBS_DIR (CACHE_DIR/libs)  MVN_DIR (CACHE_DIR/mvn)  CLASSES_DIR (CACHE_DIR/classes)
# Jars are fetched again only when the pom changes, classes rebuilt when a source is newer.
LIBS_DIR="${LIBS_DIR:-$CACHE_DIR/libs}"
MVN_DIR="${MVN_DIR:-$CACHE_DIR/mvn}"
CLASSES_DIR="${CLASSES_DIR:-$CACHE_DIR/classes}"
LIBS_STAMP="$LIBS_DIR/.pom.sha256"

log() { printf '%s: %s\n' "$NAME" "$*" >&2; }
die() { log "error: $*"; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "'$1' is required but not found on PATH ($2)"; }

fetch_jars() {
  local want have=""
  want="$(sha256sum "$POM" | cut -d' ' -f1)"
  [[ -f "$LIBS_STAMP" ]] && have="$(cat "$LIBS_STAMP")"
  if [[ "$want" == "$have" ]] && compgen -G "$LIBS_DIR/$MARKER_JAR" >/dev/null; then
    return 0
  fi
  need mvn "Maven fetches $ARTIFACTS"
  local command="mvn -B -f $MVN_DIR/pom.xml dependency:copy-dependencies -DincludeScope=runtime"
  log "fetching $ARTIFACTS, with their dependencies, into $LIBS_DIR with Maven, once; at most $MVN_TIMEOUT s ..."
  # The pom is copied under the cache, so Maven writes nothing into the source tree.
  mkdir -p "$MVN_DIR"
  cp "$POM" "$MVN_DIR/pom.xml"
  local tmp="$CACHE_DIR/libs.tmp.$$"
  rm -rf "$tmp"
  local status=0
  # (sed strips the ANSI codes mvn 3.8 prints even in batch mode; pipefail keeps mvn's status)
  timeout "$MVN_TIMEOUT" mvn -q -B -Dstyle.color=never -f "$MVN_DIR/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp" </dev/null 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2 || status=$?
  if [[ $status -ne 0 ]]; then
    rm -rf "$tmp"
    [[ $status -eq 124 ]] && die "\`$command\` took more than $MVN_TIMEOUT s ($TIMEOUT_VARIABLE) fetching $ARTIFACTS"
    die "\`$command\` failed (exit $status): Maven could not fetch $ARTIFACTS (see its output above)"
  fi
  compgen -G "$tmp/$MARKER_JAR" >/dev/null || { rm -rf "$tmp"; die "\`$command\` fetched no $MARKER_JAR"; }
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
