#!/usr/bin/env bash
# Instructions rustc executes to compile one crate the `compile_cost` bench generated, counted
# by callgrind: deterministic, so two crates compare exactly on a noisy machine, where wall and
# CPU times of the same compile move by 30% or more.
#
# Run `cargo bench -p gptbots-benches --bench compile_cost` once first (it writes the crates and
# builds their dependencies), then, for each crate and command:
#   benches/scripts/compile-instructions.sh check plain
#   benches/scripts/compile-instructions.sh check workflow
# Prints the instruction count. Each takes about 40 times the compile itself (3-4 minutes for
# `check` of 100 workflows here); needs valgrind.
set -euo pipefail
command="$1" crate="$2"
dir="$(cd "$(dirname "$0")/../.." && pwd)/target/bench-compile/$crate"
cd "$dir"
export CARGO_TARGET_DIR=../target
# The exact rustc invocation cargo makes, environment included, read from a normal compile.
cargo clean -q -p "gen-$crate" --offline
line="$(cargo "$command" --offline -vv 2>&1 | grep 'Running `' | grep -- "--crate-name gen_" | tail -1)"
invocation="${line#*Running \`}"
invocation="${invocation%\`}"
cargo clean -q -p "gen-$crate" --offline
out="$(mktemp)"
# `VAR=... /path/to/rustc args`: the variables cargo set, then rustc under callgrind.
rustc="$(rustc --print sysroot)/bin/rustc"
variables="${invocation%%"$rustc "*}"
arguments="${invocation#*"$rustc "}"
eval "env $variables valgrind --tool=callgrind --cache-sim=no --branch-sim=no --callgrind-out-file=$out $rustc $arguments" >/dev/null 2>&1
grep '^totals:' "$out" | awk '{print $2}'
rm -f "$out"
