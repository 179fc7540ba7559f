#!/usr/bin/env bash
# Starts a one-node Slurm cluster on this machine (Debian's slurm-wlm + munge; run as root), for the sweep tests and
# for trying `sobolevrl sweep --executor slurm` locally. Everything lives under $SOBOLEVRL_SLURM_DIR (default
# /tmp/sobolevrl-slurm). Prints the line to export; tests find the cluster through SLURM_CONF.
#   eval "$(tests/slurm/start-cluster.sh)"   ...   tests/slurm/stop-cluster.sh
set -euo pipefail
dir=${SOBOLEVRL_SLURM_DIR:-/tmp/sobolevrl-slurm}
for tool in munged slurmctld slurmd sinfo; do
  command -v "$tool" >/dev/null || { echo "start-cluster: $tool not found; install Debian's slurm-wlm and munge (apt-get install slurm-wlm munge)" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "start-cluster: run as root (slurmd and munged need it)" >&2; exit 2; }
mkdir -p "$dir/state" "$dir/spool" "$dir/log" /run/munge
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  [ -f /etc/munge/munge.key ] || { echo "start-cluster: /etc/munge/munge.key is missing (reinstall munge or run mungekey)" >&2; exit 2; }
  munged --force
  touch "$dir/munged.started"   # stop-cluster.sh stops only a munged this script started
fi
host=$(hostname -s)
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("",0)); print(s.getsockname()[1])'; }
if [ -f "$dir/slurmctld.pid" ] && kill -0 "$(cat "$dir/slurmctld.pid")" 2>/dev/null; then
  echo "export SLURM_CONF=$dir/slurm.conf"; exit 0
fi
cat > "$dir/slurm.conf" <<CONF
ClusterName=sobolevrl
SlurmctldHost=$host
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmUser=root
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerParameters=sched_interval=1
NodeName=$host CPUs=$(nproc) RealMemory=$(( $(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo) * 3 / 4 )) State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$dir/slurm.conf
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 1 60); do
  if sinfo -h -o %t 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then echo "export SLURM_CONF=$SLURM_CONF"; exit 0; fi
  sleep 0.5
done
echo "start-cluster: the node did not come up within 30 s; see $dir/log/" >&2
exit 1
