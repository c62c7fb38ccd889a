#include "experiment/run_directory.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "core/file_io.h"
#include "core/status_macros.h"
#include "experiment/checkpoint.h"
#include "experiment/config_io.h"
#include "google/protobuf/util/message_differencer.h"

namespace nfalab {
namespace {

using google::protobuf::util::MessageDifferencer;

// Any of these at the top marks a directory as an nfalab run directory.
constexpr const char* kRunFiles[] = {"config.pbtxt", "metrics.csv",
                                     kCheckpointFile, "summary.json"};

bool Contains(const std::vector<std::string>& names, absl::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// The names in `dir`, without WriteFileAtomically's temporary files.
absl::StatusOr<std::vector<std::string>> RunContents(const std::string& dir) {
  NFALAB_ASSIGN_OR_RETURN(std::vector<std::string> names, ListDirectory(dir));
  names.erase(std::remove_if(names.begin(), names.end(), IsTemporaryFileName),
              names.end());
  return names;
}

// "a, b, c, d, ..." for a message.
std::string Preview(const std::vector<std::string>& names) {
  constexpr size_t kShown = 4;
  std::vector<std::string> shown(
      names.begin(), names.begin() + std::min(names.size(), kShown));
  if (names.size() > kShown) shown.push_back("...");
  return absl::StrJoin(shown, ", ");
}

bool IsEpochDirectoryName(absl::string_view name) {
  return absl::ConsumePrefix(&name, "epoch_") && !name.empty() &&
         std::all_of(name.begin(), name.end(), absl::ascii_isdigit);
}

// An .npy export (ExportNpy): *.npy files and, at its top, epoch_<e>/
// directories of *.npy files, none of them empty. Symlinks and anything else
// disqualify it.
bool IsNpyExport(const std::string& path, bool top) {
  absl::StatusOr<std::vector<std::string>> names = ListDirectory(path);
  if (!names.ok() || names->empty()) return false;
  for (const std::string& name : *names) {
    const std::string child = absl::StrCat(path, "/", name);
    struct stat info;
    if (lstat(child.c_str(), &info) != 0) return false;
    if (S_ISREG(info.st_mode) &&
        (absl::EndsWith(name, ".npy") || IsTemporaryFileName(name))) {
      continue;
    }
    if (S_ISDIR(info.st_mode) && top && IsEpochDirectoryName(name) &&
        IsNpyExport(child, /*top=*/false)) {
      continue;
    }
    return false;
  }
  return true;
}

// Empty if `dir`, holding `names`, looks like a run directory; otherwise why
// it does not.
std::string WhyNotARunDirectory(const std::string& dir,
                                const std::vector<std::string>& names) {
  if (std::none_of(
          std::begin(kRunFiles), std::end(kRunFiles),
          [&names](const char* file) { return Contains(names, file); })) {
    return absl::StrCat("it has none of ", absl::StrJoin(kRunFiles, ", "));
  }
  for (const std::string& name : names) {
    const std::string path = absl::StrCat(dir, "/", name);
    struct stat info;
    if (lstat(path.c_str(), &info) == 0) {
      if (S_ISREG(info.st_mode)) continue;
      if (S_ISDIR(info.st_mode) && IsNpyExport(path, /*top=*/true)) continue;
    }
    return absl::StrCat("it holds ", name,
                        ", which is neither a regular file nor an .npy export");
  }
  return "";
}

// Deletes `path` and, for a directory, everything below it, without
// following symlinks.
absl::Status RemoveTree(const std::string& path) {
  struct stat info;
  if (lstat(path.c_str(), &info) != 0)
    return ErrnoStatus("cannot remove", path);
  if (S_ISDIR(info.st_mode)) {
    NFALAB_ASSIGN_OR_RETURN(const std::vector<std::string> names,
                            ListDirectory(path));
    for (const std::string& name : names) {
      NFALAB_RETURN_IF_ERROR(RemoveTree(absl::StrCat(path, "/", name)));
    }
    if (rmdir(path.c_str()) != 0) return ErrnoStatus("cannot remove", path);
    return absl::OkStatus();
  }
  if (unlink(path.c_str()) != 0) return ErrnoStatus("cannot remove", path);
  return absl::OkStatus();
}

// Collects the dotted paths of the fields that differ, leaves only (the
// differencer also reports each modified field's enclosing messages).
class DifferingFields : public MessageDifferencer::Reporter {
 public:
  void ReportAdded(
      const google::protobuf::Message&, const google::protobuf::Message&,
      const std::vector<MessageDifferencer::SpecificField>& path) override {
    Add(path);
  }
  void ReportDeleted(
      const google::protobuf::Message&, const google::protobuf::Message&,
      const std::vector<MessageDifferencer::SpecificField>& path) override {
    Add(path);
  }
  void ReportModified(
      const google::protobuf::Message&, const google::protobuf::Message&,
      const std::vector<MessageDifferencer::SpecificField>& path) override {
    Add(path);
  }

  const std::vector<std::string>& paths() const { return paths_; }

 private:
  void Add(const std::vector<MessageDifferencer::SpecificField>& path) {
    std::vector<std::string> names;
    for (const MessageDifferencer::SpecificField& field : path) {
      names.push_back(field.field != nullptr ? field.field->name() : "?");
    }
    const std::string dotted = absl::StrJoin(names, ".");
    for (const std::string& known : paths_) {
      if (known == dotted || absl::StartsWith(known, dotted + ".")) return;
    }
    paths_.push_back(dotted);
  }

  std::vector<std::string> paths_;
};

}  // namespace

absl::Status CheckFreshRunDirectory(const std::string& dir, bool overwrite) {
  struct stat info;
  if (stat(dir.c_str(), &info) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return ErrnoStatus("cannot inspect", dir);
  }
  if (!S_ISDIR(info.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(dir, " exists and is not a directory"));
  }
  NFALAB_ASSIGN_OR_RETURN(const std::vector<std::string> names,
                          RunContents(dir));
  if (names.empty()) return absl::OkStatus();
  const std::string not_a_run = WhyNotARunDirectory(dir, names);
  if (overwrite) {
    if (not_a_run.empty()) return absl::OkStatus();
    return absl::FailedPreconditionError(
        absl::StrCat(dir, " does not look like an nfalab run directory (",
                     not_a_run, "); refusing to empty it"));
  }
  if (!not_a_run.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        dir, " is not empty (", Preview(names),
        ") and does not look like an nfalab run directory; choose a new or "
        "empty directory for --out"));
  }
  return absl::FailedPreconditionError(
      absl::StrCat(dir, " already holds a run (", Preview(names),
                   "); pass --overwrite to replace it",
                   Contains(names, kCheckpointFile)
                       ? absl::StrCat(", or --resume=", dir, " to continue it")
                       : ""));
}

