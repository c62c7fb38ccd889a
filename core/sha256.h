// SHA-256 (FIPS 180-4) digests, computed by OpenSSL's libcrypto. nfalab uses
// them to detect corrupt files: checkpoints carry the digest of their
// payload, and plugins are recorded with the digest of their .so.
//
//   const std::string digest = Sha256Hex(bytes);  // 64 lowercase hex digits
//   NFALAB_ASSIGN_OR_RETURN(std::string file_digest,
//                           Sha256HexOfFile("libmy_plugin.so"));
#ifndef NFALAB_CORE_SHA256_H_
#define NFALAB_CORE_SHA256_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nfalab {

// The 32-byte digest of `bytes`.
std::string Sha256(absl::string_view bytes);

// The digest as 64 lowercase hexadecimal digits (as `sha256sum` prints it).
std::string Sha256Hex(absl::string_view bytes);

// Sha256Hex of the contents of the file at `path`; the errors of ReadFile
// (core/file_io.h), which name the path.
absl::StatusOr<std::string> Sha256HexOfFile(const std::string& path);

}  // namespace nfalab

#endif  // NFALAB_CORE_SHA256_H_
