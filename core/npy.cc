#include "core/npy.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/file_io.h"
#include "core/status_macros.h"

namespace nfalab {
namespace {

static_assert(sizeof(int) == 4, "WriteNpyInt32 assumes a 32-bit int");
static_assert(sizeof(float) == 4 && sizeof(double) == 8,
              ".npy '<f4'/'<f8' need IEEE single and double");

constexpr absl::string_view kMagic("\x93NUMPY", 6);
// NumPy aligns magic + length + header to 64 bytes (ARRAY_ALIGN).
constexpr size_t kHeaderAlignment = 64;
// NumPy itself refuses headers over 10000 bytes by default; 1 MiB is far
// above any real header and keeps a hostile length from costing memory.
constexpr uint64_t kMaxHeaderBytes = uint64_t{1} << 20;

bool HostIsLittleEndian() {
  const uint16_t one = 1;
  unsigned char first_byte;
  std::memcpy(&first_byte, &one, 1);
  return first_byte == 1;
}


// ---------------------------------------------------------------- writing

// Magic, version 1.0, header length and the padded header dict.
std::string NpyV1Header(absl::string_view descr,
                        const std::vector<int64_t>& shape) {
  std::string dict = absl::StrCat(
      "{'descr': '", descr,
      "', 'fortran_order': False, 'shape': ", NpyShapeText(shape), ", }");
  // NumPy's _wrap_header: pad so that magic (6) + version (2) + length (2) +
  // header + '\n' is a multiple of 64 (padding is 1..64 spaces).
  const size_t prefix = kMagic.size() + 2 + 2;
  const size_t padding =
      kHeaderAlignment - (prefix + dict.size() + 1) % kHeaderAlignment;
  dict.append(padding, ' ');
  dict.push_back('\n');
  // A 1-D or 2-D shape gives at most ~100 bytes, far below the uint16 limit.
  const uint16_t header_length = static_cast<uint16_t>(dict.size());
  std::string out(kMagic);
  out.push_back('\x01');
  out.push_back('\x00');
  out.push_back(static_cast<char>(header_length & 0xff));
  out.push_back(static_cast<char>(header_length >> 8));
  out += dict;
  return out;
}

// Appends `n` values of `T` (4 or 8 bytes) in little-endian byte order.
template <typename T>
void AppendLittleEndian(const T* data, int64_t n, std::string* out) {
  const size_t bytes = static_cast<size_t>(n) * sizeof(T);
  if (HostIsLittleEndian()) {
    out->append(reinterpret_cast<const char*>(data), bytes);
    return;
  }
  out->reserve(out->size() + bytes);
  for (int64_t i = 0; i < n; ++i) {
    unsigned char raw[sizeof(T)];
    std::memcpy(raw, &data[i], sizeof(T));
    for (size_t b = sizeof(T); b-- > 0;) out->push_back(raw[b]);
  }
}

template <typename T>
absl::Status WriteArray(const std::string& path, absl::string_view descr,
                        const std::vector<int64_t>& shape, const T* data,
                        int64_t n) {
  std::string contents = NpyV1Header(descr, shape);
  AppendLittleEndian(data, n, &contents);
  return WriteFileAtomically(path, contents);
}

// ---------------------------------------------------------------- reading

absl::Status FileError(absl::StatusCode code, absl::string_view path,
                       absl::string_view problem) {
  return absl::Status(code, absl::StrCat(path, ": ", problem));
}

// Reads exactly `size` bytes at `offset` into `out`.
absl::Status ReadAt(int fd, const std::string& path, uint64_t offset,
                    uint64_t size, std::string* out) {
  out->resize(size);
  uint64_t done = 0;
  while (done < size) {
    const ssize_t n = pread(fd, &(*out)[done], size - done,
                            static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("cannot read", path);
    }
    if (n == 0) {
      return FileError(absl::StatusCode::kInvalidArgument, path,
                       "file shrank while being read");
    }
    done += static_cast<uint64_t>(n);
  }
  return absl::OkStatus();
}

struct HeaderDict {
  std::string descr;
  bool fortran_order = false;
  std::vector<int64_t> shape;
};

// Parses the header, a Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
// with exactly the keys 'descr' (a string), 'fortran_order' (True/False) and
// 'shape' (a tuple of integers). Whitespace and trailing commas are allowed
// anywhere Python allows them; Python 2 long suffixes (3L) are accepted.
// Errors carry no path; the caller adds it.
class HeaderDictParser {
 public:
  explicit HeaderDictParser(absl::string_view text) : text_(text) {}

