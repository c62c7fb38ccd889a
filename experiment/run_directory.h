// Run directories hold exactly one run. RunExperiment applies these rules
// before it writes anything, so two runs are never mixed in one directory:
//
//   fresh run, DIR missing or empty        starts there
//   fresh run, DIR holds an earlier run    FailedPrecondition; with
//                                          `overwrite` DIR is emptied first
//   fresh run, DIR holds anything else     FailedPrecondition, and DIR is
//                                          never emptied, even with
//                                          `overwrite`
//   resumed run                            DIR/config.pbtxt, if present,
//                                          must describe the checkpoint's run
//
// Temporary files of WriteFileAtomically (core/file_io.h) do not count: a
// run killed while writing its first file leaves only those.
#ifndef NFALAB_EXPERIMENT_RUN_DIRECTORY_H_
#define NFALAB_EXPERIMENT_RUN_DIRECTORY_H_

#include <string>

#include "absl/status/status.h"
#include "experiment/experiment_config.pb.h"

namespace nfalab {

// Checks, without changing anything, that a fresh run may start in `dir`:
// it is missing or empty, or `overwrite` is set and `dir` looks like an
// nfalab run directory. That is: config.pbtxt, metrics.csv, checkpoint.pb or
// summary.json at its top, and nothing but regular files and .npy export
// directories (*.npy files and epoch_<e>/ subdirectories, none empty) in it. A
// home directory, a symlink or a source tree is never a run directory.
absl::Status CheckFreshRunDirectory(const std::string& dir, bool overwrite);

// Deletes the contents of `dir` (which stays) if CheckFreshRunDirectory(dir,
// /*overwrite=*/true) accepts it; a missing `dir` is fine.
absl::Status EmptyRunDirectory(const std::string& dir);

// For a run resumed from <dir>/checkpoint.pb whose config is
// `checkpoint_config`, about to run as `config` (the checkpoint's config plus
// any overrides, e.g. more epochs): <dir>/config.pbtxt, if present, must
// equal one of the two. Otherwise FailedPrecondition naming the fields that
// differ.
absl::Status CheckResumeDirectory(const std::string& dir,
                                  const ExperimentConfig& checkpoint_config,
                                  const ExperimentConfig& config);

}  // namespace nfalab

#endif  // NFALAB_EXPERIMENT_RUN_DIRECTORY_H_
