#include "datasets/svhn.h"

#include <matio.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"
#include "datasets/file_util.h"

namespace nfalab {
namespace {

absl::Status Error(absl::string_view name, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(name, ": ", problem));
}

// libmatio reports through a global log function that by default prints to
// stderr; keep its last message instead, so that errors can quote it.
thread_local std::string last_matio_message;

void KeepMatioMessage(int /*level*/, char* message) {
  last_matio_message = message == nullptr ? "" : message;
}

void InstallMatioLog() {
  static std::once_flag once;
  std::call_once(once, [] { Mat_LogInitFunc("nfalab", KeepMatioMessage); });
}

// ": <matio's message>" if it said anything since the last call.
std::string TakeMatioMessage() {
  std::string message = std::move(last_matio_message);
  last_matio_message.clear();
  return message.empty() ? "" : absl::StrCat(" (libmatio: ", message, ")");
}

struct MatCloser {
  void operator()(mat_t* mat) const { Mat_Close(mat); }
};
struct VarFreer {
  void operator()(matvar_t* var) const { Mat_VarFree(var); }
};
using MatFile = std::unique_ptr<mat_t, MatCloser>;
using MatVar = std::unique_ptr<matvar_t, VarFreer>;

std::string DimsString(const matvar_t& var) {
  std::vector<size_t> dims(var.dims, var.dims + var.rank);
  return absl::StrCat("[", absl::StrJoin(dims, ", "), "]");
}

int64_t NumElements(const matvar_t& var) {
  int64_t n = 1;
  for (int i = 0; i < var.rank; ++i) {
    // Saturate rather than overflow on absurd dims.
    if (var.dims[i] != 0 && n > (int64_t{1} << 50) / var.dims[i]) {
      return int64_t{1} << 50;
    }
    n *= static_cast<int64_t>(var.dims[i]);
  }
  return n;
}

// Element i of a real numeric variable as a double; false for other classes.
bool ElementAsDouble(const matvar_t& var, int64_t i, double* value) {
  switch (var.class_type) {
#define NFALAB_MAT_CASE(mat_class, type)            \
  case mat_class:                                   \
    *value = static_cast<const type*>(var.data)[i]; \
    return true;
    NFALAB_MAT_CASE(MAT_C_DOUBLE, double)
    NFALAB_MAT_CASE(MAT_C_SINGLE, float)
    NFALAB_MAT_CASE(MAT_C_INT8, int8_t)
    NFALAB_MAT_CASE(MAT_C_UINT8, uint8_t)
    NFALAB_MAT_CASE(MAT_C_INT16, int16_t)
    NFALAB_MAT_CASE(MAT_C_UINT16, uint16_t)
    NFALAB_MAT_CASE(MAT_C_INT32, int32_t)
    NFALAB_MAT_CASE(MAT_C_UINT32, uint32_t)
    NFALAB_MAT_CASE(MAT_C_INT64, int64_t)
    NFALAB_MAT_CASE(MAT_C_UINT64, uint64_t)
#undef NFALAB_MAT_CASE
    default:
      return false;
  }
}

// Inflates the `bytes`-byte zlib stream at the file's position into a
// scratch buffer: libmatio does not check the Adler-32 checksum, so a
// corrupt compressed variable can decode to wrong pixels without a word.
absl::Status CheckZlibStream(FILE* file, int64_t bytes, int64_t offset,
                             const std::string& path, std::string* head) {
  z_stream z{};
  if (inflateInit(&z) != Z_OK) return Error(path, "zlib: inflateInit failed");
  std::vector<unsigned char> in(1 << 16), out(1 << 16);
  int result = Z_OK;
  while (result == Z_OK) {
    if (z.avail_in == 0 && bytes > 0) {
      const size_t chunk = static_cast<size_t>(
          std::min<int64_t>(bytes, static_cast<int64_t>(in.size())));
      if (std::fread(in.data(), 1, chunk, file) != chunk) break;
      bytes -= static_cast<int64_t>(chunk);
      z.next_in = in.data();
      z.avail_in = static_cast<uInt>(chunk);
    }
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    result = inflate(&z, Z_NO_FLUSH);
    if (head->empty()) {
      head->assign(reinterpret_cast<const char*>(out.data()),
                   out.size() - z.avail_out);
    }
    if (result == Z_BUF_ERROR && z.avail_in == 0 && bytes == 0) break;
    if (result == Z_BUF_ERROR) result = Z_OK;  // Output space only.
  }
  const std::string message = z.msg == nullptr ? "" : z.msg;
  inflateEnd(&z);
  if (result != Z_STREAM_END || z.avail_in != 0 || bytes != 0) {
    return Error(path,
                 absl::StrCat("corrupt compressed variable at offset ", offset,
                              message.empty() ? "" : ": ", message));
  }
  return absl::OkStatus();
}

// The start of a variable (a miMATRIX element: its tag, then the array
// flags, dims and name sub-elements) as libmatio's Mat_VarReadInfo reads
// it: it allocates the dims and the name at the sizes their tags claim, and
// for a cell or struct much more, unchecked (a fuzzed file asked for
// 3.2 GB). So a variable must be a numeric array whose first sub-elements
// have plausible sizes. `head` holds the element's first bytes (at least its
// tag; all of it if shorter than 64 KiB).
absl::Status CheckVariableHeader(absl::string_view head, bool little,
                                 int64_t offset, const std::string& path) {
  auto word = [little, &head](size_t at) {
    const auto* b = reinterpret_cast<const unsigned char*>(head.data()) + at;
    return little ? uint32_t{b[0]} | uint32_t{b[1]} << 8 |
                        uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24
                  : uint32_t{b[3]} | uint32_t{b[2]} << 8 |
                        uint32_t{b[1]} << 16 | uint32_t{b[0]} << 24;
  };
  auto bad = [&](absl::string_view what) {
    return Error(path, absl::StrCat("the variable at offset ", offset, " ",
                                    what, " (not a numeric array as SVHN's)"));
  };
  // Tag (8), flags tag + data (16), dims tag (8).
  if (head.size() < 32) return bad("is too short for a variable header");
  if (word(0) != MAT_T_MATRIX) return bad("is not a matrix element");
  if (word(8) != MAT_T_UINT32 || word(12) != 8) {
    return bad("has no array flags");
  }
  const int matrix_class = word(16) & 0xff;
  if (matrix_class < MAT_C_DOUBLE || matrix_class > MAT_C_UINT64) {
    return bad(absl::StrCat("has class ", matrix_class));
  }
  const uint32_t dims_bytes = word(28);
  if (word(24) != MAT_T_INT32 || dims_bytes < 8 || dims_bytes > 4 * 32 ||
      dims_bytes % 4 != 0) {
    return bad("has no valid dims (2 to 32 of them)");
  }
  const size_t name_at = 32 + (dims_bytes + 7) / 8 * 8;
  if (head.size() < name_at + 8) return bad("is too short for its name");
  // A name of up to 4 bytes may sit in the tag itself (small data element).
  const bool small = word(name_at) >> 16 != 0;
  const uint32_t name_bytes = small ? word(name_at) >> 16 : word(name_at + 4);
  if (name_bytes > 4096) return bad("has a name of over 4096 bytes");
  return absl::OkStatus();
}

// libmatio zero-fills the missing part of a truncated uncompressed variable
// without a word, so check the framing itself: a v5 file is a 128-byte
// header then top-level data elements, each an 8-byte tag (type, byte
// count) and its data (padded to 8 bytes unless compressed), which must end
// exactly at the end of the file. Only the tags are read, and compressed
// elements are inflated once to check their zlib checksum.
absl::Status CheckMat5Framing(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"),
                                             &std::fclose);
  if (file == nullptr || std::fseek(file.get(), 0, SEEK_END) != 0) {
    return Error(path, "cannot open it to check its size");
  }
  const int64_t size = std::ftell(file.get());
  unsigned char header[128];
  if (std::fseek(file.get(), 0, SEEK_SET) != 0 ||
      std::fread(header, 1, 128, file.get()) != 128) {
    return Error(path, "shorter than a MAT v5 header (128 bytes)");
  }
  // The endian indicator "MI" as written; "IM" if written little-endian.
  const bool little = header[126] == 'I' && header[127] == 'M';
  auto word = [little](const unsigned char* b) {
    return little ? uint32_t{b[0]} | uint32_t{b[1]} << 8 |
                        uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24
                  : uint32_t{b[3]} | uint32_t{b[2]} << 8 |
                        uint32_t{b[1]} << 16 | uint32_t{b[0]} << 24;
  };
  int64_t offset = 128;
  while (offset < size) {
    unsigned char tag[8];
    if (size - offset < 8 || std::fseek(file.get(), offset, SEEK_SET) != 0 ||
        std::fread(tag, 1, 8, file.get()) != 8) {
      return Error(path, absl::StrCat("truncated: ", size - offset,
                                      " stray bytes at offset ", offset,
                                      " where a data element should start"));
    }
    const int64_t end = offset + 8 + word(tag + 4);
    if (end > size) {
      return Error(
          path, absl::StrCat("truncated: the data element at offset ", offset,
                             " ends at byte ", end,
                             ", past the end of the file (", size, " bytes)"));
    }
    const bool compressed = word(tag) == MAT_T_COMPRESSED;
    std::string head;
    if (compressed) {
      NFALAB_RETURN_IF_ERROR(
          CheckZlibStream(file.get(), end - offset - 8, offset, path, &head));
    } else {
      head.resize(
          static_cast<size_t>(std::min<int64_t>(end - offset, 1 << 16)));
      if (std::fseek(file.get(), offset, SEEK_SET) != 0 ||
          std::fread(&head[0], 1, head.size(), file.get()) != head.size()) {
        return Error(path, absl::StrCat("cannot read the data element at "
                                        "offset ",
                                        offset));
      }
    }
    NFALAB_RETURN_IF_ERROR(CheckVariableHeader(head, little, offset, path));
    offset = compressed ? end : std::min<int64_t>((end + 7) / 8 * 8, size);
  }
  return absl::OkStatus();
}

