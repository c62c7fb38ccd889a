// Runs a study on a Slurm cluster: `nfalab study STUDY --launcher=slurm`.
//
// Two batch scripts go to <dir>/slurm/:
//   array.sbatch   an array job of `tasks` tasks; task i runs
//                  `nfalab study <dir>/study.pbtxt --out=<dir> --shard=auto`,
//                  i.e. shard i + 1 of `tasks` (studies/study.h), into <dir>;
//   report.sbatch  `nfalab report <dir>`, submitted with
//                  --dependency=afterany on the array, so it runs however
//                  the tasks end, writes report.md, fails when runs failed
//                  or are missing, and leaves its exit status in
//                  <dir>/slurm/report-<job id>.status.
// <dir> must be on a filesystem that every node sees, and so must the
// nfalab binary and the data. Submitting the same study to the same <dir>
// again finishes only what is missing (complete runs are skipped,
// interrupted ones resume), so the answer to a preemption is to resubmit.
//
//   SlurmOptions options;
//   options.nfalab_binary = "/shared/nfalab/bazel-bin/nfalab";
//   NFALAB_ASSIGN_OR_RETURN(SlurmJobs jobs,
//                           SubmitStudyToSlurm(study, dir, options,
//                           &std::cout));
//   NFALAB_RETURN_IF_ERROR(WaitForSlurmReport(jobs, dir, &std::cout));
#ifndef NFALAB_STUDIES_SLURM_LAUNCHER_H_
#define NFALAB_STUDIES_SLURM_LAUNCHER_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "studies/study_config.pb.h"

namespace nfalab {

struct SlurmOptions {
  // Array tasks: 0 means one per run; otherwise 1..number of runs.
  int tasks = 0;
  // #SBATCH options of both jobs; empty ones are left to the site's
  // defaults. cpus_per_task applies to the array tasks only, and also sets
  // their OpenBLAS and nfalab thread counts.
  std::string partition;
  std::string time;
  std::string cpus_per_task;
  std::string mem;
  // More #SBATCH options for both jobs, each as "--name=value" (or a bare
  // "--flag"), e.g. "--account=ml" or "--qos=preemptible".
  std::vector<std::string> extra_args;
  // The binary the jobs run (an absolute path every node can execute).
  std::string nfalab_binary;
  // How often WaitForSlurmReport asks squeue.
  absl::Duration poll_interval = absl::Seconds(2);
};

struct SlurmScripts {
  int tasks = 0;
  std::string array;
  std::string report;
};

// The two scripts for running `study` into `out_dir` (absolute), which has
// `num_runs` runs. InvalidArgument for a tasks count outside 1..num_runs,
// an option that cannot be put on an #SBATCH line (whitespace in a path or
// value, an extra arg that does not start with "-"), or a relative path.
absl::StatusOr<SlurmScripts> RenderSlurmScripts(const StudyConfig& study,
                                                int num_runs,
                                                const std::string& out_dir,
                                                const SlurmOptions& options);

struct SlurmJobs {
  std::string array_job_id;
  std::string report_job_id;
};

// Checks everything first (the study, the tasks count, that out_dir holds
// no other study, that `sbatch` is on PATH), then writes
// <out_dir>/study.pbtxt and the scripts, and submits the array and the
// report job with `sbatch --parsable`. Prints the job ids and the squeue /
// sacct commands that follow them on `out`. A failed sbatch is an error
// quoting its stderr; then nothing stays submitted (an array submitted
// before a failed report submission is cancelled) and the files written
// are removed again.
absl::StatusOr<SlurmJobs> SubmitStudyToSlurm(const StudyConfig& study,
                                             const std::string& out_dir,
                                             const SlurmOptions& options,
                                             std::ostream* out);

// Blocks until the report job has ended (polling squeue), then returns its
// outcome: OK if it wrote the report with every run finished; otherwise an
// error with its exit status and the last error line of its log.
absl::Status WaitForSlurmReport(const SlurmJobs& jobs,
                                const std::string& out_dir,
                                const SlurmOptions& options, std::ostream* out);

}  // namespace nfalab

#endif  // NFALAB_STUDIES_SLURM_LAUNCHER_H_
