// libFuzzer target for the parsers that read untrusted files: the same
// in-memory functions the readers call (datasets/idx.h, gzip.h, cifar.h,
// csv.h, core/npy.h, experiment/checkpoint.h), and the sources that read
// files by name (the "npy" source) on files written per input. The first input
// byte picks the parser (kModes below), the rest is the file. Besides crashes
// and sanitizer reports, every successful parse is checked for the documented
// invariants
// (__builtin_trap on a violation).
//
// Mode 8 (a whole checkpoint file through ParseCheckpoint) is compiled only
// with -DNFALAB_FUZZ_HAVE_PARSE_CHECKPOINT=1; run_fuzzer.sh sets it when
// experiment/checkpoint.h declares ParseCheckpoint.
//
// Not a Bazel target (the Bazel toolchain is gcc, libFuzzer needs clang):
// build and run it with tests/fuzz/run_fuzzer.sh.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "core/npy.h"
#include "core/random.h"
#include "core/tensor.h"
#include "datasets/cifar.h"
#include "datasets/csv.h"
#include "datasets/dataset.h"
#include "datasets/dataset_config.pb.h"
#include "datasets/gtsrb.h"
#include "datasets/gzip.h"
#include "datasets/idx.h"
#include "datasets/image_records.h"
#include "datasets/image_resize.h"
#include "datasets/npy_source.h"
#include "datasets/stl10.h"
#include "datasets/svhn.h"
#include "experiment/checkpoint.h"
#include "experiment/checkpoint.pb.h"
#include "experiment/model_import.h"
#include "google/protobuf/stubs/logging.h"
#include "layers/sequential.h"
#include "optimizers/optimizer.h"