  absl::StatusOr<HeaderDict> Parse() {
    HeaderDict dict;
    bool has_descr = false, has_fortran_order = false, has_shape = false;
    SkipSpace();
    NFALAB_RETURN_IF_ERROR(Expect('{'));
    while (true) {
      SkipSpace();
      if (Consume('}')) break;
      NFALAB_ASSIGN_OR_RETURN(const std::string key, ParseString());
      SkipSpace();
      NFALAB_RETURN_IF_ERROR(Expect(':'));
      SkipSpace();
      if (key == "descr") {
        NFALAB_RETURN_IF_ERROR(CheckFirst(has_descr, key));
        if (Peek() == '[') {
          return absl::UnimplementedError(
              "structured dtypes (a list 'descr') are not supported");
        }
        NFALAB_ASSIGN_OR_RETURN(dict.descr, ParseString());
      } else if (key == "fortran_order") {
        NFALAB_RETURN_IF_ERROR(CheckFirst(has_fortran_order, key));
        NFALAB_ASSIGN_OR_RETURN(dict.fortran_order, ParseBool());
      } else if (key == "shape") {
        NFALAB_RETURN_IF_ERROR(CheckFirst(has_shape, key));
        NFALAB_ASSIGN_OR_RETURN(dict.shape, ParseTuple());
      } else {
        return Error(absl::StrCat("unexpected key '", key, "'"));
      }
      SkipSpace();
      if (Consume(',')) continue;
      NFALAB_RETURN_IF_ERROR(Expect('}'));
      break;
    }
    SkipSpace();
    if (pos_ != text_.size()) return Error("unexpected text after the dict");
    for (const auto& [present, key] :
         {std::pair<bool, const char*>{has_descr, "descr"},
          {has_fortran_order, "fortran_order"},
          {has_shape, "shape"}}) {
      if (!present) {
        return absl::InvalidArgumentError(
            absl::StrCat("header dict has no '", key, "' key: ", Excerpt()));
      }
    }
    return dict;
  }

 private:
  // '\0' at the end of the text.
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

  void SkipSpace() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
            text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool Consume(char c) {
    if (Peek() != c || pos_ >= text_.size()) return false;
    ++pos_;
    return true;
  }

  absl::Status Expect(char c) {
    if (Consume(c)) return absl::OkStatus();
    return Error(absl::StrCat("expected '", std::string(1, c), "'"));
  }

  absl::Status CheckFirst(bool& seen, const std::string& key) {
    if (seen) return Error(absl::StrCat("duplicate key '", key, "'"));
    seen = true;
    return absl::OkStatus();
  }

  // The header text, cut to a readable length, for error messages.
  std::string Excerpt() const {
    constexpr size_t kMaxChars = 120;
    absl::string_view shown = text_.substr(0, kMaxChars);
    while (!shown.empty() && (shown.back() == ' ' || shown.back() == '\n')) {
      shown.remove_suffix(1);
    }
    std::string out;
    for (char c : shown) {
      const unsigned char u = static_cast<unsigned char>(c);
      out.push_back(u >= 0x20 && u < 0x7f ? c : '?');
    }
    if (text_.size() > kMaxChars) out += "...";
    return out;
  }

  absl::Status Error(absl::string_view problem) const {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot parse header dict at byte ", pos_, ": ", problem,
                     " in: ", Excerpt()));
  }

