#!/usr/bin/env bash
# rustc's own pass timings (`-Z time-passes`) for the crates the `compile_cost` bench generated,
# interleaved, keeping each pass's fastest of REPS runs: on a shared machine noise only ever adds
# time, so the minimum is the steadiest figure, and a pass-by-pass split says where a
# difference comes from.
#
# Run `cargo bench -p gptbots-benches --bench compile_cost` once first (it writes the crates
# and builds their dependencies), then:
#   benches/scripts/compile-passes.sh [REPS] [CRATE...]
# e.g. benches/scripts/compile-passes.sh 5 plain expanded workflow expanded-no-catalogue
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)/target/bench-compile"
reps="${1:-5}"
shift || true
crates=("$@")
[ ${#crates[@]} -gt 0 ] || crates=(plain expanded workflow expanded-no-catalogue expanded-no-invoke expanded-no-contract)
log="$(mktemp)"
for _ in $(seq "$reps"); do
  for crate in "${crates[@]}"; do
    cd "$root/$crate"
    CARGO_TARGET_DIR=../target cargo clean -q -p "gen-$crate" --offline
    RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=../target cargo rustc --profile check --offline -q -- -Z time-passes 2>&1 \
      | awk -v c="$crate" '/^time:/ { t = $2; sub(";", "", t); print c, t, $NF }' >> "$log"
  done
done
python3 - "$log" "${crates[@]}" <<'PY'
import collections, sys
log, crates = sys.argv[1], sys.argv[2:]
fastest = collections.defaultdict(dict)
for line in open(log):
    crate, seconds, name = line.split()
    fastest[name][crate] = min(fastest[name].get(crate, float("inf")), float(seconds))
print("| pass | " + " | ".join(crates) + " |")
print("|---|" + "---|" * len(crates))
for name in ["total", "macro_expand_crate", "coherence_checking", "type_check_crate", "MIR_borrow_checking"]:
    print(f"| {name} | " + " | ".join(f"{fastest[name].get(c, 0):.3f}" for c in crates) + " |")
base = fastest["total"].get(crates[0])
if base:
    print("\ntotal / " + crates[0] + ": " + ", ".join(f"{c} {fastest['total'][c] / base:.2f}" for c in crates[1:]))
PY
rm -f "$log"
