#!/usr/bin/env bash
# Local Kafka (single-node KRaft broker from the kafka_2.13 Maven artifacts) and ClickHouse (clickhouse-server on
# PATH) as ordinary processes, with data under $FLYWHEEL_HOME (default: <repo>/.flywheel, git-ignored).
# Usage: services.sh up | down | status | env
# Ports: FLYWHEEL_KAFKA_PORT (19092), FLYWHEEL_KAFKA_CONTROLLER_PORT (19093), FLYWHEEL_CH_HTTP_PORT (18123),
#        FLYWHEEL_CH_TCP_PORT (19000). ClickHouse's allocator: FLYWHEEL_CH_MALLOC_CONF (thp:always, see clickhouse_up).
#        Every failure ends with one sentence saying what to do.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HOME_DIR="${FLYWHEEL_HOME:-$ROOT/.flywheel}"
KAFKA_PORT="${FLYWHEEL_KAFKA_PORT:-19092}"
KAFKA_CTRL_PORT="${FLYWHEEL_KAFKA_CONTROLLER_PORT:-19093}"
CH_HTTP_PORT="${FLYWHEEL_CH_HTTP_PORT:-18123}"
CH_TCP_PORT="${FLYWHEEL_CH_TCP_PORT:-19000}"
KDIR="$HOME_DIR/kafka"
CDIR="$HOME_DIR/clickhouse"

die() { echo "flywheel: $*" >&2; exit 1; }
say() { echo "flywheel: $*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_until() { # seconds, description, command...
  local deadline=$((SECONDS + $1)) what="$2"; shift 2
  until "$@"; do
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.3
  done
}

java_bin() {
  # shellcheck source=/dev/null
  source "$ROOT/infra/local/jdk.sh"
  find_jdk25
}

kafka_classpath() {
  local cp="$ROOT/infra/target/kafka.classpath"
  if [ ! -s "$cp" ]; then
    say "resolving the Kafka broker's classpath with Maven (once)..."
    (cd "$ROOT" && \
      JAVA_HOME="$(dirname "$(dirname "$(java_bin)")")" ./mvnw -q -pl infra generate-resources) \
      || die "could not resolve org.apache.kafka:kafka_2.13 with Maven; check access to Maven Central and rerun './run up'."
  fi
  cat "$cp"
}

kafka_up() {
  if alive "$KDIR/pid"; then say "Kafka already running on 127.0.0.1:$KAFKA_PORT (pid $(cat "$KDIR/pid"))"; return; fi
  for p in "$KAFKA_PORT" "$KAFKA_CTRL_PORT"; do
    port_open "$p" && die "port $p is in use by another process; free it or set FLYWHEEL_KAFKA_PORT / FLYWHEEL_KAFKA_CONTROLLER_PORT to free ports."
  done
  local java cp; java="$(java_bin)"; cp="$(kafka_classpath)"
  mkdir -p "$KDIR/data" "$KDIR/logs"
  cat > "$KDIR/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CTRL_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CTRL_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$KDIR/data
num.partitions=6
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.retention.hours=168
log.segment.bytes=268435456
PROPS
  cat > "$KDIR/log4j2.yaml" <<'LOG'
Configuration:
  Appenders:
    Console:
      name: STDOUT
      PatternLayout:
        Pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: WARN
      AppenderRef:
        - ref: STDOUT
    Logger:
      - name: kafka.server.KafkaRaftServer
        level: INFO
      - name: kafka.server.BrokerServer
        level: INFO
LOG
  local jopts=(-Xmx768m -XX:+UseG1GC "-Dlog4j2.configurationFile=$KDIR/log4j2.yaml" -cp "$cp")
  if [ ! -f "$KDIR/data/meta.properties" ]; then
    local id; id="$("$java" "${jopts[@]}" org.apache.kafka.tools.StorageTool random-uuid 2>/dev/null || "$java" "${jopts[@]}" kafka.tools.StorageTool random-uuid)"
    "$java" "${jopts[@]}" kafka.tools.StorageTool format -t "$id" -c "$KDIR/server.properties" >"$KDIR/logs/format.log" 2>&1 \
      || die "formatting Kafka storage failed (see $KDIR/logs/format.log); delete $KDIR and rerun './run up'."
  fi
  # The broker's heap: fixed at 768 MB, touched at start, on transparent huge pages, so it does not fault pages in
  # while it grows under load (page faults are costly on these VMs; see clickhouse_up). Measured 2026-12-05 with the
  # ingest bench right after './run up': 103,648 events/s against 80,756 with the growing heap; the runs after it
  # were alike (91-104k either way).
  nohup "$java" "${jopts[@]}" -Xms768m -XX:+AlwaysPreTouch -XX:+UseTransparentHugePages kafka.Kafka "$KDIR/server.properties" >"$KDIR/logs/server.log" 2>&1 &
  echo $! > "$KDIR/pid"
  if ! wait_until 90 "Kafka" kafka_ready; then
    tail -5 "$KDIR/logs/server.log" >&2 || true
    die "Kafka did not become ready on 127.0.0.1:$KAFKA_PORT within 90 s (log: $KDIR/logs/server.log)."
  fi
  say "Kafka ready on 127.0.0.1:$KAFKA_PORT"
}

