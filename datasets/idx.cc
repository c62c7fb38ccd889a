#include "datasets/idx.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "datasets/file_util.h"
#include "datasets/gzip.h"

namespace nfalab {
namespace {

absl::Status Error(absl::string_view name, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(name, ": ", problem));
}

uint64_t BigEndian(const char* p, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) {
    value = (value << 8) | static_cast<unsigned char>(p[i]);
  }
  return value;
}

bool IsKnownType(unsigned char code) {
  switch (code) {
    case 0x08:
    case 0x09:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0x0E:
      return true;
    default:
      return false;
  }
}

std::string DimsText(const std::vector<int64_t>& dims) {
  return absl::StrJoin(dims, " x ");
}

}  // namespace

int IdxElementSize(IdxType type) {
  switch (type) {
    case IdxType::kUint8:
    case IdxType::kInt8:
      return 1;
    case IdxType::kInt16:
      return 2;
    case IdxType::kInt32:
    case IdxType::kFloat32:
      return 4;
    case IdxType::kFloat64:
      return 8;
  }
  return 1;
}

const char* IdxTypeName(IdxType type) {
  switch (type) {
    case IdxType::kUint8:
      return "uint8";
    case IdxType::kInt8:
      return "int8";
    case IdxType::kInt16:
      return "int16";
    case IdxType::kInt32:
      return "int32";
    case IdxType::kFloat32:
      return "float32";
    case IdxType::kFloat64:
      return "float64";
  }
  return "unknown";
}

bool IdxTypeIsInteger(IdxType type) {
  return type != IdxType::kFloat32 && type != IdxType::kFloat64;
}

int64_t IdxArray::num_elements() const {
  return static_cast<int64_t>(data.size()) / IdxElementSize(type);
}

double IdxArray::Get(int64_t i) const {
  const char* p = data.data() + i * IdxElementSize(type);
  switch (type) {
    case IdxType::kUint8:
      return static_cast<unsigned char>(*p);
    case IdxType::kInt8:
      return static_cast<signed char>(*p);
    case IdxType::kInt16:
      return static_cast<int16_t>(static_cast<uint16_t>(BigEndian(p, 2)));
    case IdxType::kInt32:
      return static_cast<int32_t>(static_cast<uint32_t>(BigEndian(p, 4)));
    case IdxType::kFloat32: {
      const uint32_t bits = static_cast<uint32_t>(BigEndian(p, 4));
      float value;
      std::memcpy(&value, &bits, sizeof(value));
      return value;
    }
    case IdxType::kFloat64: {
      const uint64_t bits = BigEndian(p, 8);
      double value;
      std::memcpy(&value, &bits, sizeof(value));
      return value;
    }
  }
  return 0;
}

absl::StatusOr<IdxHeader> ParseIdxHeader(absl::string_view bytes,
                                         absl::string_view name) {
  if (bytes.size() < 4) {
    return Error(name, absl::StrCat("file is truncated: the IDX header needs "
                                    "at least 4 bytes, the file has ",
                                    bytes.size()));
  }
  const unsigned char b0 = bytes[0], b1 = bytes[1], code = bytes[2];
  const int ndim = static_cast<unsigned char>(bytes[3]);
  if (b0 != 0 || b1 != 0) {
    return Error(name,
                 absl::StrFormat("bad magic number %02x %02x %02x %02x: an IDX "
                                 "file starts with 00 00, a type code and the "
                                 "number of dimensions",
                                 b0, b1, code, ndim));
  }
  if (!IsKnownType(code)) {
    return Error(name, absl::StrFormat("unknown IDX type code 0x%02x (known: "
                                       "08 09 0b 0c 0d 0e)",
                                       code));
  }
  if (ndim == 0) return Error(name, "IDX header has 0 dimensions");
  IdxHeader header;
  header.type = static_cast<IdxType>(code);
  header.header_bytes = 4 + 4 * int64_t{ndim};
  if (static_cast<int64_t>(bytes.size()) < header.header_bytes) {
    return Error(name,
                 absl::StrCat("file is truncated: the IDX header needs ",
                              header.header_bytes, " bytes for ", ndim,
                              " dimensions, the file has ", bytes.size()));
  }
  uint64_t elements = 1;
  bool overflow = false;
  for (int i = 0; i < ndim; ++i) {
    const uint64_t dim = BigEndian(bytes.data() + 4 + 4 * i, 4);
    header.dims.push_back(static_cast<int64_t>(dim));
    if (dim != 0 && elements > std::numeric_limits<uint64_t>::max() / dim) {
      overflow = true;
    }
    elements *= dim;
  }
  const uint64_t size = static_cast<uint64_t>(IdxElementSize(header.type));
  if (overflow ||
      elements >
          static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / size) {
    // With a zero dimension the product is 0, but a later dimension may
    // still have overflowed the running product; report that too.
    return Error(name, absl::StrCat("dimensions ", DimsText(header.dims),
                                    " overflow 64 bits"));
  }
  header.data_bytes = static_cast<int64_t>(elements * size);
  return header;
}

