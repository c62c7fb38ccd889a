// Reads one named section of an ELF file (an executable or a shared object)
// from disk, without loading it: the plugin loader checks a plugin's ABI
// fingerprint (core/plugin_abi.h) this way before any of its code can run.
// Parsing is libelf's (Debian: libelf-dev), which rejects truncated and
// malformed files instead of reading past them.
#ifndef NFALAB_CORE_ELF_SECTION_H_
#define NFALAB_CORE_ELF_SECTION_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace nfalab {

// The bytes of section `section` of the ELF file at `path`, or nullopt if the
// file has no such section. NotFound for a missing file; InvalidArgument
// naming the path for a file that is not a well-formed ELF file.
absl::StatusOr<std::optional<std::string>> ReadElfSection(
    const std::string& path, const std::string& section);

}  // namespace nfalab

#endif  // NFALAB_CORE_ELF_SECTION_H_
