#include "studies/slurm_launcher.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <thread>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "core/file_io.h"
#include "core/status_macros.h"
#include "core/subprocess.h"
#include "studies/study.h"

namespace nfalab {
namespace {

constexpr char kSlurmDir[] = "slurm";
constexpr char kArrayScript[] = "array.sbatch";
constexpr char kReportScript[] = "report.sbatch";

bool Exists(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0;
}

// Text that an #SBATCH line carries as one value: no whitespace, no quotes.
absl::Status CheckDirectiveValue(absl::string_view what,
                                 absl::string_view value) {
  for (char c : value) {
    if (absl::ascii_isspace(c) || c == '"' || c == '\'') {
      return absl::InvalidArgumentError(absl::StrCat(
          what, " \"", absl::CEscape(value),
          "\" cannot go on an #SBATCH line: it contains whitespace or a "
          "quote"));
    }
  }
  return absl::OkStatus();
}

// `text` in single quotes for bash.
std::string ShellQuoted(absl::string_view text) {
  return absl::StrCat("'", absl::StrReplaceAll(text, {{"'", "'\\''"}}), "'");
}

// The #SBATCH lines both jobs share: the site options and the extra ones.
absl::StatusOr<std::string> SiteDirectives(const SlurmOptions& options) {
  std::string lines;
  const std::pair<const char*, const std::string*> named[] = {
      {"partition", &options.partition},
      {"time", &options.time},
      {"mem", &options.mem},
  };
  for (const auto& [name, value] : named) {
    if (value->empty()) continue;
    NFALAB_RETURN_IF_ERROR(
        CheckDirectiveValue(absl::StrCat("--slurm_", name), *value));
    absl::StrAppend(&lines, "#SBATCH --", name, "=", *value, "\n");
  }
  for (const std::string& arg : options.extra_args) {
    if (!absl::StartsWith(arg, "-")) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--slurm_arg=\"", absl::CEscape(arg),
          "\" is not an sbatch option (expected e.g. --slurm_arg=--qos=low)"));
    }
    NFALAB_RETURN_IF_ERROR(CheckDirectiveValue("--slurm_arg", arg));
    absl::StrAppend(&lines, "#SBATCH ", arg, "\n");
  }
  return lines;
}

std::string SlurmPath(const std::string& out_dir, absl::string_view file) {
  return absl::StrCat(out_dir, "/", kSlurmDir, "/", file);
}

std::string StatusPath(const std::string& out_dir, const std::string& job) {
  return SlurmPath(out_dir, absl::StrCat("report-", job, ".status"));
}

// `sbatch --parsable` prints "<job id>" or "<job id>;<cluster>".
absl::StatusOr<std::string> Submit(const std::vector<std::string>& argv) {
  NFALAB_ASSIGN_OR_RETURN(const CommandResult sbatch, RunCommand(argv));
  const std::string printed(absl::StripAsciiWhitespace(sbatch.stdout_text));
  const std::string job_id(printed.substr(0, printed.find(';')));
  const bool numeric =
      !job_id.empty() &&
      std::all_of(job_id.begin(), job_id.end(), absl::ascii_isdigit);
  if (sbatch.exit_code != 0 || !numeric) {
    return absl::UnavailableError(
        absl::StrCat("`", absl::StrJoin(argv, " "), "` failed (exit ",
                     sbatch.exit_code, "): ",
                     absl::StripAsciiWhitespace(sbatch.stderr_text.empty()
                                                    ? sbatch.stdout_text
                                                    : sbatch.stderr_text)));
  }
  return job_id;
}

// Removes what SubmitStudyToSlurm created, in reverse order, when a
// submission fails; files that were there before stay.
class CreatedFiles {
 public:
  void AddIfNew(const std::string& path) {
    if (!Exists(path)) paths_.push_back(path);
  }
  void RemoveAll() {
    for (auto it = paths_.rbegin(); it != paths_.rend(); ++it) {
      std::remove(it->c_str());  // rmdir for directories, if empty.
    }
  }