  // A '...' or "..." literal without escapes.
  absl::StatusOr<std::string> ParseString() {
    const char quote = Peek();
    if (quote != '\'' && quote != '"') return Error("expected a string");
    const size_t start = ++pos_;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      if (text_[pos_] == '\\') return Error("unsupported escape in a string");
      ++pos_;
    }
    if (pos_ >= text_.size()) return Error("unterminated string");
    std::string value(text_.substr(start, pos_ - start));
    ++pos_;  // Closing quote.
    return value;
  }

  absl::StatusOr<bool> ParseBool() {
    for (const auto& [word, value] :
         {std::pair<absl::string_view, bool>{"True", true}, {"False", false}}) {
      if (text_.substr(pos_, word.size()) == word) {
        const size_t end = pos_ + word.size();
        const char next = end < text_.size() ? text_[end] : '\0';
        if (std::isalnum(static_cast<unsigned char>(next)) || next == '_') {
          break;
        }
        pos_ = end;
        return value;
      }
    }
    return Error("expected True or False");
  }

  // An integer with an optional sign and an optional Python 2 'L' suffix.
  absl::StatusOr<int64_t> ParseInt() {
    const bool negative = Consume('-');
    if (!std::isdigit(static_cast<unsigned char>(Peek()))) {
      return Error("expected an integer");
    }
    int64_t value = 0;
    while (std::isdigit(static_cast<unsigned char>(Peek()))) {
      const int digit = text_[pos_] - '0';
      if (value > (std::numeric_limits<int64_t>::max() - digit) / 10) {
        return Error("integer does not fit in 64 bits");
      }
      value = value * 10 + digit;
      ++pos_;
    }
    if (Peek() == 'L' || Peek() == 'l') ++pos_;
    return negative ? -value : value;
  }

  // (), (5,), (5), (2, 3), (2, 3,): a parenthesized list of integers.
  absl::StatusOr<std::vector<int64_t>> ParseTuple() {
    std::vector<int64_t> values;
    NFALAB_RETURN_IF_ERROR(Expect('('));
    SkipSpace();
    if (Consume(')')) return values;
    while (true) {
      SkipSpace();
      NFALAB_ASSIGN_OR_RETURN(const int64_t value, ParseInt());
      values.push_back(value);
      SkipSpace();
      if (Consume(',')) {
        SkipSpace();
        if (Consume(')')) break;
        continue;
      }
      NFALAB_RETURN_IF_ERROR(Expect(')'));
      break;
    }
    return values;
  }

  absl::string_view text_;
  size_t pos_ = 0;
};

enum class ScalarKind { kFloat32, kFloat64, kInt8, kUint8, kInt32, kInt64 };

struct DType {
  ScalarKind kind;
  int bytes;
};

// Maps a 'descr' string to a supported dtype. Errors carry no path.
absl::StatusOr<DType> ParseDescr(const std::string& descr) {
  constexpr absl::string_view kSupported = "<f4 <f8 <i4 <i8 |u1 |i1";
  const absl::Status unsupported = absl::UnimplementedError(absl::StrCat(
      "unsupported dtype '", descr, "' (supported: ", kSupported, ")"));
  if (descr.size() != 3) return unsupported;
  const char order = descr[0];
  const absl::string_view type = absl::string_view(descr).substr(1);
  DType dtype;
  if (type == "f4") {
    dtype = {ScalarKind::kFloat32, 4};
  } else if (type == "f8") {
    dtype = {ScalarKind::kFloat64, 8};
  } else if (type == "i4") {
    dtype = {ScalarKind::kInt32, 4};
  } else if (type == "i8") {
    dtype = {ScalarKind::kInt64, 8};
  } else if (type == "u1") {
    dtype = {ScalarKind::kUint8, 1};
  } else if (type == "i1") {
    dtype = {ScalarKind::kInt8, 1};
  } else {
    return unsupported;
  }
  // Byte order does not matter for one-byte types.
  if (dtype.bytes == 1 &&
      (order == '|' || order == '<' || order == '>' || order == '=')) {
    return dtype;
  }
  if (order == '<' || (order == '=' && HostIsLittleEndian())) return dtype;
  if (order == '>' || order == '=') {
    return absl::UnimplementedError(absl::StrCat(
        "big-endian dtype '", descr,
        "' is not supported; convert it with a.astype(a.dtype.newbyteorder("
        "'<'))"));
  }
  return unsupported;
}

// Loads `n` little-endian values of type `T` from `src` into `dst` as double.
template <typename T>
void DecodeLittleEndian(const char* src, int64_t n, double* dst) {
  for (int64_t i = 0; i < n; ++i) {
    unsigned char raw[sizeof(T)];
    std::memcpy(raw, src + i * sizeof(T), sizeof(T));
    uint64_t bits = 0;
    for (size_t b = sizeof(T); b-- > 0;) bits = (bits << 8) | raw[b];
    T value;
    if constexpr (sizeof(T) == 1) {
      const uint8_t narrow = static_cast<uint8_t>(bits);
      std::memcpy(&value, &narrow, 1);
    } else if constexpr (sizeof(T) == 4) {
      const uint32_t narrow = static_cast<uint32_t>(bits);
      std::memcpy(&value, &narrow, 4);
    } else {
      std::memcpy(&value, &bits, 8);
    }
    dst[i] = static_cast<double>(value);
  }
}