absl::StatusOr<IdxArray> ParseIdx(absl::string_view bytes,
                                  absl::string_view name) {
  absl::StatusOr<IdxHeader> header = ParseIdxHeader(bytes, name);
  if (!header.ok()) return header.status();
  const int64_t remaining =
      static_cast<int64_t>(bytes.size()) - header->header_bytes;
  if (remaining != header->data_bytes) {
    const std::string what = absl::StrCat(
        "dimensions ", DimsText(header->dims), " (", IdxTypeName(header->type),
        ") need ", header->data_bytes, " data bytes after the ",
        header->header_bytes, "-byte header, but ");
    if (remaining < header->data_bytes) {
      return Error(name, absl::StrCat("file is truncated: ", what, "only ",
                                      remaining, " remain"));
    }
    return Error(name, absl::StrCat(what, remaining,
                                    " remain (wrong dimensions or trailing "
                                    "data)"));
  }
  IdxArray array;
  array.type = header->type;
  array.dims = std::move(header->dims);
  array.data = std::string(bytes.substr(header->header_bytes));
  return array;
}

absl::StatusOr<IdxArray> DecodeIdx(absl::string_view bytes,
                                   absl::string_view name, int64_t max_bytes) {
  max_bytes = std::min(max_bytes, std::numeric_limits<int64_t>::max() / 2);
  if (!IsGzip(bytes)) {
    if (static_cast<int64_t>(bytes.size()) > max_bytes) {
      return Error(name,
                   absl::StrCat("file has ", bytes.size(),
                                " bytes, more than the limit of ", max_bytes));
    }
    return ParseIdx(bytes, name);
  }
  // Read the fixed part of the header, then the dimensions, then exactly the
  // declared amount of data.
  absl::StatusOr<std::string> prefix = GunzipPrefix(bytes, 4, name);
  if (!prefix.ok()) return prefix.status();
  int64_t header_bytes = 4;
  if (prefix->size() == 4) {
    header_bytes += 4 * static_cast<unsigned char>((*prefix)[3]);
    prefix = GunzipPrefix(bytes, header_bytes, name);
    if (!prefix.ok()) return prefix.status();
  }
  absl::StatusOr<IdxHeader> header = ParseIdxHeader(*prefix, name);
  if (!header.ok()) return header.status();
  if (header->data_bytes > max_bytes - header->header_bytes) {
    return Error(name, absl::StrCat("declares ", header->header_bytes, " + ",
                                    header->data_bytes, " bytes (dimensions ",
                                    DimsText(header->dims), ", ",
                                    IdxTypeName(header->type),
                                    "), more than the limit of ", max_bytes));
  }
  const int64_t declared = header->header_bytes + header->data_bytes;
  // One byte more than declared tells "too long" from "exactly right"
  // without decompressing (or holding) the rest of an oversized stream.
  absl::StatusOr<std::string> plain = GunzipPrefix(bytes, declared + 1, name);
  if (!plain.ok()) return plain.status();
  if (static_cast<int64_t>(plain->size()) > declared) {
    return Error(name, absl::StrCat("decompresses to more than the ", declared,
                                    " bytes its IDX header declares "
                                    "(dimensions ",
                                    DimsText(header->dims),
                                    "; wrong dimensions or trailing data)"));
  }
  return ParseIdx(*plain, name);
}

absl::StatusOr<IdxArray> ReadIdxFile(const std::string& path,
                                     int64_t max_bytes) {
  absl::StatusOr<std::string> bytes = ReadFileUpTo(path, max_bytes);
  if (!bytes.ok()) return bytes.status();
  return DecodeIdx(*bytes, path, max_bytes);
}

}  // namespace nfalab
