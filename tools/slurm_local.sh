#!/usr/bin/env bash
# A one-node Slurm cluster on this machine (munge, slurmctld, slurmd), for the
# cluster test (tests/slurm/slurm_study_test.sh) and for trying
# `nfalab study --launcher=slurm` by hand. Needs root and the packages
# tools/setup.sh installs (slurm-wlm, munge).
#
#   bash tools/slurm_local.sh start   # prints the state directory
#   bash tools/slurm_local.sh status
#   bash tools/slurm_local.sh stop
#
# /etc/slurm/slurm.conf is global, so this script refuses to replace one it
# did not write, and only one such cluster runs at a time. The daemons are
# stopped by the PIDs recorded at start, never by name. Job completion
# records go to a text file, so `sacct -c` works without slurmdbd.
# NFALAB_SLURM_DIR overrides the state directory (logs, spool, PID files).
set -uo pipefail

STATE_DIR="${NFALAB_SLURM_DIR:-/tmp/nfalab-slurm-local}"
CONF=/etc/slurm/slurm.conf
MARKER="# Written by nfalab tools/slurm_local.sh"

fail() {
  echo "slurm_local: error: $*" >&2
  exit 1
}

# Waits up to $1 seconds for the command in the remaining arguments.
wait_for() {
  local seconds="$1"
  shift
  local tries=$((seconds * 5))
  while ((tries-- > 0)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  return 1
}

pid_alive() { [[ -s "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

node_idle() { [[ "$(sinfo -h -N -o %t 2>/dev/null)" == idle* ]]; }

log_tails() {
  for log in "${STATE_DIR}"/slurmctld.log "${STATE_DIR}"/slurmd.log; do
    [[ -f "${log}" ]] && { echo "--- last lines of ${log}:"; tail -n 15 "${log}"; }
  done >&2
}

start() {
  [[ "$(id -u)" == "0" ]] || fail "must run as root (the daemons run as root here)"
  local tool
  for tool in munged munge slurmctld slurmd sbatch sinfo; do
    command -v "${tool}" >/dev/null ||
      fail "${tool} not found; install Slurm with: bash tools/setup.sh"
  done
  if [[ -f "${CONF}" ]] && ! grep -qF "${MARKER}" "${CONF}"; then
    fail "${CONF} exists and was not written by this script (a site's Slurm?); refusing to replace it"
  fi
  if pid_alive "${STATE_DIR}/slurmctld.pid" || pid_alive "${STATE_DIR}/slurmd.pid"; then
    fail "a local cluster already runs (state in ${STATE_DIR}); stop it first: bash tools/slurm_local.sh stop"
  fi

  rm -rf "${STATE_DIR}"
  mkdir -p "${STATE_DIR}/state" "${STATE_DIR}/spool" || fail "cannot create ${STATE_DIR}"

  # munge authenticates every Slurm message; start it unless one runs.
  if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    [[ -s /etc/munge/munge.key ]] || fail "/etc/munge/munge.key is missing (reinstall munge)"
    mkdir -p /run/munge && chown munge:munge /run/munge
    su -s /bin/sh munge -c "/usr/sbin/munged --pid-file=/run/munge/nfalab-munged.pid" ||
      fail "munged did not start (see /var/log/munge/munged.log)"
    cp /run/munge/nfalab-munged.pid "${STATE_DIR}/munged.pid"
    wait_for 10 sh -c 'munge -n | unmunge' || fail "munged started but does not answer"
  fi

  local host
  host="$(hostname -s)"
  cat >"${CONF}" <<CONF || fail "cannot write ${CONF}"
${MARKER} (state in ${STATE_DIR}); \`bash tools/slurm_local.sh stop\` removes it.
ClusterName=local
SlurmctldHost=${host}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=${STATE_DIR}/state
SlurmdSpoolDir=${STATE_DIR}/spool
SlurmctldPidFile=${STATE_DIR}/slurmctld.pid
SlurmdPidFile=${STATE_DIR}/slurmd.pid
SlurmctldLogFile=${STATE_DIR}/slurmctld.log
SlurmdLogFile=${STATE_DIR}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=${STATE_DIR}/jobcomp.txt
KillWait=10
NodeName=${host} CPUs=$(nproc) RealMemory=20000 State=UNKNOWN
PartitionName=local Nodes=${host} Default=YES MaxTime=INFINITE State=UP
CONF

  slurmctld || { log_tails; fail "slurmctld did not start"; }
  slurmd || { log_tails; fail "slurmd did not start"; }
  if ! wait_for 30 node_idle; then
    log_tails
    fail "the node did not become idle within 30 s (sinfo: $(sinfo -h -N 2>&1 | head -n 1))"
  fi
  echo "slurm_local: cluster up on ${host} ($(nproc) CPUs); state in ${STATE_DIR}"
}

stop() {
  local name pid_file pid status=0
  for name in slurmd slurmctld munged; do
    pid_file="${STATE_DIR}/${name}.pid"
    [[ -s "${pid_file}" ]] || continue
    pid="$(cat "${pid_file}")"  # The daemon removes its file as it exits.
    if kill -0 "${pid}" 2>/dev/null; then
      kill "${pid}"
      if ! wait_for 20 sh -c "! kill -0 ${pid} 2>/dev/null"; then
        echo "slurm_local: error: ${name} (pid ${pid}) did not stop" >&2
        status=1
      fi
    fi
    rm -f "${pid_file}"
  done
  if [[ -f "${CONF}" ]] && grep -qF "${MARKER}" "${CONF}"; then
    rm -f "${CONF}"
  fi
  echo "slurm_local: stopped (logs kept in ${STATE_DIR})"
  return "${status}"
}

status() {
  if pid_alive "${STATE_DIR}/slurmctld.pid" && pid_alive "${STATE_DIR}/slurmd.pid"; then
    echo "slurm_local: running; state in ${STATE_DIR}"
    sinfo
  else
    echo "slurm_local: not running"
    return 1
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) fail "usage: bash tools/slurm_local.sh start|stop|status" ;;
esac
