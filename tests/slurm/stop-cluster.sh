#!/usr/bin/env bash
# Stops the one-node cluster started by start-cluster.sh, by the pids in its pid files (munged only if it started it).
set -uo pipefail
dir=${SOBOLEVRL_SLURM_DIR:-/tmp/sobolevrl-slurm}
for daemon in slurmd slurmctld; do
  pidfile="$dir/$daemon.pid"
  if [ -f "$pidfile" ]; then
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    rm -f "$pidfile"
  fi
done
if [ -f "$dir/munged.started" ] && [ -f /run/munge/munged.pid ]; then
  kill "$(cat /run/munge/munged.pid)" 2>/dev/null
  rm -f "$dir/munged.started"
fi
