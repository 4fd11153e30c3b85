#!/usr/bin/env bash
# sdk-spark/scripts/standalone-cluster.sh — a two-process Spark run on this machine, no downloads:
#   1. builds the application jar (sdk-spark-*-app.jar) and lays out a minimal SPARK_HOME whose
#      jars/ are links to the Spark jars Maven already has (the `provided` dependencies of sdk-spark);
#   2. starts a standalone Master and a Worker on 127.0.0.1 (`java -cp ... org.apache.spark.deploy.*`);
#   3. submits the sweep (dev.mmpeft.spark.cli.SweepMain) through org.apache.spark.deploy.SparkSubmit
#      in client mode, with one core per executor, so two executor JVMs train cells side by side;
#   4. runs the same grid with the single-machine `./mmpeft sweep` and compares the tables.
# Everything goes to sdk-spark/target/standalone/ (logs: master.log, worker.log, submit.log, single.log).
# Usage: sdk-spark/scripts/standalone-cluster.sh [--keep-running] [--skip-build] [--skip-single]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MODULE="$ROOT/sdk-spark"
WORK="$MODULE/target/standalone"
KEEP=0; BUILD=1; SINGLE=1
for arg in "$@"; do
  case "$arg" in
    --keep-running) KEEP=1 ;;
    --skip-build) BUILD=0 ;;
    --skip-single) SINGLE=0 ;;
    *) echo "unknown argument: $arg (expected --keep-running, --skip-build, --skip-single)" >&2; exit 2 ;;
  esac
done
MASTER_PORT="${MASTER_PORT:-7077}"
MASTER_URL="spark://127.0.0.1:$MASTER_PORT"
# the grid: two component sets x ranks 1, 2 on the embedded default model and a small synthetic task
MODEL="$ROOT/samples/src/main/resources/dev/mmpeft/samples/default-model"
DATA="$WORK/data"
GRID=(--components QFORMER_CROSS_ATTN,LLM_FFN --ranks 1,2 --no-full --no-zero-shot --epochs 3 --batch-size 16 --patience 0)
# Java 17: what Spark's own launcher adds (JavaModuleOptions); executors get them from SparkContext itself
OPENS=(-XX:+IgnoreUnrecognizedVMOptions --add-modules=jdk.incubator.vector
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
  -Djdk.reflect.useDirectMethodHandle=false -Dio.netty.tryReflectionSetAccessible=true)

mkdir -p "$WORK"
cd "$ROOT"
if [[ $BUILD == 1 || ! -f "$WORK/spark-classpath.txt" ]]; then
  echo "building the application jar and listing the Spark jars (offline) ..."
  # the jars a Spark distribution would have in jars/: sdk-spark's `provided` scope (the reactor runs
  # the goal in every module it builds; sdk-spark comes last, so the file ends up holding its list)
  mvn -o -B -q -pl sdk-spark -am package dependency:build-classpath -DskipTests -Dmdep.includeScope=provided \
    -Dmdep.outputFile="$WORK/spark-classpath.txt" >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
fi
APP_JAR="$(ls "$MODULE"/target/sdk-spark-*-app.jar)"

# a SPARK_HOME the Worker accepts: it builds each executor's class path from $SPARK_HOME/jars/*
export SPARK_HOME="$WORK/spark-home"
rm -rf "$SPARK_HOME" && mkdir -p "$SPARK_HOME/jars" "$SPARK_HOME/conf"
tr ':' '\n' <"$WORK/spark-classpath.txt" | while read -r jar; do
  [[ -n "$jar" ]] && ln -sf "$jar" "$SPARK_HOME/jars/$(basename "$jar")"
done
echo "SPARK_HOME=$SPARK_HOME ($(ls "$SPARK_HOME/jars" | wc -l) jars linked from ~/.m2)"
export SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1 SPARK_LOCAL_DIRS="$WORK/local"
export OMP_WAIT_POLICY=PASSIVE
CP="$SPARK_HOME/jars/*"