void Decode(const DType& dtype, const char* src, int64_t n, double* dst) {
  switch (dtype.kind) {
    case ScalarKind::kFloat32:
      return DecodeLittleEndian<float>(src, n, dst);
    case ScalarKind::kFloat64:
      return DecodeLittleEndian<double>(src, n, dst);
    case ScalarKind::kInt8:
      return DecodeLittleEndian<int8_t>(src, n, dst);
    case ScalarKind::kUint8:
      return DecodeLittleEndian<uint8_t>(src, n, dst);
    case ScalarKind::kInt32:
      return DecodeLittleEndian<int32_t>(src, n, dst);
    case ScalarKind::kInt64:
      return DecodeLittleEndian<int64_t>(src, n, dst);
  }
}

uint64_t LittleEndianUint(absl::string_view bytes) {
  uint64_t value = 0;
  for (size_t b = bytes.size(); b-- > 0;) {
    value = (value << 8) | static_cast<unsigned char>(bytes[b]);
  }
  return value;
}

// Magic (6) + version (2) + the longest header length field (4) + the
// longest accepted header: every header ReadNpy accepts lies in this prefix.
constexpr uint64_t kMaxPrefixBytes = kMagic.size() + 2 + 4 + kMaxHeaderBytes;

// NumPy writes at most 64 dimensions (NPY_MAXDIMS in NumPy 2; 32 before), so
// more mark a file that no NumPy wrote.
constexpr size_t kMaxDims = 64;

// The product of `dims` (>= 0 each) in *product, or false if it does not fit
// in 64 bits. A zero anywhere makes it 0 whatever the others are.
bool CheckedProduct(absl::Span<const int64_t> dims, int64_t* product) {
  *product = 1;
  if (std::find(dims.begin(), dims.end(), 0) != dims.end()) {
    *product = 0;
    return true;
  }
  for (const int64_t dim : dims) {
    if (*product > std::numeric_limits<int64_t>::max() / dim) return false;
    *product *= dim;
  }
  return true;
}

// Where the data of a checked .npy file lies, and what it holds.
struct NpyLayout {
  std::string descr;
  DType dtype;
  std::vector<int64_t> shape;
  int64_t count = 0;
  int64_t row_size = 0;  // The product of shape[1:] (1 for 1-d).
  uint64_t data_start = 0;
  uint64_t data_bytes = 0;
};

