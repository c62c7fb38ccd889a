#include "datasets/cifar.h"

#include "absl/strings/str_cat.h"
#include "datasets/file_util.h"

namespace nfalab {
namespace {

absl::Status Error(absl::string_view name, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(name, ": ", problem));
}

absl::Status LabelError(absl::string_view name, int64_t record, int64_t offset,
                        absl::string_view which, int label, int limit) {
  return Error(name, absl::StrCat("record ", record, " (byte offset ", offset,
                                  "): ", which, " ", label, " is outside [0, ",
                                  limit, ")"));
}

}  // namespace

int CifarRecordBytes(CifarVariant variant) {
  return (variant == CifarVariant::kCifar10 ? 1 : 2) + kCifarImageBytes;
}

absl::StatusOr<CifarRecords> ParseCifar(absl::string_view bytes,
                                        CifarVariant variant,
                                        absl::string_view name) {
  const int64_t record_bytes = CifarRecordBytes(variant);
  const int64_t size = static_cast<int64_t>(bytes.size());
  const char* kind =
      variant == CifarVariant::kCifar10 ? "CIFAR-10" : "CIFAR-100";
  if (size == 0) return Error(name, "file has no records");
  if (size % record_bytes != 0) {
    return Error(name, absl::StrCat("file is truncated: ", size,
                                    " bytes is not a whole number of ",
                                    record_bytes, "-byte ", kind, " records (",
                                    size / record_bytes, " records + ",
                                    size % record_bytes, " extra bytes)"));
  }
  const int64_t n = size / record_bytes;
  CifarRecords records;
  records.labels.reserve(n);
  if (variant == CifarVariant::kCifar100) records.coarse_labels.reserve(n);
  records.pixels.reserve(n * kCifarImageBytes);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t offset = i * record_bytes;
    const char* record = bytes.data() + offset;
    if (variant == CifarVariant::kCifar10) {
      const int label = static_cast<unsigned char>(record[0]);
      if (label >= 10) return LabelError(name, i, offset, "label", label, 10);
      records.labels.push_back(label);
    } else {
      const int coarse = static_cast<unsigned char>(record[0]);
      const int fine = static_cast<unsigned char>(record[1]);
      if (coarse >= 20) {
        return LabelError(name, i, offset, "coarse label", coarse, 20);
      }
      if (fine >= 100) {
        return LabelError(name, i, offset, "fine label", fine, 100);
      }
      records.coarse_labels.push_back(coarse);
      records.labels.push_back(fine);
    }
    records.pixels.append(record + record_bytes - kCifarImageBytes,
                          kCifarImageBytes);
  }
  return records;
}

absl::StatusOr<CifarRecords> ReadCifarFile(const std::string& path,
                                           CifarVariant variant,
                                           int64_t max_bytes) {
  absl::StatusOr<std::string> bytes = ReadFileUpTo(path, max_bytes);
  if (!bytes.ok()) return bytes.status();
  return ParseCifar(*bytes, variant, path);
}

}  // namespace nfalab
