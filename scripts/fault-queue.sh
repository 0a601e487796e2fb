#!/usr/bin/env bash
# Fault run of the blob queue on a private Azurite: W worker processes (serve's pipeline with the test worker's
# stand-in processor, so no bundle is needed) drain N jobs while one worker is killed with SIGKILL, storage is down
# for S seconds and another worker gets SIGTERM mid-batch; then every job's result is checked.
#   scripts/fault-queue.sh [--jobs N] [--workers W] [--concurrency C] [--outage S] [--job-ms MS]
# Each worker holds up to C leases (Queue:MaxConcurrentJobs); each job takes MS of stand-in processing. Prints one line: jobs, results, lost (jobs without a result), duplicate results (results beyond one per job), poison.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
jobs=1000 workers=3 concurrency=64 outage=20 job_ms=8000
while [[ $# -gt 0 ]]; do
  case "$1" in
    --jobs) jobs="$2"; shift 2 ;;
    --workers) workers="$2"; shift 2 ;;
    --concurrency) concurrency="$2"; shift 2 ;;
    --outage) outage="$2"; shift 2 ;;
    --job-ms) job_ms="$2"; shift 2 ;;
    *) echo "usage: scripts/fault-queue.sh [--jobs N] [--workers W] [--concurrency C] [--outage S] [--job-ms MS]" >&2; exit 2 ;;
  esac
done

dotnet build tests/NlpMtl.Queue.TestWorker -c Release -nologo -v quiet -clp:ErrorsOnly >&2
bin="$root/tests/NlpMtl.Queue.TestWorker/bin/Release/net10.0"
work="$(mktemp -d)"
export AZURITE_DATA="$work/azurite" # on disk, so the blobs survive the outage
declare -A pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  scripts/azurite.sh stop
  rm -rf "$work"
}
trap cleanup EXIT
connection="$(scripts/azurite.sh start)"
port="$(cat "$AZURITE_DATA/azurite.port")"

export Storage__ConnectionString="$connection" Queue__ContainerPrefix=fault Queue__LeaseSeconds=15 Queue__MaxConcurrentJobs="$concurrency" \
  Queue__MinPollMs=50 Queue__MaxPollMs=1000 Storage__MaxRetries=2 Storage__RetryDelay=00:00:00.200 Storage__MaxRetryDelay=00:00:01 \
  Storage__NetworkTimeout=00:00:05 HostOptions__ShutdownTimeout=00:00:10 TestWorker__DocumentDelayMs="$job_ms" \
  Logging__LogLevel__Default=Warning Logging__LogLevel__NlpMtl=Information Logging__Console__FormatterName=simple \
  Logging__Console__FormatterOptions__SingleLine=true DOTNET_ENVIRONMENT=Production
nlpmtl() { dotnet "$bin/nlpmtl.dll" "$@"; }
count() { nlpmtl status | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
wait_for() { # wait_for KEY MIN SECONDS
  for _ in $(seq 1 $(( $3 * 2 ))); do
    local n; n="$(count "$1" 2>/dev/null || echo -1)"
    (( n >= $2 )) && return 0
    sleep 0.5
  done
  echo "fault-queue.sh: $1 did not reach $2 within $3 s" >&2; exit 1
}
start_worker() { dotnet "$bin/NlpMtl.Queue.TestWorker.dll" >"$work/worker-$1.log" 2>&1 & pids[$1]=$!; }
log() { echo "fault-queue.sh: $(date +%T) $*" >&2; }

mkdir -p "$work/jobs"
for i in $(seq -w 1 "$jobs"); do echo "{\"id\":\"job-$i\",\"text\":\"document $i is rather good\"}" >"$work/jobs/job-$i.json"; done
nlpmtl enqueue "$work/jobs/"*.json >&2
for w in $(seq 1 "$workers"); do start_worker "$w"; done
started=$(date +%s)

wait_for results $(( jobs / 5 )) 300
log "SIGKILL worker 1 (holding $(nlpmtl status | python3 -c "import json,sys; print(json.load(sys.stdin)['leased'])")  jobs leased across the workers); a fresh worker takes its place"
kill -9 "${pids[1]}"; start_worker 1b; unset 'pids[1]'

wait_for results $(( 2 * jobs / 5 )) 300
log "storage down for $outage s"
scripts/azurite.sh stop; sleep "$outage"; AZURITE_PORT="$port" scripts/azurite.sh start >/dev/null
log "storage back"

wait_for results $(( 3 * jobs / 5 )) 300
log "SIGTERM worker 2"
term=$(date +%s); kill -TERM "${pids[2]}"; set +e; wait "${pids[2]}"; code=$?; set -e; unset 'pids[2]'
log "worker 2 exited $code after $(( $(date +%s) - term )) s ($(grep -c 'Released ' "$work/worker-2.log" || true) jobs released)"
start_worker 2b

wait_for results "$jobs" 600 || true
sleep 2
nlpmtl results --out "$work/results" >&2 || true
expected="$(find "$work/jobs" -mindepth 1 -maxdepth 1 -printf '%f.result.jsonl\n' | sort)"
actual="$(find "$work/results" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort)"
lost="$(comm -23 <(echo "$expected") <(echo "$actual") | grep -c . || true)"
extra="$(comm -13 <(echo "$expected") <(echo "$actual") | grep -c . || true)"
absorbed="$(cat "$work"/worker-*.log | grep -c '(AlreadyDone)' || true)"
echo "jobs $jobs, workers $workers, results $(echo "$actual" | grep -c .), lost $lost, duplicate results $extra, poison $(count poison)," \
  "duplicate completions absorbed $absorbed, worker 2 SIGTERM exit $code, $(( $(date +%s) - started )) s"
