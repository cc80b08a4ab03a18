#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, to try placesim's job arrays
# (docs/CLUSTER.md) without a real cluster. Debian or Ubuntu, as root.
#
#   sudo deploy/slurm/local-cluster.sh start    # install slurm-wlm and munge if needed, start
#   sudo deploy/slurm/local-cluster.sh stop
#
# What it does: installs Debian's slurm-wlm and munge, writes a munge key and a
# minimal slurm.conf for this one node (its real CPU count and memory;
# SlurmUser=root, ProctrackType=proctrack/linuxproc, TaskPlugin=task/none, so
# no cgroups are needed), then starts munged, slurmctld and slurmd and waits
# until the node is idle. For trying things out only: no accounting, no
# security beyond munge, everything as root.
set -euo pipefail

action=${1:-start}
conf_dir=/etc/slurm
spool=/var/spool/slurm-local

stop() {
  pkill -x slurmd 2>/dev/null || true
  pkill -x slurmctld 2>/dev/null || true
  pkill -x munged 2>/dev/null || true
}

if [ "$action" = stop ]; then
  stop
  echo "local Slurm cluster stopped"
  exit 0
fi
if [ "$action" != start ]; then
  echo "usage: $0 start|stop" >&2
  exit 2
fi
if [ "$(id -u)" != 0 ]; then
  echo "$0: run as root (it installs packages and starts daemons)" >&2
  exit 2
fi

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  echo "== installing slurm-wlm and munge"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi

stop
host=$(hostname -s)
cpus=$(nproc)
mem_mb=$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)

echo "== munge"
mkdir -p /etc/munge /var/lib/munge /var/log/munge /run/munge
if [ ! -s /etc/munge/munge.key ]; then
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
chown -R munge:munge /etc/munge /var/lib/munge /var/log/munge /run/munge 2>/dev/null || true
chmod 0700 /etc/munge /var/lib/munge /var/log/munge
chmod 0755 /run/munge
chmod 0400 /etc/munge/munge.key
if id munge >/dev/null 2>&1; then
  runuser -u munge -- /usr/sbin/munged
else
  /usr/sbin/munged --force
fi

echo "== slurm.conf for node $host ($cpus CPUs, $mem_mb MB)"
mkdir -p "$conf_dir" "$spool/ctld" "$spool/d" /var/log/slurm
cat >"$conf_dir/slurm.conf" <<EOF
# Written by placesim's deploy/slurm/local-cluster.sh: one node, for trying things out.
ClusterName=placesim-local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
StateSaveLocation=$spool/ctld
SlurmdSpoolDir=$spool/d
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ReturnToService=2
MaxArraySize=100001
NodeName=$host CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF

echo "== starting slurmctld and slurmd"
slurmctld
slurmd
for _ in $(seq 1 60); do
  if sinfo -h -o '%T' 2>/dev/null | grep -q idle; then
    sinfo
    echo "local Slurm cluster ready: try  sbatch --wrap hostname"
    exit 0
  fi
  sleep 1
done
echo "$0: the node did not become idle; see /var/log/slurm/" >&2
sinfo >&2 || true
exit 1
