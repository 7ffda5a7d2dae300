# Finds a JDK 25 or newer: $JAVA_HOME first, then /usr/lib/jvm. Prints the java binary; fails with one sentence.
find_jdk25() {
  local cand v
  for cand in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
    [ -n "$cand" ] && [ -x "$cand/bin/java" ] && [ -x "$cand/bin/javac" ] || continue
    v="$("$cand/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
    if [ -n "$v" ] && [ "${v%%.*}" -ge 25 ] 2>/dev/null; then echo "$cand/bin/java"; return 0; fi
  done
  echo "flywheel: no JDK 25 or newer found (JAVA_HOME=${JAVA_HOME:-unset}, /usr/lib/jvm); install one (e.g. apt-get install temurin-25-jdk) or set JAVA_HOME to it." >&2
  return 1
}