 private:
  std::vector<std::string> paths_;
};

// The last line of a job log that starts with "error:" (nfalab's), else
// its last non-empty line.
std::string LastErrorLine(const std::string& log_path) {
  const absl::StatusOr<std::string> log = ReadFile(log_path);
  if (!log.ok()) return absl::StrCat("(no log at ", log_path, ")");
  std::string last, last_error;
  for (absl::string_view line : absl::StrSplit(*log, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    last = std::string(line);
    if (absl::StartsWith(line, "error:")) last_error = last;
  }
  return last_error.empty() ? last : last_error;
}

}  // namespace

absl::StatusOr<SlurmScripts> RenderSlurmScripts(const StudyConfig& study,
                                                int num_runs,
                                                const std::string& out_dir,
                                                const SlurmOptions& options) {
  SlurmScripts scripts;
  scripts.tasks = options.tasks == 0 ? num_runs : options.tasks;
  if (scripts.tasks < 1 || scripts.tasks > num_runs) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--tasks=%d: the study %s has %d runs, so it takes 1 to %d tasks",
        options.tasks, study.name(), num_runs, num_runs));
  }
  for (const auto& [what, path] :
       {std::pair<const char*, const std::string*>{"--out", &out_dir},
        {"the nfalab binary", &options.nfalab_binary}}) {
    if (path->empty() || path->front() != '/') {
      return absl::InvalidArgumentError(absl::StrCat(
          what, " \"", *path, "\" must be an absolute path for Slurm jobs"));
    }
    NFALAB_RETURN_IF_ERROR(CheckDirectiveValue(what, *path));
  }
  if (!options.cpus_per_task.empty()) {
    int cpus = 0;
    if (!absl::SimpleAtoi(options.cpus_per_task, &cpus) || cpus < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("--slurm_cpus_per_task=\"", options.cpus_per_task,
                       "\" is not a positive integer"));
    }
  }
  NFALAB_ASSIGN_OR_RETURN(const std::string site, SiteDirectives(options));
  const std::string binary = ShellQuoted(options.nfalab_binary);
  const std::string dir = ShellQuoted(out_dir);
  const std::string header = absl::StrFormat(
      "#!/bin/bash\n"
      "# Generated by `nfalab study --launcher=slurm` for the study %s in\n"
      "# %s. Submitting the same study to the same directory again\n"
      "# finishes only what is missing.\n",
      study.name(), out_dir);

  scripts.array = absl::StrCat(
      header,
      absl::StrFormat(
          "# %d runs in %d array tasks: task i runs shard i + 1 of %d.\n",
          num_runs, scripts.tasks, scripts.tasks),
      "#SBATCH --job-name=nfalab-", study.name(), "\n", "#SBATCH --array=0-",
      scripts.tasks - 1, "\n",
      "#SBATCH --output=", SlurmPath(out_dir, "task-%A_%a.out"), "\n",
      "#SBATCH --chdir=", out_dir, "\n",
      options.cpus_per_task.empty()
          ? ""
          : absl::StrCat("#SBATCH --cpus-per-task=", options.cpus_per_task,
                         "\n"),
      site,
      "\n"
      "# One thread per allocated CPU: OpenBLAS and nfalab would otherwise\n"
      "# use every core of the node.\n"
      "export OPENBLAS_NUM_THREADS=\"${SLURM_CPUS_PER_TASK:-1}\"\n"
      "export NFALAB_THREADS=\"${SLURM_CPUS_PER_TASK:-1}\"\n"
      "exec ",
      binary, " study ", ShellQuoted(absl::StrCat(out_dir, "/", kStudyFile)),
      " --out=", dir, " --shard=auto\n");

  scripts.report = absl::StrCat(
      header,
      "# Submitted with --dependency=afterany:<array job>, so it runs\n"
      "# however the tasks end; it fails if a run failed or is missing.\n"
      "#SBATCH --job-name=nfalab-",
      study.name(), "-report\n",
      "#SBATCH --output=", SlurmPath(out_dir, "report-%j.out"), "\n",
      "#SBATCH --chdir=", out_dir, "\n", site, "\n", binary, " report ", dir,
      "\n"
      "status=$?\n"
      "# The exit status, for `nfalab study --wait` (written atomically).\n"
      "status_file=",
      ShellQuoted(SlurmPath(out_dir, "report-")),
      "\"${SLURM_JOB_ID}.status\"\n"
      "echo \"${status}\" > \"${status_file}.tmp\" && "
      "mv \"${status_file}.tmp\" \"${status_file}\"\n"
      "exit \"${status}\"\n");
  return scripts;
}