absl::Status EmptyRunDirectory(const std::string& dir) {
  NFALAB_RETURN_IF_ERROR(CheckFreshRunDirectory(dir, /*overwrite=*/true));
  struct stat info;
  if (stat(dir.c_str(), &info) != 0 && errno == ENOENT) {
    return absl::OkStatus();
  }
  NFALAB_ASSIGN_OR_RETURN(const std::vector<std::string> names,
                          ListDirectory(dir));
  for (const std::string& name : names) {
    NFALAB_RETURN_IF_ERROR(RemoveTree(absl::StrCat(dir, "/", name)));
  }
  return absl::OkStatus();
}

absl::Status CheckResumeDirectory(const std::string& dir,
                                  const ExperimentConfig& checkpoint_config,
                                  const ExperimentConfig& config) {
  const std::string path = absl::StrCat(dir, "/config.pbtxt");
  struct stat info;
  if (stat(path.c_str(), &info) != 0 && errno == ENOENT) {
    return absl::OkStatus();
  }
  NFALAB_ASSIGN_OR_RETURN(const ExperimentConfig recorded, LoadConfig(path));
  if (MessageDifferencer::Equals(recorded, checkpoint_config) ||
      MessageDifferencer::Equals(recorded, config)) {
    return absl::OkStatus();
  }
  DifferingFields differing;
  MessageDifferencer differencer;
  differencer.ReportDifferencesTo(&differing);
  differencer.Compare(checkpoint_config, recorded);
  return absl::FailedPreconditionError(absl::StrCat(
      path, " and ", dir, "/", kCheckpointFile,
      " describe different runs (they differ in ",
      absl::StrJoin(differing.paths(), ", "), "); remove ", path,
      " to resume the checkpoint's run, or start afresh with --out=", dir,
      " --overwrite"));
}

}  // namespace nfalab