// Checks everything but the data values of a .npy file of `file_size` bytes
// whose first bytes are `prefix` (at least min(file_size, kMaxPrefixBytes)).
absl::StatusOr<NpyLayout> ParseLayout(absl::string_view prefix,
                                      uint64_t file_size,
                                      absl::string_view path) {
  // Magic string and version.
  if (prefix.substr(0, kMagic.size()) !=
      kMagic.substr(0, std::min(prefix.size(), kMagic.size()))) {
    return FileError(absl::StatusCode::kInvalidArgument, path,
                     "not a .npy file (bad magic string; expected "
                     "\"\\x93NUMPY\")");
  }
  if (file_size < kMagic.size() + 2) {
    return FileError(
        absl::StatusCode::kInvalidArgument, path,
        absl::StrCat("file is too short (", file_size,
                     " bytes) to hold the .npy magic string and version"));
  }
  const int major = static_cast<unsigned char>(prefix[6]);
  const int minor = static_cast<unsigned char>(prefix[7]);
  if (minor != 0 || major < 1 || major > 3) {
    return FileError(absl::StatusCode::kUnimplemented, path,
                     absl::StrCat("unsupported .npy format version ", major,
                                  ".", minor, " (supported: 1.0, 2.0, 3.0)"));
  }

  // Header length: uint16 in version 1.0, uint32 after.
  const uint64_t length_bytes = major == 1 ? 2 : 4;
  const uint64_t header_start = kMagic.size() + 2 + length_bytes;
  if (file_size < header_start) {
    return FileError(
        absl::StatusCode::kInvalidArgument, path,
        absl::StrCat("file is too short (", file_size,
                     " bytes) to hold the header length of a version ", major,
                     ".0 .npy file"));
  }
  const uint64_t header_length =
      LittleEndianUint(prefix.substr(kMagic.size() + 2, length_bytes));
  if (header_length > file_size - header_start) {
    return FileError(
        absl::StatusCode::kInvalidArgument, path,
        absl::StrCat("header length ", header_length,
                     " extends past the end of the file (", header_start, " + ",
                     header_length, " > ", file_size, " bytes)"));
  }
  if (header_length > kMaxHeaderBytes) {
    return FileError(
        absl::StatusCode::kInvalidArgument, path,
        absl::StrCat("header length ", header_length, " exceeds the limit of ",
                     kMaxHeaderBytes, " bytes"));
  }
  absl::StatusOr<HeaderDict> dict =
      HeaderDictParser(prefix.substr(header_start, header_length)).Parse();
  if (!dict.ok()) return AnnotateStatus(dict.status(), path);

  if (dict->fortran_order) {
    return FileError(absl::StatusCode::kUnimplemented, path,
                     "fortran_order True is not supported (Unimplemented); "
                     "save a C-ordered array, e.g. "
                     "np.save(path, np.ascontiguousarray(a))");
  }
  absl::StatusOr<DType> dtype = ParseDescr(dict->descr);
  if (!dtype.ok()) return AnnotateStatus(dtype.status(), path);

  const std::vector<int64_t>& shape = dict->shape;
  if (shape.empty()) {
    return FileError(absl::StatusCode::kUnimplemented, path,
                     "0-d arrays are not supported (shape ()); save at least "
                     "a 1-d array, e.g. np.atleast_1d(a)");
  }
  if (shape.size() > kMaxDims) {
    // Not ShapeText: the header may hold thousands of dimensions.
    return FileError(
        absl::StatusCode::kInvalidArgument, path,
        absl::StrCat("shape has ", shape.size(),
                     " dimensions; NumPy writes at most ", kMaxDims));
  }
  for (const int64_t dim : shape) {
    if (dim < 0) {
      return FileError(absl::StatusCode::kInvalidArgument, path,
                       absl::StrCat("negative dimension ", dim, " in shape ",
                                    NpyShapeText(shape)));
    }
  }
  int64_t count = 0;
  if (!CheckedProduct(shape, &count)) {
    return FileError(absl::StatusCode::kInvalidArgument, path,
                     absl::StrCat("shape ", NpyShapeText(shape),
                                  " overflows: its element count does not "
                                  "fit in 64 bits"));
  }
  // Only an empty array (shape[0] = 0) can have rows larger than the count.
  int64_t row_size = 0;
  if (!CheckedProduct(absl::MakeConstSpan(shape).subspan(1), &row_size)) {
    return FileError(absl::StatusCode::kInvalidArgument, path,
                     absl::StrCat("shape ", NpyShapeText(shape),
                                  " overflows: its row size does not fit in "
                                  "64 bits"));
  }
  if (count > std::numeric_limits<int64_t>::max() / dtype->bytes) {
    return FileError(absl::StatusCode::kInvalidArgument, path,
                     absl::StrCat("shape ", NpyShapeText(shape),
                                  " overflows: its byte count does not fit "
                                  "in 64 bits"));
  }
  const uint64_t expected_bytes = static_cast<uint64_t>(count) * dtype->bytes;
  const uint64_t data_start = header_start + header_length;
  const uint64_t found_bytes = file_size - data_start;
  if (found_bytes != expected_bytes) {
    return FileError(
        absl::StatusCode::kInvalidArgument, path,
        absl::StrCat(
            "expected ", expected_bytes, " bytes of data, found ", found_bytes,
            " (shape ", NpyShapeText(shape), ", dtype '", dict->descr, "'; ",
            found_bytes < expected_bytes ? "the file is truncated)"
                                         : "unexpected bytes after the data)"));
  }
  return NpyLayout{dict->descr, *dtype,     shape,         count,
                   row_size,    data_start, expected_bytes};
}

// The array of `layout` from its `data_bytes` bytes of data.
NpyArray MakeArray(const NpyLayout& layout, absl::string_view data) {
  NpyArray array;
  array.shape = layout.shape;
  array.dtype = layout.descr;
  // C order: row i holds a[i] with its axes flattened, last fastest.
  array.values.resize(layout.shape[0], layout.row_size);
  Decode(layout.dtype, data.data(), layout.count, array.values.data());
  return array;
}

}  // namespace

