#!/usr/bin/env bash
# A single-node Slurm on this machine, for simlab's Slurm tests and for trying the Slurm
# executor by hand (docs/slurm.md):
#
#   bash scripts/slurm-local.sh start    # install slurm-wlm and munge if missing, start, wait until the node is idle
#   bash scripts/slurm-local.sh status   # exit 0 and a line when it runs, exit 1 otherwise
#   bash scripts/slurm-local.sh stop     # cancel the jobs left, end the daemons this script started
#
# Everything lives in a state directory of its own, $SIMLAB_SLURM_STATE (default
# /tmp/simlab-slurm): slurm.conf, the daemons' pid files and logs, slurmctld's state and
# slurmd's spool, and munge's socket. The client commands (sbatch, squeue, …) read
# /etc/slurm/slurm.conf, so the configuration is installed there too — unless a
# slurm.conf this script did not write is already there, which it never replaces.
# munged runs as the munge user on a socket in the state directory with the key
# /etc/munge/munge.key (created when missing); slurmctld and slurmd run as root.
# `stop` ends exactly the daemons whose pid files are in the state directory.
# Needs root (or sudo) to install packages and run the daemons.
set -euo pipefail

state=${SIMLAB_SLURM_STATE:-/tmp/simlab-slurm}
conf="$state/slurm.conf"
system_conf=/etc/slurm/slurm.conf
munge_key=/etc/munge/munge.key
marker="# written by simlab's scripts/slurm-local.sh"
node=$(hostname -s)

say() { echo "slurm-local: $*" >&2; }
die() { say "$*"; exit 1; }

sudo_prefix=""
[ "$(id -u)" -eq 0 ] || sudo_prefix="sudo"

install_packages() {
    local needed=()
    for package in slurm-wlm munge; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || needed+=("$package")
    done
    if [ ${#needed[@]} -gt 0 ]; then
        say "installing ${needed[*]}"
        $sudo_prefix apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo_prefix apt-get install -y -qq "${needed[@]}" >/dev/null
    fi
}

# The pid in a pid file when that process is alive and is the named program.
live_pid() {
    local file=$1 program=$2 pid
    [ -s "$file" ] || return 1
    pid=$(tr -dc '0-9' < "$file")
    [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] || return 1
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$program" ] || return 1
    # An ended daemon not yet reaped is a zombie: state Z in /proc/PID/stat, after "(comm)".
    [ "$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)" != Z ] || return 1
    echo "$pid"
}

munged_pid() { live_pid "$state/munge/munged.pid" munged; }
slurmctld_pid() { live_pid "$state/run/slurmctld.pid" slurmctld; }
slurmd_pid() { live_pid "$state/run/slurmd.pid" slurmd; }

node_state() { sinfo --noheader --Node --nodes="$node" --format=%T 2>/dev/null | head -n 1; }

write_conf() {
    local cpus memory
    cpus=$(nproc --all)
    memory=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
    mkdir -p "$state/run" "$state/log" "$state/slurmctld" "$state/slurmd"
    cat > "$conf.new" <<EOF
$marker
# A single-node cluster on $node ($cpus CPUs, $memory MB); state in $state.
ClusterName=simlab-local
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$state/munge/munge.socket.2
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$state/slurmctld
SlurmdSpoolDir=$state/slurmd
SlurmctldPidFile=$state/run/slurmctld.pid
SlurmdPidFile=$state/run/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
SwitchType=switch/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MailProg=/bin/true
ReturnToService=2
JobRequeue=1
KillWait=30
MinJobAge=300
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
    mv "$conf.new" "$conf"
    if [ -e "$system_conf" ] && ! grep -qF "$marker" "$system_conf"; then
        die "$system_conf exists and was not written by this script; not replacing it. Either remove it, or use this cluster with SLURM_CONF=$conf in the environment"
    fi
    $sudo_prefix mkdir -p "$(dirname "$system_conf")"
    $sudo_prefix cp "$conf" "$system_conf"
}

start_munged() {
    munged_pid >/dev/null && return 0
    if [ ! -s "$munge_key" ]; then
        say "creating the munge key $munge_key"
        $sudo_prefix mkdir -p "$(dirname "$munge_key")"
        $sudo_prefix mungekey --create --keyfile="$munge_key"
        $sudo_prefix chown munge:munge "$munge_key"
        $sudo_prefix chmod 0400 "$munge_key"
    fi
    $sudo_prefix mkdir -p "$state/munge"
    $sudo_prefix chown munge:munge "$state/munge"
    $sudo_prefix chmod 0755 "$state/munge"
    $sudo_prefix rm -f "$state/munge/munge.socket.2" "$state/munge/munge.socket.2.lock"
    $sudo_prefix runuser -u munge -- /usr/sbin/munged \
        --socket="$state/munge/munge.socket.2" \
        --pid-file="$state/munge/munged.pid" \
        --log-file="$state/munge/munged.log" \
        --seed-file="$state/munge/munged.seed" \
        --key-file="$munge_key" \
        || die "munged did not start; its log: $state/munge/munged.log"
    for _ in $(seq 50); do
        munged_pid >/dev/null && [ -S "$state/munge/munge.socket.2" ] && return 0
        sleep 0.1
    done
    die "munged did not come up; its log: $state/munge/munged.log"
}

start() {
    install_packages
    mkdir -p "$state"
    if slurmctld_pid >/dev/null && slurmd_pid >/dev/null && munged_pid >/dev/null; then
        say "already running (state in $state)"
    else
        write_conf
        start_munged
        slurmctld_pid >/dev/null || $sudo_prefix /usr/sbin/slurmctld -f "$conf" \
            || die "slurmctld did not start; its log: $state/log/slurmctld.log"
        slurmd_pid >/dev/null || $sudo_prefix /usr/sbin/slurmd -f "$conf" \
            || die "slurmd did not start; its log: $state/log/slurmd.log"
    fi
    local current="" resumed=0
    for attempt in $(seq 120); do
        current=$(node_state)
        case "$current" in
            idle|mixed|allocated|completing)
                say "running: node $node is $current (state in $state)"
                return 0 ;;
            drain*|down*)
                # A node left down or drained by an earlier run of this cluster.
                if [ "$resumed" -eq 0 ] && [ "$attempt" -gt 10 ]; then
                    $sudo_prefix scontrol update NodeName="$node" State=RESUME >/dev/null 2>&1 || true
                    resumed=1
                fi ;;
        esac
        sleep 0.5
    done
    say "node $node did not become idle within 60 s (state: ${current:-no answer from slurmctld})"
    scontrol show node "$node" 2>&1 | grep -E "State=|Reason=" >&2 || true
    tail -n 5 "$state/log/slurmctld.log" "$state/log/slurmd.log" >&2 2>/dev/null || true
    exit 1
}

