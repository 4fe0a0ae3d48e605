#!/usr/bin/env bash
# How often `kb spawn` of a program that exits at once reports its exit status, on a loaded
# machine (two busy loops per core, started here and ended by pid). tmux built with
# libutempter can miss such a program's SIGCHLD; kb then has the server collect it.
# usage: npm run bench:exit-status [-- N]   (N spawns, default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-30}
socket="kb-bench-exit-$$"
state=$(mktemp -d); home=$(mktemp -d)
loads=()
cleanup() {
  kill "${loads[@]}" 2>/dev/null || true
  tmux -L "$socket" kill-server 2>/dev/null || true
  rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$socket"  # kill-server leaves the socket file
  rm -rf "$state" "$home"
}
trap cleanup EXIT
for _ in $(seq 1 $((2 * $(nproc)))); do (while :; do :; done) & loads+=($!); done
with=0
for i in $(seq 1 "$n"); do
  out=$(HOME=$home node dist/cli.js --socket "$socket" --state-dir "$state" spawn --name "boom$i" --agent "sh -c 'echo broken >&2; exit 3'" 2>&1 || true)
  if grep -q "(exit status 3)" <<<"$out"; then with=$((with + 1)); fi
done
echo "spawns of a program that exits at once (exit 3), $n under load $(cut -d' ' -f1 /proc/loadavg): $with reported the exit status, $((n - with)) did not"
