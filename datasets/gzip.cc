#include "datasets/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstddef>

#include "absl/strings/str_cat.h"

namespace nfalab {
namespace {

absl::Status Error(absl::string_view name, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(name, ": ", problem));
}

// Owns an inflate stream.
class Inflater {
 public:
  Inflater() = default;
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
  ~Inflater() {
    if (initialized_) inflateEnd(&stream_);
  }

  // 15 + 16: a 32 KiB window and a gzip (not zlib or raw) wrapper.
  bool Init() {
    initialized_ = inflateInit2(&stream_, 15 + 16) == Z_OK;
    return initialized_;
  }
  z_stream* stream() { return &stream_; }

 private:
  z_stream stream_{};
  bool initialized_ = false;
};

// Inflates `in` into a string of at most `limit` bytes. With `prefix` true,
// reaching the limit ends decompression successfully; otherwise it is an
// error.
absl::StatusOr<std::string> Inflate(absl::string_view in, int64_t limit,
                                    bool prefix, absl::string_view name) {
  if (limit < 0) limit = 0;
  Inflater inflater;
  if (!inflater.Init()) {
    return absl::ResourceExhaustedError(
        absl::StrCat(name, ": cannot initialise zlib"));
  }
  z_stream* zs = inflater.stream();
  std::string out;
  size_t fed = 0;  // Bytes of `in` handed to zlib so far.
  auto refill = [&]() {
    if (zs->avail_in == 0 && fed < in.size()) {
      const size_t n = std::min<size_t>(in.size() - fed, UINT_MAX / 2);
      zs->next_in =
          reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + fed));
      zs->avail_in = static_cast<uInt>(n);
      fed += n;
    }
  };
  constexpr size_t kChunk = 64 * 1024;
  char chunk[kChunk];
  while (true) {
    refill();
    zs->next_out = reinterpret_cast<Bytef*>(chunk);
    zs->avail_out = kChunk;
    const int ret = inflate(zs, Z_NO_FLUSH);
    const size_t produced = kChunk - zs->avail_out;
    if (produced > 0) {
      const uint64_t room = static_cast<uint64_t>(limit) - out.size();
      if (produced > room) {
        if (prefix) {
          out.append(chunk, room);
          return out;
        }
        return Error(
            name, absl::StrCat("decompresses to more than ", limit, " bytes"));
      }
      out.append(chunk, produced);
      if (prefix && out.size() == static_cast<uint64_t>(limit)) return out;
    }
    switch (ret) {
      case Z_OK:
        break;
      case Z_STREAM_END: {
        const size_t remaining = zs->avail_in + (in.size() - fed);
        if (remaining == 0) return out;
        const size_t next = in.size() - remaining;
        if (remaining >= 2 && IsGzip(in.substr(next))) {
          if (inflateReset(zs) != Z_OK) {
            return Error(name, "corrupt gzip stream: cannot reset zlib");
          }
          break;
        }
        return Error(name,
                     absl::StrCat("trailing garbage after the gzip stream (",
                                  remaining, " bytes at offset ", next, ")"));
      }
      case Z_BUF_ERROR:
        // No progress possible: the input is used up inside a member.
        if (zs->avail_in == 0 && fed == in.size()) {
          return Error(name, "truncated gzip stream");
        }
        return Error(name, "corrupt gzip stream: no progress");
      case Z_MEM_ERROR:
        return absl::ResourceExhaustedError(
            absl::StrCat(name, ": out of memory while decompressing"));
      default:  // Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR.
        return Error(name,
                     absl::StrCat("corrupt gzip stream: ",
                                  zs->msg != nullptr ? zs->msg : "bad data"));
    }
  }
}

}  // namespace

bool IsGzip(absl::string_view bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
         static_cast<unsigned char>(bytes[1]) == 0x8b;
}

absl::StatusOr<std::string> Gunzip(absl::string_view compressed,
                                   int64_t max_output, absl::string_view name) {
  return Inflate(compressed, max_output, /*prefix=*/false, name);
}

absl::StatusOr<std::string> GunzipPrefix(absl::string_view compressed,
                                         int64_t n, absl::string_view name) {
  if (n <= 0) return std::string();
  return Inflate(compressed, n, /*prefix=*/true, name);
}

}  // namespace nfalab
