#!/usr/bin/env bash
# Fuzzes every reader of simlab's files with libFuzzer: builds the fuzz package (Fuzz/) with
# libFuzzer and AddressSanitizer, then runs each target for SECONDS_PER_TARGET (default 10)
# starting from its seed corpus (Fuzz/Corpus/<target>). Fails on a crash, a sanitizer report,
# a timeout, or an input that allocates more than its size allows (see Fuzz/Sources).
# A failing input is saved as Fuzz/artifacts/<target>-crash-… (replay it with
# SIMLAB_FUZZ_TARGET=<target> <binary> <file>). New corpus entries go to Fuzz/work/, not the
# seeds. Targets to run can be named after the seconds: scripts/fuzz.sh 60 checkpoint idx.
set -euo pipefail
cd "$(dirname "$0")/../Fuzz"
seconds=${1:-10}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(checkpoint status config metrics kernels knn evaluation model neighbours idx cifar png)

build=(swift build -c release -Xswiftc -sanitize=fuzzer,address --product simlab-fuzz)
"${build[@]}"
binary="$("${build[@]}" --show-bin-path)/simlab-fuzz"
mkdir -p artifacts work

failed=()
for target in "${targets[@]}"; do
    [ -d "Corpus/$target" ] || { echo "fuzz: no seed corpus Corpus/$target" >&2; exit 2; }
    mkdir -p "work/$target"
    dictionary=()
    case "$target" in idx|cifar|png) ;; *) dictionary=(-dict=json.dict) ;; esac   # the keys and tokens of the JSON files
    log="work/$target.log"
    echo "fuzz: $target for ${seconds}s"
    # -malloc_limit_mb and -rss_limit_mb are absolute backstops; the per-input limit
    # relative to the input's size is checked by the target itself.
    if SWIFT_BACKTRACE=enable=no SIMLAB_FUZZ_TARGET="$target" "$binary" "work/$target" "Corpus/$target" \
        -max_total_time="$seconds" -timeout=10 -malloc_limit_mb=256 -rss_limit_mb=1024 \
        -artifact_prefix="artifacts/$target-" -print_final_stats=1 "${dictionary[@]}" >"$log" 2>&1; then
        grep -E "^stat::number_of_executed_units|^Done [0-9]+ runs" "$log" | tail -n 1 | sed "s/^/fuzz: $target: /"
    else
        tail -n 40 "$log" >&2
        echo "fuzz: $target FAILED (log Fuzz/$log)" >&2
        failed+=("$target")
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: failed: ${failed[*]}" >&2
    exit 1
fi
echo "fuzz: ${#targets[@]} targets passed"