kafka_ready() {
  alive "$KDIR/pid" || return 1
  port_open "$KAFKA_PORT" && grep -q "Kafka Server started\|started (kafka.server" "$KDIR/logs/server.log"
}

clickhouse_bin() {
  if command -v clickhouse-server >/dev/null 2>&1; then command -v clickhouse-server; return; fi
  if command -v clickhouse >/dev/null 2>&1; then echo "$(command -v clickhouse) server"; return; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "clickhouse-server is missing; installing Debian's package..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clickhouse-server) >/dev/null 2>&1 \
      || die "installing clickhouse-server with apt-get failed; install it by hand (apt-get install clickhouse-server) and rerun './run up'."
    command -v clickhouse-server; return
  fi
  die "clickhouse-server is not on PATH; install it (sudo apt-get install clickhouse-server, or from clickhouse.com) or point FLYWHEEL_CLICKHOUSE_URL at a server."
}

clickhouse_up() {
  if alive "$CDIR/pid"; then say "ClickHouse already running on 127.0.0.1:$CH_HTTP_PORT (pid $(cat "$CDIR/pid"))"; return; fi
  for p in "$CH_HTTP_PORT" "$CH_TCP_PORT"; do
    port_open "$p" && die "port $p is in use by another process; free it or set FLYWHEEL_CH_HTTP_PORT / FLYWHEEL_CH_TCP_PORT to free ports."
  done
  local bin; bin="$(clickhouse_bin)"
  mkdir -p "$CDIR/data" "$CDIR/tmp" "$CDIR/user_files" "$CDIR/format_schemas" "$CDIR/logs"
  cat > "$CDIR/users.xml" <<XML
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage><load_balancing>random</load_balancing></default></profiles>
  <users><default><password></password><networks><ip>::1</ip><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
XML
  cat > "$CDIR/config.xml" <<XML
<yandex>
  <logger><level>warning</level><log>$CDIR/logs/clickhouse.log</log><errorlog>$CDIR/logs/clickhouse.err.log</errorlog><size>100M</size><count>2</count></logger>
  <http_port>$CH_HTTP_PORT</http_port>
  <tcp_port>$CH_TCP_PORT</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <max_connections>512</max_connections>
  <keep_alive_timeout>10</keep_alive_timeout>
  <max_concurrent_queries>200</max_concurrent_queries>
  <uncompressed_cache_size>1073741824</uncompressed_cache_size>
  <mark_cache_size>536870912</mark_cache_size>
  <path>$CDIR/data/</path>
  <tmp_path>$CDIR/tmp/</tmp_path>
  <user_files_path>$CDIR/user_files/</user_files_path>
  <format_schema_path>$CDIR/format_schemas/</format_schema_path>
  <users_config>$CDIR/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
</yandex>
XML
  # The server's jemalloc (Debian's 18.16 links libjemalloc.so.2, which reads MALLOC_CONF) puts its memory on
  # transparent huge pages. On this project's VMs a page fault costs several microseconds (the kernel's pvm_irq_enable
  # in perf), and an insert touches its column buffers afresh: four 80 MB inserts of inference events cost ClickHouse
  # 3.8 CPU-s with 230k faults, 2.1-2.4 CPU-s with 65k faults under thp:always (2026-12-05). Decay settings made no
  # difference. FLYWHEEL_CH_MALLOC_CONF overrides it (empty: jemalloc's defaults).
  # shellcheck disable=SC2086
  MALLOC_CONF="${FLYWHEEL_CH_MALLOC_CONF-thp:always}" nohup $bin --config-file="$CDIR/config.xml" >"$CDIR/logs/stdout.log" 2>&1 &
  echo $! > "$CDIR/pid"
  if ! wait_until 60 "ClickHouse" clickhouse_ready; then
    tail -5 "$CDIR/logs/stdout.log" "$CDIR/logs/clickhouse.err.log" >&2 2>/dev/null || true
    die "ClickHouse did not become ready on 127.0.0.1:$CH_HTTP_PORT within 60 s (logs: $CDIR/logs)."
  fi
  say "ClickHouse ready on http://127.0.0.1:$CH_HTTP_PORT ($("$ROOT/infra/local/services.sh" chversion))"
}