# Ends a daemon by its pid file: SIGTERM, then SIGKILL after 10 s.
stop_daemon() {
    local name=$1 pid
    pid=$("${name}_pid") || return 0
    $sudo_prefix kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do
        "${name}_pid" >/dev/null || { say "stopped $name (pid $pid)"; return 0; }
        sleep 0.1
    done
    $sudo_prefix kill -KILL "$pid" 2>/dev/null || true
    say "killed $name (pid $pid)"
}

stop() {
    if slurmctld_pid >/dev/null && slurmd_pid >/dev/null; then
        # Jobs would outlive slurmd (their slurmstepd stays); cancel them and wait (KillWait).
        local jobs
        jobs=$(squeue --noheader --format=%i 2>/dev/null || true)
        if [ -n "$jobs" ]; then
            say "cancelling jobs $(echo $jobs)"
            # shellcheck disable=SC2086
            $sudo_prefix scancel $jobs 2>/dev/null || true
            for _ in $(seq 80); do
                [ -z "$(squeue --noheader --format=%i 2>/dev/null || true)" ] && break
                sleep 0.5
            done
        fi
    fi
    stop_daemon slurmd
    stop_daemon slurmctld
    stop_daemon munged
}

status() {
    local ctld slurmd munged
    ctld=$(slurmctld_pid || true); slurmd=$(slurmd_pid || true); munged=$(munged_pid || true)
    if [ -n "$ctld" ] && [ -n "$slurmd" ] && [ -n "$munged" ]; then
        echo "running: slurmctld pid $ctld, slurmd pid $slurmd, munged pid $munged; node $node $(node_state || true); state in $state"
        return 0
    fi
    if [ -z "$ctld$slurmd$munged" ]; then
        echo "not running (state in $state)"
    else
        echo "partly running: slurmctld ${ctld:-down}, slurmd ${slurmd:-down}, munged ${munged:-down}; \`$0 stop\` ends what is left"
    fi
    return 1
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