absl::StatusOr<SlurmJobs> SubmitStudyToSlurm(const StudyConfig& study,
                                             const std::string& out_dir,
                                             const SlurmOptions& options,
                                             std::ostream* out) {
  NFALAB_ASSIGN_OR_RETURN(const std::vector<StudyRun> runs, ExpandStudy(study));
  NFALAB_ASSIGN_OR_RETURN(
      const SlurmScripts scripts,
      RenderSlurmScripts(study, static_cast<int>(runs.size()), out_dir,
                         options));
  NFALAB_RETURN_IF_ERROR(CheckStudyDirectory(study, out_dir));
  if (FindExecutableOnPath("sbatch").empty()) {
    return absl::FailedPreconditionError(
        "--launcher=slurm: sbatch is not on PATH, so there is no Slurm to "
        "submit to here. --dry_run prints the job scripts without "
        "submitting; or run the study's shards by hand with --shard=i/N and "
        "merge them with `nfalab report`");
  }

  CreatedFiles created;
  const std::string slurm_dir = absl::StrCat(out_dir, "/", kSlurmDir);
  const std::string array_path = SlurmPath(out_dir, kArrayScript);
  const std::string report_path = SlurmPath(out_dir, kReportScript);
  // out_dir and those of its parents that MakeDirectories will create.
  std::vector<std::string> new_dirs;
  for (std::string dir = out_dir; !dir.empty() && !Exists(dir);
       dir = dir.substr(0, dir.rfind('/'))) {
    new_dirs.push_back(dir);
  }
  for (auto it = new_dirs.rbegin(); it != new_dirs.rend(); ++it) {
    created.AddIfNew(*it);
  }
  created.AddIfNew(absl::StrCat(out_dir, "/", kStudyFile));
  created.AddIfNew(slurm_dir);
  created.AddIfNew(array_path);
  created.AddIfNew(report_path);
  const auto roll_back = [&created](absl::Status status) {
    created.RemoveAll();
    return status;
  };
  absl::Status written = PrepareStudyDirectory(study, out_dir);
  if (written.ok()) written = MakeDirectories(slurm_dir);
  if (written.ok()) written = WriteFileAtomically(array_path, scripts.array);
  if (written.ok()) written = WriteFileAtomically(report_path, scripts.report);
  if (!written.ok()) return roll_back(written);

  SlurmJobs jobs;
  absl::StatusOr<std::string> array_id =
      Submit({"sbatch", "--parsable", array_path});
  if (!array_id.ok()) return roll_back(array_id.status());
  jobs.array_job_id = *array_id;
  absl::StatusOr<std::string> report_id = Submit(
      {"sbatch", "--parsable",
       absl::StrCat("--dependency=afterany:", jobs.array_job_id), report_path});
  if (!report_id.ok()) {
    const absl::StatusOr<CommandResult> cancelled =
        RunCommand({"scancel", jobs.array_job_id});
    const bool cancel_ok = cancelled.ok() && cancelled->exit_code == 0;
    return roll_back(absl::Status(
        report_id.status().code(),
        absl::StrCat(
            report_id.status().message(),
            cancel_ok
                ? absl::StrCat("; the array job ", jobs.array_job_id,
                               " was cancelled again")
                : absl::StrCat("; cancelling the array job ", jobs.array_job_id,
                               " failed too: scancel it"))));
  }
  jobs.report_job_id = *report_id;

  if (out != nullptr) {
    const std::string both =
        absl::StrCat(jobs.array_job_id, ",", jobs.report_job_id);
    *out << absl::StrFormat(
        "study %s: %d runs -> %s\n"
        "submitted array job %s (%d tasks) and report job %s (after the "
        "array)\n"
        "follow:  squeue -j %s\n"
        "         sacct -j %s --format=JobID,JobName,State,ExitCode,Elapsed\n"
        "logs:    %s, %s\n"
        "report:  %s/report.md when job %s has ended\n",
        study.name(), runs.size(), out_dir, jobs.array_job_id, scripts.tasks,
        jobs.report_job_id, both, both,
        SlurmPath(out_dir, absl::StrCat("task-", jobs.array_job_id, "_*.out")),
        SlurmPath(out_dir, absl::StrCat("report-", jobs.report_job_id, ".out")),
        out_dir, jobs.report_job_id);
  }
  return jobs;
}