clickhouse_ready() {
  alive "$CDIR/pid" || return 1
  [ "$(curl -s -m 2 "http://127.0.0.1:$CH_HTTP_PORT/ping" 2>/dev/null)" = "Ok." ]
}

stop_pidfile() { # pidfile, name
  local pf="$1" name="$2"
  if alive "$pf"; then
    local pid; pid="$(cat "$pf")"
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_until 30 "$name stop" bash -c "! kill -0 $pid 2>/dev/null"; then
      say "$name did not stop within 30 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    say "$name stopped"
  fi
  rm -f "$pf"
}

down() {
  stop_pidfile "$KDIR/pid" Kafka
  stop_pidfile "$CDIR/pid" ClickHouse
  # Anything else started from this data directory (e.g. a previous run whose pid file was lost).
  local stray
  stray="$(pgrep -f -- "$HOME_DIR/(kafka/server.properties|clickhouse/config.xml)" || true)"
  if [ -n "$stray" ]; then
    say "stopping stray processes: $stray"
    kill -TERM $stray 2>/dev/null || true
    wait_until 20 "stray stop" bash -c "! pgrep -f -- '$HOME_DIR/(kafka/server.properties|clickhouse/config.xml)' >/dev/null" \
      || kill -KILL $stray 2>/dev/null || true
  fi
}

case "${1:-}" in
  up) mkdir -p "$HOME_DIR"; clickhouse_up; kafka_up ;;
  down) down ;;
  status)
    alive "$KDIR/pid" && echo "kafka: running pid $(cat "$KDIR/pid") 127.0.0.1:$KAFKA_PORT" || echo "kafka: stopped"
    alive "$CDIR/pid" && echo "clickhouse: running pid $(cat "$CDIR/pid") http://127.0.0.1:$CH_HTTP_PORT" || echo "clickhouse: stopped" ;;
  env)
    echo "FLYWHEEL_KAFKA_BOOTSTRAP=127.0.0.1:$KAFKA_PORT"
    echo "FLYWHEEL_CLICKHOUSE_URL=http://127.0.0.1:$CH_HTTP_PORT" ;;
  chversion) curl -s -m 2 "http://127.0.0.1:$CH_HTTP_PORT/?query=SELECT%20version()" ;;
  *) echo "usage: services.sh up|down|status|env" >&2; exit 2 ;;
esac
