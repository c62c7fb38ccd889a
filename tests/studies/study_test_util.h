// Helpers shared by the study tests: parsing a study text that must parse,
// and looking at the files a study writes.
#ifndef NFALAB_TESTS_STUDIES_STUDY_TEST_UTIL_H_
#define NFALAB_TESTS_STUDIES_STUDY_TEST_UTIL_H_

#include <sys/stat.h>

#include <string>

#include "absl/status/statusor.h"
#include "core/check.h"
#include "core/file_io.h"
#include "studies/study.h"

namespace nfalab {

// The study in `text`; a parse error fails the test binary.
inline StudyConfig Study(const char* text) {
  absl::StatusOr<StudyConfig> study = ParseStudy(text, "test study");
  NFALAB_CHECK(study.ok()) << study.status();
  return *study;
}

inline bool Exists(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0;
}

// The file's text; a missing file reads as "<missing PATH>", which no
// expected value equals.
inline std::string Read(const std::string& path) {
  return ReadFile(path).value_or("<missing " + path + ">");
}

}  // namespace nfalab

#endif  // NFALAB_TESTS_STUDIES_STUDY_TEST_UTIL_H_
