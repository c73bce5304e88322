#!/bin/bash
# Two builds of purehttp served at the same time on core 0, each loaded by its own wrk on
# core 1, several pairs: server CPU a request (us) for each. On a VM whose speed moves by
# a tenth or more between rounds, two servers run one after the other land in different
# spells; run together, both see the same one, so a difference of 1-2% shows in every
# pair (bench/README.md). On Deno and Node; not on Bun, whose two servers on one core
# interfere (bench/README.md says how much).
#
#   bench/side-by-side.sh RUNTIME PAIRS PATH [LUA] [--] A-ARGS... -- B-ARGS...
#   bench/side-by-side.sh deno 5 / -- -- --tree /tmp/base     # this tree against a worktree
#   bench/side-by-side.sh bun 5 / -- --park-above 0 -- --park-above 1e9
#
# The arguments of each side go to servers/purehttp.ts (--tree DIR runs another checkout,
# as run.ts's --baseline does). LUA is a wrk script in bench/wrk (post.lua, pipeline.lua).
# With LOAD=h2, h2load loads each server over h2c instead (4 connections of 16 streams;
# H2LOAD_ARGS adds its own flags, e.g. "-d bench/.../body" for a POST); LUA is not used.
set -e
cd "$(dirname "$0")/.."
RT=$1; PAIRS=$2; URLP=${3:-/}; shift 3
LUA=""; if [ "${1:-}" != "--" ] && [ -n "${1:-}" ]; then LUA="-s bench/wrk/$1"; shift; fi
[ "${1:-}" = "--" ] && shift
A_ARGS=(); while [ $# -gt 0 ] && [ "$1" != "--" ]; do A_ARGS+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
B_ARGS=("$@")

serve() { # PORT ARGS... -> the server's pid
  local port=$1; shift
  case $RT in
    deno) taskset -c 0 node_modules/.bin/deno run -A --no-lock --unstable-net bench/servers/purehttp.ts --port "$port" "$@" > /dev/null 2>&1 & ;;
    bun) taskset -c 0 node_modules/.bin/bun bench/servers/purehttp.ts --port "$port" "$@" > /dev/null 2>&1 & ;;
    node) taskset -c 0 node --import tsx bench/servers/purehttp.ts --port "$port" "$@" > /dev/null 2>&1 & ;;
  esac
}
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; } # utime + stime, in ticks of 10 ms
load() { # SECONDS PORT-A PORT-B -> both load generators' outputs in /tmp
  if [ "${LOAD:-wrk}" = h2 ]; then
    # shellcheck disable=SC2086
    taskset -c 1 h2load -c4 -m16 -D"$1" $H2LOAD_ARGS "http://127.0.0.1:$2$URLP" > /tmp/side-a.txt & local w=$!
    # shellcheck disable=SC2086
    taskset -c 1 h2load -c4 -m16 -D"$1" $H2LOAD_ARGS "http://127.0.0.1:$3$URLP" > /tmp/side-b.txt
  else
    taskset -c 1 wrk -t1 -c32 -d"$1" $LUA "http://127.0.0.1:$2$URLP" > /tmp/side-a.txt & local w=$!
    taskset -c 1 wrk -t1 -c32 -d"$1" $LUA "http://127.0.0.1:$3$URLP" > /tmp/side-b.txt
  fi
  wait $w
}
rate() { # a load generator's output -> requests a second
  if [ "${LOAD:-wrk}" = h2 ]; then awk '/^finished in/{print $4}' "$1"; else awk '/^Requests\/sec/{print $2}' "$1"; fi
}
A=(); B=()
for _ in $(seq "$PAIRS"); do
  pa=$((20000 + RANDOM % 5000)); pb=$((25000 + RANDOM % 5000))
  serve $pa "${A_ARGS[@]}"; serve $pb "${B_ARGS[@]}"
  sleep 3.5
  ia=$(pgrep -f "purehttp.ts --port $pa" | grep -v taskset | head -1); ib=$(pgrep -f "purehttp.ts --port $pb" | grep -v taskset | head -1)
  load 1 $pa $pb
  a0=$(cpu "$ia"); b0=$(cpu "$ib")
  load 4 $pa $pb
  a1=$(cpu "$ia"); b1=$(cpu "$ib")
  ra=$(rate /tmp/side-a.txt); rb=$(rate /tmp/side-b.txt)
  kill "$ia" "$ib"; sleep 0.5
  A+=("$(echo "($a1-$a0)*10000/($ra*4)" | bc -l | cut -c1-5)"); B+=("$(echo "($b1-$b0)*10000/($rb*4)" | bc -l | cut -c1-5)")
done
echo "A (${A_ARGS[*]:-this tree}): ${A[*]}"
echo "B (${B_ARGS[*]:-this tree}): ${B[*]}"