absl::Status WaitForSlurmReport(const SlurmJobs& jobs,
                                const std::string& out_dir,
                                const SlurmOptions& options,
                                std::ostream* out) {
  const std::string status_path = StatusPath(out_dir, jobs.report_job_id);
  const std::string log_path =
      SlurmPath(out_dir, absl::StrCat("report-", jobs.report_job_id, ".out"));
  if (out != nullptr) {
    *out << "waiting for report job " << jobs.report_job_id << "..."
         << std::endl;
  }
  int squeue_failures = 0;
  bool ended = false;
  while (!Exists(status_path)) {
    if (ended) {
      // It left the queue before its status appeared: look a few more
      // times, for a shared filesystem that shows the file late.
      for (int i = 0; i < 3 && !Exists(status_path); ++i) {
        std::this_thread::sleep_for(
            absl::ToChronoMilliseconds(options.poll_interval));
      }
      if (Exists(status_path)) break;
      return absl::AbortedError(absl::StrCat(
          "report job ", jobs.report_job_id,
          " ended without writing its status (cancelled, or out of time?); "
          "its log: ",
          log_path, ": ", LastErrorLine(log_path)));
    }
    std::this_thread::sleep_for(
        absl::ToChronoMilliseconds(options.poll_interval));
    NFALAB_ASSIGN_OR_RETURN(const CommandResult squeue,
                            RunCommand({"squeue", "--noheader", "--format=%T",
                                        "--jobs", jobs.report_job_id}));
    if (squeue.exit_code == 0) {
      squeue_failures = 0;
      // Ended jobs drop out of squeue's default listing.
      ended = absl::StripAsciiWhitespace(squeue.stdout_text).empty();
    } else if (absl::StrContains(squeue.stderr_text, "Invalid job id")) {
      ended = true;  // Already purged from the controller.
    } else if (++squeue_failures >= 10) {
      return absl::UnavailableError(
          absl::StrCat("squeue failed 10 times while waiting for report job ",
                       jobs.report_job_id, ": ",
                       absl::StripAsciiWhitespace(squeue.stderr_text)));
    }
  }
  NFALAB_ASSIGN_OR_RETURN(const std::string status_text, ReadFile(status_path));
  int status = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(status_text), &status)) {
    return absl::InternalError(absl::StrCat(status_path, " holds \"",
                                            absl::CEscape(status_text),
                                            "\", not an exit status"));
  }
  if (status != 0) {
    return absl::AbortedError(absl::StrCat(
        "report job ", jobs.report_job_id, " failed (exit ", status,
        "): ", LastErrorLine(log_path),
        " -- once fixed, submit the same command again: complete runs are "
        "skipped"));
  }
  if (out != nullptr) *out << "report: " << out_dir << "/report.md\n";
  return absl::OkStatus();
}

}  // namespace nfalab
