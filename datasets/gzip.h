// Bounded in-memory gzip decompression for the dataset readers.
//
//   if (IsGzip(bytes)) {
//     NFALAB_ASSIGN_OR_RETURN(std::string plain,
//                             Gunzip(bytes, /*max_output=*/1 << 20, path));
//   }
//
// Gunzip is meant for untrusted input: the output grows only as data is
// actually decompressed (nothing is sized from the gzip trailer's ISIZE), and
// decompression stops with an error as soon as the output would exceed
// `max_output`, so a decompression bomb costs at most about max_output bytes
// of memory and the time to inflate that much. Concatenated gzip members (as
// `cat a.gz b.gz` makes, and gzip itself accepts) are decompressed one after
// the other.
//
// Errors (InvalidArgument, the message starts with `name`):
//   "corrupt gzip stream: <zlib's message>"  bad header, bad deflate data,
//                                            CRC or length mismatch
//   "truncated gzip stream"                  the input ends inside a member
//   "trailing garbage after the gzip stream" bytes after the last member
//                                            that do not start another one
//   "decompresses to more than N bytes"      the output limit was hit
#ifndef NFALAB_DATASETS_GZIP_H_
#define NFALAB_DATASETS_GZIP_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nfalab {

// True if `bytes` starts with the gzip magic number 1f 8b.
bool IsGzip(absl::string_view bytes);

// Decompresses all of `compressed`; see the file comment. `name` (usually
// the file's path) prefixes every error message.
absl::StatusOr<std::string> Gunzip(absl::string_view compressed,
                                   int64_t max_output, absl::string_view name);

// The first min(n, total) decompressed bytes of `compressed`, without
// decompressing further; an error only if the stream is corrupt or
// truncated before those bytes are produced (a stream shorter than n is not
// an error: the result is just shorter).
absl::StatusOr<std::string> GunzipPrefix(absl::string_view compressed,
                                         int64_t n, absl::string_view name);

}  // namespace nfalab

#endif  // NFALAB_DATASETS_GZIP_H_