// Reads variable `var_name` (its header already checked by the caller) with
// its data.
absl::StatusOr<MatVar> ReadVariable(mat_t* mat, const char* var_name,
                                    int64_t expected_bytes,
                                    absl::string_view name) {
  TakeMatioMessage();
  MatVar var(Mat_VarRead(mat, var_name));
  // A compressed variable that ends early comes back zero-filled, with only
  // a warning logged: any message means the data is not to be trusted.
  if (var == nullptr || var->data == nullptr || !last_matio_message.empty() ||
      static_cast<int64_t>(var->nbytes) != expected_bytes) {
    return Error(
        name, absl::StrCat("cannot read the data of variable ", var_name,
                           " (truncated or corrupt file)", TakeMatioMessage()));
  }
  return var;
}

}  // namespace

absl::StatusOr<ImageRecords> SvhnFromMatlab(absl::string_view x,
                                            const std::vector<double>& y,
                                            absl::string_view name) {
  const int64_t n = static_cast<int64_t>(y.size());
  if (static_cast<int64_t>(x.size()) != n * kSvhnImageBytes) {
    return Error(name,
                 absl::StrCat("image/label count mismatch: X holds ", x.size(),
                              " bytes (", x.size() / kSvhnImageBytes,
                              " images) and y has ", n, " labels"));
  }
  ImageRecords records;
  records.image_bytes = kSvhnImageBytes;
  records.labels.reserve(n);
  for (int64_t i = 0; i < n; ++i) {
    const double label = y[i];
    if (!(label >= 1 && label <= 10) || label != std::floor(label)) {
      return Error(name, absl::StrCat("y(", i + 1, ") = ", label,
                                      " is not a label in 1..10"));
    }
    records.labels.push_back(label == 10 ? 0 : static_cast<int>(label));
  }
  // Output (c, h, w) of image i is MATLAB X(h, w, c, i): the column-major
  // 32 x 32 plane of channel c, transposed.
  records.pixels.resize(x.size());
  for (int64_t i = 0; i < n; ++i) {
    const char* in = x.data() + i * kSvhnImageBytes;
    char* out = &records.pixels[i * kSvhnImageBytes];
    for (int c = 0; c < 3; ++c) {
      for (int h = 0; h < 32; ++h) {
        for (int w = 0; w < 32; ++w) {
          out[c * 1024 + h * 32 + w] = in[h + 32 * w + 1024 * c];
        }
      }
    }
  }
  return records;
}