namespace {

using ::nfalab::CifarVariant;

// The first input byte, modulo kModes, selects what the rest is fed to.
enum Mode {
  kIdx = 0,
  kIdxGzipOrPlain = 1,  // The reader's path: gzip detection, bounded size.
  kCifar10 = 2,
  kCifar100 = 3,
  kCsv = 4,
  kCsvSemicolonHeader = 5,
  kGzip = 6,
  kNpy = 7,
  kCheckpointFile = 8,     // ParseCheckpoint: envelope, checksum, payload.
  kCheckpointPayload = 9,  // Behind the checksum: the Checkpoint proto.
  kNpySource = 10,         // The "npy" dataset source on X_train/y_train.
  kPpm = 11,               // GTSRB's images.
  kGtsrbCsv = 12,          // GTSRB's GT-*.csv annotations.
  kStl10Images = 13,       // STL-10's *_X.bin.
  kStl10Labels = 14,       // STL-10's *_y.bin.
  kSvhnValues = 15,        // SVHN's X and y as libmatio hands them over.
  kSvhnMatFile = 16,       // A whole .mat file through libmatio.
  kResize = 17,            // ResizeImage: sizes and pixels from the input.
  kModelJson = 18,         // ParseModelJson: `nfalab measure`'s model.json.
  kModes = 19,
};

void Require(bool condition) {
  if (!condition) __builtin_trap();
}

// Limits small enough to keep every execution fast.
constexpr int64_t kMaxBytes = int64_t{1} << 20;

void CheckIdx(const absl::StatusOr<nfalab::IdxArray>& array) {
  if (!array.ok()) {
    Require(array.status().code() == absl::StatusCode::kInvalidArgument);
    return;
  }
  Require(!array->dims.empty());
  uint64_t elements = 1;
  for (int64_t dim : array->dims) {
    Require(dim >= 0);
    elements *= static_cast<uint64_t>(dim);
  }
  Require(elements == static_cast<uint64_t>(array->num_elements()));
  Require(array->data.size() == elements * nfalab::IdxElementSize(array->type));
  if (elements > 0) {
    volatile double first = array->Get(0);
    volatile double last = array->Get(static_cast<int64_t>(elements) - 1);
    (void)first;
    (void)last;
  }
}

void CheckCifar(const absl::StatusOr<nfalab::CifarRecords>& records,
                CifarVariant variant, size_t input_size) {
  if (!records.ok()) {
    Require(records.status().code() == absl::StatusCode::kInvalidArgument);
    return;
  }
  const int64_t n = records->size();
  Require(n > 0);
  Require(static_cast<size_t>(n) * nfalab::CifarRecordBytes(variant) ==
          input_size);
  Require(records->pixels.size() ==
          static_cast<size_t>(n) * nfalab::kCifarImageBytes);
  const int classes = variant == CifarVariant::kCifar10 ? 10 : 100;
  for (int label : records->labels) Require(label >= 0 && label < classes);
  if (variant == CifarVariant::kCifar100) {
    Require(records->coarse_labels.size() == static_cast<size_t>(n));
    for (int label : records->coarse_labels) {
      Require(label >= 0 && label < 20);
    }
  } else {
    Require(records->coarse_labels.empty());
  }
}

void CheckCsv(const absl::StatusOr<nfalab::CsvTable>& table) {
  if (!table.ok()) {
    Require(table.status().code() == absl::StatusCode::kInvalidArgument);
    return;
  }
  Require(table->rows > 0 && table->cols > 0);
  Require(table->values.size() ==
          static_cast<size_t>(table->rows * table->cols));
  Require(table->line_numbers.size() == static_cast<size_t>(table->rows));
  for (size_t i = 1; i < table->line_numbers.size(); ++i) {
    Require(table->line_numbers[i] > table->line_numbers[i - 1]);
  }
}

void CheckNpy(const absl::StatusOr<nfalab::NpyArray>& array,
              size_t input_size) {
  if (!array.ok()) {
    Require(array.status().code() == absl::StatusCode::kInvalidArgument ||
            array.status().code() == absl::StatusCode::kUnimplemented);
    Require(absl::StartsWith(array.status().message(), "fuzz: "));
    return;
  }
  const std::vector<int64_t>& shape = array->shape;
  Require(shape.size() >= 1 && shape.size() <= 64);
  for (int64_t dim : shape) Require(dim >= 0);
  Require(array->values.rows() == shape[0]);
  // Rows are a[i] flattened; a product that would overflow was refused.
  int64_t row_size = 1;
  bool has_zero = false;
  for (size_t k = 1; k < shape.size(); ++k) has_zero |= shape[k] == 0;
  for (size_t k = 1; k < shape.size() && !has_zero; ++k) row_size *= shape[k];
  Require(array->values.cols() == (has_zero ? 0 : row_size));
  // The dtype is one the header comment lists, and the data fit the input.
  const std::string& dtype = array->dtype;
  Require(dtype.size() == 3);
  const int element_bytes = dtype[2] - '0';
  Require(element_bytes == 1 || element_bytes == 4 || element_bytes == 8);
  Require(static_cast<uint64_t>(array->values.size()) * element_bytes <=
          input_size);
  const double* values = array->values.data();
  for (int64_t i = 0; i < array->values.size(); ++i) {
    const double v = values[i];
    if (dtype[1] == 'u') Require(v >= 0 && v <= 255 && v == std::floor(v));
    if (dtype[1] == 'i') Require(v == std::floor(v));
    if (dtype == "|i1" || dtype == "<i1" || dtype == ">i1" || dtype == "=i1") {
      Require(v >= -128 && v <= 127);
    }
    if (dtype == "<f4" && !std::isnan(v)) {
      Require(static_cast<double>(static_cast<float>(v)) == v);
    }
  }
}

// A model small enough to build on every execution.
bool IsSmall(const nfalab::ModelConfig& model) {
  constexpr int kMaxDepth = 6, kMaxWidth = 64;
  if (model.depth() > kMaxDepth || model.width() > kMaxWidth ||
      model.widths_size() > kMaxDepth + 1 ||
      model.layers_size() > 2 * kMaxDepth + 3) {
    return false;
  }
  for (int width : model.widths()) {
    if (width > kMaxWidth) return false;
  }
  for (const nfalab::LayerSpec& layer : model.layers()) {
    if (layer.out_features() > kMaxWidth) return false;
  }
  return true;
}

// The model's input (or output) size: the checkpoint's first (last) weight
// matrix's, when plausible, so a real checkpoint restores; else `fallback`.
int DimFromWeights(const nfalab::Checkpoint& checkpoint, bool input,
                   int fallback) {
  if (checkpoint.weights_size() == 0) return fallback;
  const nfalab::TensorProto& weight =
      input ? checkpoint.weights(0)
            : checkpoint.weights(checkpoint.weights_size() - 1);
  if (weight.shape_size() != 2) return fallback;
  const int64_t dim = weight.shape(input ? 1 : 0);
  return dim >= 1 && dim <= 64 ? static_cast<int>(dim) : fallback;
}

// What `nfalab train --resume` does with a checkpoint: build the model and
// optimizer its config names, restore them, and take a training step.
void CheckRestore(const nfalab::Checkpoint& checkpoint) {
  const nfalab::ExperimentConfig& config = checkpoint.config();
  if (!IsSmall(config.model())) return;
  nfalab::Rng rng(0);
  absl::StatusOr<nfalab::Model> model =
      nfalab::Model::Create(config.model(), DimFromWeights(checkpoint, true, 4),
                            DimFromWeights(checkpoint, false, 1), &rng);
  if (!model.ok()) return;
  absl::StatusOr<std::unique_ptr<nfalab::Optimizer>> optimizer =
      nfalab::OptimizerRegistry::Global().Create(config.optimizer().name(),
                                                 config.optimizer());
  if (!optimizer.ok()) return;
  nfalab::LoopState state;
  const absl::Status restored =
      nfalab::RestoreCheckpoint(checkpoint, &*model, optimizer->get(), &state);
  if (!restored.ok()) {
    Require(restored.code() == absl::StatusCode::kInvalidArgument);
    return;
  }
  // The model holds exactly the checkpoint's tensors.
  for (int l = 0; l < model->num_weighted_layers(); ++l) {
    const nfalab::Matrix& weight = model->weighted_layer(l).weight();
    Require(weight.size() == checkpoint.weights(l).values_size());
    Require(std::memcmp(weight.data(), checkpoint.weights(l).values().data(),
                        sizeof(float) * weight.size()) == 0);
  }
  Require(state.epochs_done == checkpoint.epochs_done());
  Require(state.step == checkpoint.step());
  Require(static_cast<int>(state.table.rows().size()) ==
          checkpoint.metrics_size());
  // The example order is a permutation: the trainer indexes the training
  // split with it (after checking its length).
  std::vector<bool> seen(state.order.size(), false);
  for (int index : state.order) {
    Require(index >= 0 && static_cast<size_t>(index) < seen.size());
    Require(!seen[index]);
    seen[index] = true;
  }
  // The next training step, on zero gradients, works or fails cleanly.
  nfalab::Gradients gradients;
  for (int l = 0; l < model->num_weighted_layers(); ++l) {
    const nfalab::BasicWeightedLayer<float>& layer = model->weighted_layer(l);
    gradients.weight.push_back(
        nfalab::Matrix::Zero(layer.units(), layer.fan_in()));
    gradients.bias.push_back(
        nfalab::Vector::Zero(layer.has_bias() ? layer.units() : 0));
  }
  (void)(*optimizer)->Step(gradients, model->ParameterBlocks());
  nfalab::ModelCache cache;
  model->Forward(nfalab::Matrix::Ones(2, model->input_dim()), &cache);
  Require(cache.output().rows() == 2 &&
          cache.output().cols() == model->output_dim());
}

#if NFALAB_FUZZ_HAVE_PARSE_CHECKPOINT
void CheckCheckpointFile(absl::string_view bytes) {
  const absl::StatusOr<nfalab::Checkpoint> checkpoint =
      nfalab::ParseCheckpoint(bytes, "fuzz");
  if (!checkpoint.ok()) {
    Require(checkpoint.status().code() == absl::StatusCode::kInvalidArgument);
    Require(absl::StrContains(checkpoint.status().message(), "fuzz"));
    return;
  }
  Require(checkpoint->has_config() && checkpoint->has_epochs_done());
  // What the trainer writes back reads back the same.
  const absl::StatusOr<nfalab::Checkpoint> again = nfalab::ParseCheckpoint(
      nfalab::SerializeCheckpoint(*checkpoint), "again");
  Require(again.ok() &&
          again->SerializeAsString() == checkpoint->SerializeAsString());
  CheckRestore(*checkpoint);
}
#endif

// The payload as ReadCheckpoint accepts it, without the checksum in front.
void CheckCheckpointPayload(absl::string_view bytes) {
  nfalab::Checkpoint checkpoint;
  if (!checkpoint.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return;
  if (!checkpoint.has_config() || !checkpoint.has_epochs_done()) return;
  CheckRestore(checkpoint);
}

// A directory of this process's own, emptied and refilled with `files`
// (name, bytes) for the sources that read files by name.
std::string WriteFuzzFiles(
    const std::vector<std::pair<std::string, absl::string_view>>& files) {
  static const std::string dir = [] {
    std::string d = "/tmp/nfalab_fuzz_files_" + std::to_string(getpid());
    mkdir(d.c_str(), 0700);
    return d;
  }();
  for (const char* old : {"X_train.npy", "y_train.npy", "train_32x32.mat",
                          "train_X.bin", "train_y.bin"}) {
    unlink((dir + "/" + old).c_str());
  }
  for (const auto& [name, bytes] : files) {
    std::ofstream out(dir + "/" + name, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  return dir;
}

// Input: a 2-byte little-endian length L, then L bytes of X_train.npy and
// the rest y_train.npy, loaded by the "npy" source as `nfalab train` would.
void CheckNpySource(absl::string_view bytes) {
  if (bytes.size() < 2) return;
  const size_t x_size =
      static_cast<uint8_t>(bytes[0]) | static_cast<uint8_t>(bytes[1]) << 8;
  bytes.remove_prefix(2);
  if (x_size > bytes.size()) return;
  nfalab::DatasetConfig config;
  config.set_source("npy");
  config.set_path(WriteFuzzFiles({{"X_train.npy", bytes.substr(0, x_size)},
                                  {"y_train.npy", bytes.substr(x_size)}}));
  config.set_n_train(1000);
  config.set_n_test(0);
  const absl::StatusOr<nfalab::DatasetSplits> splits =
      nfalab::NpySource().Load(config);
  if (!splits.ok()) {
    const absl::StatusCode code = splits.status().code();
    Require(code == absl::StatusCode::kInvalidArgument ||
            code == absl::StatusCode::kUnimplemented);
    // Errors name the file.
    Require(absl::StrContains(splits.status().message(), "_train.npy"));
    return;
  }
  const nfalab::Dataset& train = splits->train;
  Require(train.size() >= 1 && train.size() <= 1000);
  Require(train.y.rows() == train.x.rows());
  Require(train.Validate("fuzz").ok());
}

void CheckPpm(const absl::StatusOr<nfalab::PpmImage>& image) {
  if (!image.ok()) {
    Require(image.status().code() == absl::StatusCode::kInvalidArgument);
    Require(absl::StartsWith(image.status().message(), "fuzz"));
    return;
  }
  Require(image->width >= 1 && image->height >= 1);
  Require(image->width <= nfalab::kMaxGtsrbImageSide &&
          image->height <= nfalab::kMaxGtsrbImageSide);
  Require(image->pixels.size() ==
          static_cast<size_t>(image->width) * image->height * 3);
}

void CheckGtsrbCsv(const absl::StatusOr<std::vector<nfalab::GtsrbRow>>& rows) {
  if (!rows.ok()) {
    Require(rows.status().code() == absl::StatusCode::kInvalidArgument);
    Require(absl::StartsWith(rows.status().message(), "fuzz"));
    return;
  }
  int previous_line = 0;
  for (const nfalab::GtsrbRow& row : *rows) {
    Require(row.line > previous_line);
    previous_line = row.line;
    Require(!row.filename.empty() &&
            row.filename.find('/') == std::string::npos);
    Require(row.width >= 1 && row.width <= nfalab::kMaxGtsrbImageSide);
    Require(row.height >= 1 && row.height <= nfalab::kMaxGtsrbImageSide);
    Require(0 <= row.x1 && row.x1 <= row.x2 && row.x2 < row.width);
    Require(0 <= row.y1 && row.y1 <= row.y2 && row.y2 < row.height);
    Require(row.class_id >= 0 && row.class_id < nfalab::kGtsrbClasses);
  }
}

void CheckImageRecords(const absl::StatusOr<nfalab::ImageRecords>& records,
                       int64_t image_bytes, int classes) {
  if (!records.ok()) {
    Require(records.status().code() == absl::StatusCode::kInvalidArgument ||
            records.status().code() == absl::StatusCode::kNotFound);
    Require(absl::StrContains(records.status().message(), "fuzz"));
    return;
  }
  Require(records->image_bytes == image_bytes);
  Require(records->pixels.size() ==
          static_cast<size_t>(records->size() * image_bytes));
  for (int label : records->labels) Require(label >= 0 && label < classes);
}

void CheckStl10Images(absl::string_view bytes) {
  const absl::StatusOr<std::string> pixels =
      nfalab::ParseStl10Images(bytes, "fuzz_X.bin");
  if (!pixels.ok()) {
    Require(pixels.status().code() == absl::StatusCode::kInvalidArgument);
    Require(absl::StartsWith(pixels.status().message(), "fuzz"));
    return;
  }
  Require(pixels->size() == bytes.size());
  Require(!pixels->empty() && pixels->size() % nfalab::kStl10ImageBytes == 0);
  // A reordering: the same bytes, counted.
  int64_t counts[256] = {};
  for (unsigned char c : bytes) ++counts[c];
  for (unsigned char c : *pixels) --counts[c];
  for (int64_t count : counts) Require(count == 0);
}

void CheckStl10Labels(absl::string_view bytes) {
  const absl::StatusOr<std::vector<int>> labels =
      nfalab::ParseStl10Labels(bytes, "fuzz_y.bin");
  if (!labels.ok()) {
    Require(labels.status().code() == absl::StatusCode::kInvalidArgument);
    Require(absl::StartsWith(labels.status().message(), "fuzz"));
    return;
  }
  Require(labels->size() == bytes.size());
  for (int label : *labels) Require(label >= 0 && label < 10);
}

// Input: a byte k, then k little-endian doubles of y (as many as fit), the
// rest X.
void CheckSvhnValues(absl::string_view bytes) {
  if (bytes.empty()) return;
  const size_t k = std::min<size_t>(static_cast<uint8_t>(bytes[0]),
                                    (bytes.size() - 1) / sizeof(double));
  bytes.remove_prefix(1);
  std::vector<double> y(k);
  if (k > 0) std::memcpy(y.data(), bytes.data(), k * sizeof(double));
  bytes.remove_prefix(k * sizeof(double));
  CheckImageRecords(nfalab::SvhnFromMatlab(bytes, y, "fuzz"),
                    nfalab::kSvhnImageBytes, 10);
}

void CheckSvhnMatFile(absl::string_view bytes) {
  const std::string dir = WriteFuzzFiles({{"train_32x32.mat", bytes}});
  CheckImageRecords(
      nfalab::ReadSvhnMatFile(dir + "/train_32x32.mat", kMaxBytes),
      nfalab::kSvhnImageBytes, 10);
}

// Input: channels (1..3) and the four sizes (1..64) from 5 bytes, then the
// pixels (bytes as 0..255, zero when short).
void CheckResize(absl::string_view bytes) {
  if (bytes.size() < 5) return;
  auto byte = [&](int i) { return static_cast<uint8_t>(bytes[i]); };
  const int channels = 1 + byte(0) % 3;
  const int in_h = 1 + byte(1) % 64, in_w = 1 + byte(2) % 64;
  const int out_h = 1 + byte(3) % 64, out_w = 1 + byte(4) % 64;
  bytes.remove_prefix(5);
  std::vector<float> in(static_cast<size_t>(channels) * in_h * in_w, 0.0f);
  for (size_t i = 0; i < in.size() && i < bytes.size(); ++i) {
    in[i] = static_cast<uint8_t>(bytes[i]);
  }
  std::vector<float> out(static_cast<size_t>(channels) * out_h * out_w, -1.0f);
  Require(nfalab::ResizeImage(in.data(), channels, in_h, in_w, out_h, out_w,
                              out.data())
              .ok());
  // Interpolation with non-negative weights: every output lies within the
  // input's range.
  for (float v : out) Require(v >= -1e-3f && v <= 255.001f);
}

}  // namespace

// model.json: an error is InvalidArgument (never a crash, even for deep
// nesting, which jsoncpp throws on); parsed, it has layers, each with a
// type, and a positive input shape. The layers are not built (out_features
// may be huge).
void CheckModelJson(absl::string_view bytes) {
  const absl::StatusOr<nfalab::ModelDescription> model =
      nfalab::ParseModelJson(bytes, "fuzz");
  if (!model.ok()) {
    Require(model.status().code() == absl::StatusCode::kInvalidArgument);
    return;
  }
  Require(!model->specs.empty());
  Require(model->input_shape.channels >= 1 && model->input_shape.height >= 1 &&
          model->input_shape.width >= 1);
  for (const nfalab::LayerSpec& spec : model->specs) Require(spec.has_type());
  Require(!model->step.has_value() || *model->step >= 0);
  Require(!model->epoch.has_value() || *model->epoch >= -1);
}

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  // Invalid UTF-8 in a proto2 string field parses but logs a line per input.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const absl::string_view bytes(reinterpret_cast<const char*>(data + 1),
                                size - 1);
  switch (data[0] % kModes) {
    case kIdx:
      CheckIdx(nfalab::ParseIdx(bytes, "fuzz"));
      break;
    case kIdxGzipOrPlain:
      CheckIdx(nfalab::DecodeIdx(bytes, "fuzz", kMaxBytes));
      break;
    case kCifar10:
      CheckCifar(nfalab::ParseCifar(bytes, CifarVariant::kCifar10, "fuzz"),
                 CifarVariant::kCifar10, bytes.size());
      break;
    case kCifar100:
      CheckCifar(nfalab::ParseCifar(bytes, CifarVariant::kCifar100, "fuzz"),
                 CifarVariant::kCifar100, bytes.size());
      break;
    case kCsv: {
      nfalab::CsvParseOptions options;
      CheckCsv(nfalab::ParseCsv(bytes, options, "fuzz"));
      break;
    }
    case kCsvSemicolonHeader: {
      nfalab::CsvParseOptions options;
      options.delimiter = ';';
      options.header = true;
      CheckCsv(nfalab::ParseCsv(bytes, options, "fuzz"));
      break;
    }
    case kGzip: {
      const absl::StatusOr<std::string> plain =
          nfalab::Gunzip(bytes, kMaxBytes, "fuzz");
      if (plain.ok()) {
        Require(static_cast<int64_t>(plain->size()) <= kMaxBytes);
      }
      const absl::StatusOr<std::string> prefix =
          nfalab::GunzipPrefix(bytes, 100, "fuzz");
      if (prefix.ok()) {
        Require(prefix->size() <= 100);
        if (plain.ok()) {
          Require(*prefix == plain->substr(0, 100));
        }
      }
      break;
    }
    case kNpy:
      CheckNpy(nfalab::ParseNpy(bytes, "fuzz"), bytes.size());
      break;
    case kCheckpointFile:
#if NFALAB_FUZZ_HAVE_PARSE_CHECKPOINT
      CheckCheckpointFile(bytes);
#endif
      break;
    case kCheckpointPayload:
      CheckCheckpointPayload(bytes);
      break;
    case kNpySource:
      CheckNpySource(bytes);
      break;
    case kPpm:
      CheckPpm(nfalab::ParsePpm(bytes, "fuzz.ppm"));
      break;
    case kGtsrbCsv:
      CheckGtsrbCsv(nfalab::ParseGtsrbCsv(bytes, "fuzz.csv"));
      break;
    case kStl10Images:
      CheckStl10Images(bytes);
      break;
    case kStl10Labels:
      CheckStl10Labels(bytes);
      break;
    case kSvhnValues:
      CheckSvhnValues(bytes);
      break;
    case kSvhnMatFile:
      CheckSvhnMatFile(bytes);
      break;
    case kResize:
      CheckResize(bytes);
      break;
    case kModelJson:
      CheckModelJson(bytes);
      break;
  }
  return 0;
}