PIDS=()
stop_all() {
  [[ $KEEP == 1 ]] && { echo "left running: master and worker (pids ${PIDS[*]:-})"; return; }
  for pid in "${PIDS[@]:-}"; do
    [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true
  done
}
trap stop_all EXIT

wait_for() { # file, pattern, seconds
  for _ in $(seq 1 "$3"); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 1
  done
  echo "timed out waiting for '$2' in $1:" >&2; tail -20 "$1" >&2; return 1
}

echo "starting the master at $MASTER_URL ..."
java -Xmx512m "${OPENS[@]}" -cp "$CP" org.apache.spark.deploy.master.Master \
  --host 127.0.0.1 --port "$MASTER_PORT" --webui-port 0 >"$WORK/master.log" 2>&1 &
PIDS+=($!)
wait_for "$WORK/master.log" "I have been elected leader" 180

echo "starting a worker (2 cores, 4 GiB) ..."
java -Xmx512m "${OPENS[@]}" -cp "$CP" org.apache.spark.deploy.worker.Worker \
  --host 127.0.0.1 --cores 2 --memory 4g --work-dir "$WORK/worker" --webui-port 0 "$MASTER_URL" >"$WORK/worker.log" 2>&1 &
PIDS+=($!)
wait_for "$WORK/worker.log" "Successfully registered with master" 180

echo "submitting the sweep to $MASTER_URL (2 executors x 1 core) ..."
rm -rf "$WORK/spark-out"
start=$(date +%s)
java -Xmx2g "${OPENS[@]}" -Doffline=true -cp "$CP" org.apache.spark.deploy.SparkSubmit \
  --master "$MASTER_URL" --deploy-mode client --class dev.mmpeft.spark.cli.SweepMain \
  --conf spark.driver.host=127.0.0.1 --conf spark.executor.cores=1 --conf spark.cores.max=2 \
  --conf spark.executor.memory=1g --conf spark.ui.enabled=false \
  --conf "spark.executor.extraJavaOptions=-Doffline=true -Dai.djl.pytorch.num_threads=1" \
  --conf spark.executorEnv.OMP_WAIT_POLICY=PASSIVE \
  "$APP_JAR" --model "$MODEL" --data "$DATA" --synthetic 64,16,24 --output "$WORK/spark-out" "${GRID[@]}" \
  2>"$WORK/submit.log" | tee "$WORK/submit.out"
echo "spark sweep: $(( $(date +%s) - start )) s"
executors=$(ls -d "$WORK"/worker/app-*/* 2>/dev/null | wc -l)
echo "executor JVMs the worker started: $executors ($(ls -d "$WORK"/worker/app-* | tail -1))"
grep -h "loaded .* in this executor JVM" "$WORK"/worker/app-*/*/stderr 2>/dev/null | sed 's/^/  /' || true

if [[ $SINGLE == 1 ]]; then
  echo "the same grid with the single-machine ./mmpeft sweep ..."
  rm -rf "$WORK/single-out"
  start=$(date +%s)
  MMPEFT_JAVA_OPTS="-Xmx2g -Dai.djl.pytorch.num_threads=1" ./mmpeft sweep --model "$MODEL" --data "$DATA" \
    --output "$WORK/single-out" "${GRID[@]}" >"$WORK/single.log" 2>&1 || { tail -20 "$WORK/single.log"; exit 1; }
  echo "single-machine sweep: $(( $(date +%s) - start )) s"
  same=1
  for table in runs.csv runs.md sweep.md; do
    if diff -u "$WORK/single-out/$table" "$WORK/spark-out/$table"; then
      echo "$table: identical"
    else
      same=0
    fi
  done
  echo; cat "$WORK/spark-out/runs.md"; echo
  [[ $same == 1 ]] && echo "RESULT: the standalone-cluster sweep equals the single-machine sweep" \
    || { echo "RESULT: the tables differ (see above)"; exit 1; }
fi