namespace {

// OK if the file starts with a MAT v5 or v7.3 header: its version word
// (bytes 124-125, 0x0100 or 0x0200) and endian indicator ("IM" or "MI").
// libmatio is not asked to open anything else: it would read the file as
// MAT v4, whose header sizes it allocates unchecked (hundreds of MB for a
// few bytes of garbage, found by tests/fuzz/).
// True for v5 (whose framing CheckMat5Framing then checks), false for v7.3.
absl::StatusOr<bool> CheckMatHeader(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"),
                                             &std::fclose);
  unsigned char header[128];
  if (file == nullptr || std::fread(header, 1, 128, file.get()) != 128) {
    return Error(path,
                 "not a MATLAB v5 or v7.3 MAT file (shorter than the "
                 "128-byte header)");
  }
  const bool little = header[126] == 'I' && header[127] == 'M';
  const bool big = header[126] == 'M' && header[127] == 'I';
  const int version =
      little ? header[124] | header[125] << 8 : header[124] << 8 | header[125];
  if (!(little || big) || (version != 0x0100 && version != 0x0200)) {
    return Error(path, "not a MATLAB v5 or v7.3 MAT file (no v5 header)");
  }
  return version == 0x0100;
}

}  // namespace

absl::StatusOr<ImageRecords> ReadSvhnMatFile(const std::string& path,
                                             int64_t max_image_bytes) {
  if (!IsRegularFile(path)) {
    return absl::NotFoundError(absl::StrCat("SVHN file ", path, " not found"));
  }
  NFALAB_ASSIGN_OR_RETURN(const bool mat5, CheckMatHeader(path));
  // Before libmatio opens it: libmatio trusts the sizes in the file.
  if (mat5) NFALAB_RETURN_IF_ERROR(CheckMat5Framing(path));
  InstallMatioLog();
  TakeMatioMessage();
  MatFile mat(Mat_Open(path.c_str(), MAT_ACC_RDONLY));
  if (mat == nullptr) {
    return Error(path, absl::StrCat("libmatio cannot open it as a MAT file",
                                    TakeMatioMessage()));
  }
  // libmatio falls back to v4 for a file without a v5 header, which would
  // make any garbage "a MAT file with no X".
  if (Mat_GetVersion(mat.get()) == MAT_FT_MAT4) {
    return Error(path, "not a MATLAB v5 or v7.3 MAT file (no v5 header)");
  }
  if (Mat_GetVersion(mat.get()) == MAT_FT_MAT5 && !mat5) {
    return Error(path, "libmatio reads it as MAT v5, its header says v7.3");
  }

  MatVar x_info(Mat_VarReadInfo(mat.get(), "X"));
  if (x_info == nullptr) {
    return Error(
        path, absl::StrCat("no variable X (the images)", TakeMatioMessage()));
  }
  if (x_info->class_type != MAT_C_UINT8 || x_info->isComplex) {
    return Error(path, "variable X is not a real uint8 array");
  }
  const bool single = x_info->rank == 3;  // N = 1 drops the 4th dim.
  if ((x_info->rank != 4 && !single) || x_info->dims[0] != 32 ||
      x_info->dims[1] != 32 || x_info->dims[2] != 3) {
    return Error(path, absl::StrCat("variable X has dims ", DimsString(*x_info),
                                    ", expected [32, 32, 3, N]"));
  }
  const int64_t n = single ? 1 : static_cast<int64_t>(x_info->dims[3]);
  if (n > max_image_bytes / kSvhnImageBytes) {
    return Error(path, absl::StrCat("variable X holds ", n,
                                    " images, more than the limit of ",
                                    max_image_bytes, " bytes"));
  }

  MatVar y_info(Mat_VarReadInfo(mat.get(), "y"));
  if (y_info == nullptr) {
    return Error(
        path, absl::StrCat("no variable y (the labels)", TakeMatioMessage()));
  }
  const bool numeric = !y_info->isComplex &&
                       y_info->class_type >= MAT_C_DOUBLE &&
                       y_info->class_type <= MAT_C_UINT64;
  if (!numeric || y_info->rank != 2 ||
      (y_info->dims[0] != 1 && y_info->dims[1] != 1)) {
    return Error(path, absl::StrCat("variable y is not a real numeric vector "
                                    "(dims ",
                                    DimsString(*y_info), ")"));
  }
  const int64_t labels = NumElements(*y_info);
  if (labels != n) {
    return Error(path, absl::StrCat("image/label count mismatch: X holds ", n,
                                    " images and y has ", labels, " labels"));
  }

  absl::StatusOr<MatVar> x =
      ReadVariable(mat.get(), "X", n * kSvhnImageBytes, path);
  if (!x.ok()) return x.status();
  absl::StatusOr<MatVar> y = ReadVariable(
      mat.get(), "y",
      n * static_cast<int64_t>(Mat_SizeOfClass(y_info->class_type)), path);
  if (!y.ok()) return y.status();
  std::vector<double> y_values(n);
  for (int64_t i = 0; i < n; ++i) ElementAsDouble(**y, i, &y_values[i]);
  return SvhnFromMatlab(
      absl::string_view(static_cast<const char*>((*x)->data), (*x)->nbytes),
      y_values, path);
}

}  // namespace nfalab
