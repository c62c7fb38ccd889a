#include "core/sha256.h"

#include <openssl/evp.h>

#include "absl/strings/escaping.h"
#include "core/check.h"
#include "core/file_io.h"
#include "core/status_macros.h"

namespace nfalab {

std::string Sha256(absl::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  // Fails only if libcrypto cannot allocate or lacks SHA-256: a broken
  // installation, not a user error.
  NFALAB_CHECK(EVP_Digest(bytes.data(), bytes.size(), digest, &size,
                          EVP_sha256(), /*impl=*/nullptr) == 1)
      << "libcrypto's EVP_Digest(SHA-256) failed";
  NFALAB_CHECK(size == 32) << "SHA-256 digest of " << size << " bytes";
  return std::string(reinterpret_cast<const char*>(digest), size);
}

std::string Sha256Hex(absl::string_view bytes) {
  return absl::BytesToHexString(Sha256(bytes));
}

absl::StatusOr<std::string> Sha256HexOfFile(const std::string& path) {
  NFALAB_ASSIGN_OR_RETURN(const std::string contents, ReadFile(path));
  return Sha256Hex(contents);
}

}  // namespace nfalab