absl::Status WriteNpy(const std::string& path, const Matrix& m) {
  return WriteArray(path, "<f4", {m.rows(), m.cols()}, m.data(), m.size());
}

absl::Status WriteNpy(const std::string& path, const Matrix& m,
                      absl::Span<const int64_t> shape) {
  int64_t count = 1;
  for (int64_t extent : shape) count *= extent;
  if (count != m.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": shape (", absl::StrJoin(shape, ", "), ") has ",
                     count, " values but the matrix has ", m.size()));
  }
  return WriteArray(path, "<f4", std::vector<int64_t>(shape.begin(), shape.end()),
                    m.data(), m.size());
}

absl::Status WriteNpy(const std::string& path, const MatrixD& m) {
  return WriteArray(path, "<f8", {m.rows(), m.cols()}, m.data(), m.size());
}

absl::Status WriteNpy(const std::string& path, const Vector& v) {
  return WriteArray(path, "<f4", {v.size()}, v.data(), v.size());
}

absl::Status WriteNpyInt32(const std::string& path,
                           absl::Span<const int> values) {
  const int64_t n = static_cast<int64_t>(values.size());
  return WriteArray(path, "<i4", {n}, values.data(), n);
}

absl::StatusOr<NpyArray> ReadNpy(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("cannot open", path);
  ScopedFd file(fd);
  struct stat info;
  if (fstat(fd, &info) != 0) return ErrnoStatus("cannot stat", path);
  if (!S_ISREG(info.st_mode)) {
    return FileError(absl::StatusCode::kFailedPrecondition, path,
                     "not a regular file");
  }
  const uint64_t file_size = static_cast<uint64_t>(info.st_size);
  // The header first, so a malformed file is refused before its data is read.
  std::string prefix;
  NFALAB_RETURN_IF_ERROR(ReadAt(
      fd, path, 0, std::min<uint64_t>(file_size, kMaxPrefixBytes), &prefix));
  NFALAB_ASSIGN_OR_RETURN(const NpyLayout layout,
                          ParseLayout(prefix, file_size, path));
  // Every allocation below is bounded by the file size (8 x for 1-byte data).
  std::string data;
  NFALAB_RETURN_IF_ERROR(
      ReadAt(fd, path, layout.data_start, layout.data_bytes, &data));
  return MakeArray(layout, data);
}

absl::StatusOr<NpyArray> ParseNpy(absl::string_view bytes,
                                  absl::string_view name) {
  NFALAB_ASSIGN_OR_RETURN(const NpyLayout layout,
                          ParseLayout(bytes, bytes.size(), name));
  return MakeArray(layout, bytes.substr(layout.data_start, layout.data_bytes));
}

absl::Status CheckFitsFloat(const NpyArray& array, absl::string_view name) {
  const MatrixD& values = array.values;
  for (Eigen::Index i = 0; i < values.rows(); ++i) {
    for (Eigen::Index j = 0; j < values.cols(); ++j) {
      const double value = values(i, j);
      const bool fits = std::abs(value) <= std::numeric_limits<float>::max();
      if (std::isfinite(value) && fits) continue;
      // The full index: [i] for 1-D, [i, c, h, w] for 4-D.
      std::vector<int64_t> index = {i};
      if (array.shape.size() > 1) {
        index.resize(array.shape.size());
        int64_t rest = j;
        for (size_t k = array.shape.size() - 1; k >= 1; --k) {
          index[k] = rest % array.shape[k];
          rest /= array.shape[k];
        }
      }
      const std::string what =
          std::isnan(value)
              ? "NaN"
              : (std::isinf(value) ? (value > 0 ? "inf" : "-inf")
                                   : absl::StrCat(value,
                                                  ", beyond float's "
                                                  "range"));
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": element [", absl::StrJoin(index, ", "), "] is ",
                       what, "; every value must be finite (in float)"));
    }
  }
  return absl::OkStatus();
}

std::string NpyShapeText(const std::vector<int64_t>& shape) {
  if (shape.size() == 1) return absl::StrCat("(", shape[0], ",)");
  return absl::StrCat("(", absl::StrJoin(shape, ", "), ")");
}

}  // namespace nfalab
