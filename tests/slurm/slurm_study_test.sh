#!/usr/bin/env bash
# The real-cluster test of `nfalab study --launcher=slurm`, run by .ci/run
# after `bazel test` (not a Bazel test: /etc/slurm/slurm.conf is global, so
# it must own the machine's Slurm while it runs). On a one-node cluster
# started by tools/slurm_local.sh, with the 6-run study
# tests/slurm/tiny_study.pbtxt:
#   1. the study run locally, with the array tasks' thread count (1: bits
#      depend on the BLAS thread count), gives the reference report.md;
#   2. --launcher=slurm --wait gives a byte-identical report.md;
#   3. a second submission has one array task cancelled (scancel) while it
#      runs: its report job fails, naming the unfinished run; the same
#      command submitted again finishes only that run (resuming it from its
#      checkpoint) and gives a byte-identical report.md again.
# Prints the job ids, the job completion records (`sacct -c`) and the cmp
# results. Fails with the reason if Slurm cannot start; never skips.
set -uo pipefail
cd "$(dirname "$0")/../.."

NFALAB="${PWD}/bazel-bin/nfalab"
STUDY="${PWD}/tests/slurm/tiny_study.pbtxt"
CANCELLED_TASK=3  # lr=0.1__seed2, in the second wave of 2 concurrent tasks
CANCELLED_RUN="lr=0.1__seed2"

fail() {
  echo "slurm_study_test: FAIL: $*"
  exit 1
}

[[ -x "${NFALAB}" ]] || fail "${NFALAB} is not built (bazel build //:nfalab)"
WORK="$(mktemp -d /tmp/nfalab-slurm-test.XXXXXX)" || fail "mktemp"
# A cluster left behind by an earlier test that was killed.
if bash tools/slurm_local.sh status >/dev/null 2>&1; then
  bash tools/slurm_local.sh stop
fi
bash tools/slurm_local.sh start || fail "the one-node Slurm cluster did not start (reason above)"
trap 'bash tools/slurm_local.sh stop; rm -rf "${WORK}"' EXIT

# Waits up to $1 seconds for the command in the remaining arguments.
wait_for() {
  local tries=$(($1 * 5))
  shift
  while ((tries-- > 0)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  return 1
}

# The job ids `nfalab study --launcher=slurm` printed in the log $1.
array_job() { sed -n 's/^submitted array job \([0-9]*\) .*/\1/p' "$1"; }
report_job() { sed -n 's/.* and report job \([0-9]*\) .*/\1/p' "$1"; }

task_running() { [[ "$(squeue -h -j "$1" -o %T 2>/dev/null)" == RUNNING ]]; }

echo "== 1. the study run locally (1 thread, as each array task)"
OPENBLAS_NUM_THREADS=1 NFALAB_THREADS=1 "${NFALAB}" study "${STUDY}" \
  --out="${WORK}/local" >"${WORK}/local.log" 2>&1 ||
  { cat "${WORK}/local.log"; fail "the local study failed"; }
tail -n 1 "${WORK}/local.log"

echo "== 2. the study through Slurm, --wait"
"${NFALAB}" study "${STUDY}" --out="${WORK}/slurm" --launcher=slurm --wait \
  2>&1 | tee "${WORK}/slurm.log"
status=${PIPESTATUS[0]}
[[ "${status}" == 0 ]] || fail "--launcher=slurm --wait exited ${status}"
[[ -n "$(array_job "${WORK}/slurm.log")" && -n "$(report_job "${WORK}/slurm.log")" ]] ||
  fail "no job ids in the output"
echo "cmp local/report.md slurm/report.md:"
cmp "${WORK}/local/report.md" "${WORK}/slurm/report.md" ||
  fail "the Slurm study's report.md differs from the local one"
echo "identical"

echo "== 3. cancel array task ${CANCELLED_TASK} while it runs, then submit again"
"${NFALAB}" study "${STUDY}" --out="${WORK}/cancel" --launcher=slurm \
  >"${WORK}/cancel.log" 2>&1 || { cat "${WORK}/cancel.log"; fail "submission failed"; }
cat "${WORK}/cancel.log"
array="$(array_job "${WORK}/cancel.log")"
report="$(report_job "${WORK}/cancel.log")"
task="${array}_${CANCELLED_TASK}"
wait_for 120 task_running "${task}" || fail "array task ${task} never ran"
# Into its first epochs, so that there is a step to checkpoint.
wait_for 30 test -f "${WORK}/cancel/runs/${CANCELLED_RUN}/config.pbtxt" ||
  fail "array task ${task} runs but its run never started"
sleep 0.5
echo "scancel ${task} (state: $(squeue -h -j "${task}" -o %T))"
scancel "${task}" || fail "scancel ${task} failed"
status_file="${WORK}/cancel/slurm/report-${report}.status"
wait_for 180 test -f "${status_file}" || fail "report job ${report} never ended"
echo "report job ${report} exit status: $(cat "${status_file}")"
[[ "$(cat "${status_file}")" != 0 ]] || fail "the report job succeeded with a run cancelled"
grep -h "^error:" "${WORK}/cancel/slurm/report-${report}.out" | head -n 1
grep -q "${CANCELLED_RUN}" "${WORK}/cancel/slurm/report-${report}.out" ||
  fail "the report job's log does not name the cancelled run ${CANCELLED_RUN}"
[[ ! -e "${WORK}/cancel/runs/${CANCELLED_RUN}/complete" ]] ||
  fail "the cancelled run has a completion marker"
echo "cancelled task's log:"
sed 's/^/  /' "${WORK}/cancel/slurm/task-${array}_${CANCELLED_TASK}.out"

"${NFALAB}" study "${STUDY}" --out="${WORK}/cancel" --launcher=slurm --wait \
  2>&1 | tee "${WORK}/resubmit.log"
status=${PIPESTATUS[0]}
[[ "${status}" == 0 ]] || fail "the resubmission exited ${status}"
array2="$(array_job "${WORK}/resubmit.log")"
echo "resubmitted array task logs:"
for log in "${WORK}/cancel/slurm/task-${array2}"_*.out; do
  grep -h '^\[' "${log}" | sed 's/^/  /'
done
grep -hq "${CANCELLED_RUN}: train_loss" "${WORK}/cancel/slurm/task-${array2}"_*.out ||
  fail "the resubmission did not finish ${CANCELLED_RUN}"
reran="$(grep -h ': train_loss' "${WORK}/cancel/slurm/task-${array2}"_*.out | wc -l)"
[[ "${reran}" == 1 ]] || fail "the resubmission ran ${reran} runs, not only the missing one"
echo "cmp local/report.md cancel/report.md:"
cmp "${WORK}/local/report.md" "${WORK}/cancel/report.md" ||
  fail "the report after cancel + resubmit differs from the local one"
echo "identical"

echo "== job completion records (sacct -c)"
sacct -c --format=JobID,JobName%26,State,ExitCode,Start,End 2>/dev/null
echo "slurm_study_test: PASS"
