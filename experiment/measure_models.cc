#include "experiment/measure_models.h"

#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/file_io.h"
#include "core/npy.h"
#include "core/status_macros.h"
#include "datasets/preprocess.h"
#include "experiment/measurement.h"
#include "report/nfc_figure.h"

namespace nfalab {
namespace {

// X.npy as the model's samples: float values, [m, <input_shape>].
absl::StatusOr<Matrix> ReadSamples(const std::string& path,
                                   const SampleShape& input) {
  NFALAB_ASSIGN_OR_RETURN(NpyArray array, ReadNpy(path));
  if (array.dtype != "<f4" && array.dtype != "<f8") {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": the samples must be float32 or float64 (as the network sees "
        "them, after any scaling), got dtype ", array.dtype));
  }
  std::vector<int64_t> sample(array.shape.begin() + 1, array.shape.end());
  const std::vector<int64_t> expected =
      input.is_flat()
          ? std::vector<int64_t>{input.size()}
          : std::vector<int64_t>{input.channels, input.height, input.width};
  if (sample != expected) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": the samples have shape ", ShapeList(sample),
        " (the array is ", ShapeList(array.shape), "), but the model takes ",
        ShapeList(expected), " (model.json input_shape)"));
  }
  if (array.shape[0] < 1) {
    return absl::InvalidArgumentError(absl::StrCat(path, " holds no sample"));
  }
  NFALAB_RETURN_IF_ERROR(CheckFitsFloat(array, path));
  return Matrix(array.values.cast<float>());
}

bool IsIntegerDtype(const std::string& dtype) {
  return dtype.size() == 3 && (dtype[1] == 'i' || dtype[1] == 'u');
}

// y.npy into `data`: [m] class labels or [m, C] real targets.
absl::Status ReadTargets(const MeasureModelsOptions& options, int outputs,
                         Dataset* data) {
  const std::string& path = options.labels_path;
  NFALAB_ASSIGN_OR_RETURN(NpyArray array, ReadNpy(path));
  if (array.shape[0] != data->size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " has ", array.shape[0], " rows, but ",
                     options.data_path, " has ", data->size(), " samples"));
  }
  if (array.shape.size() == 1) {
    if (!IsIntegerDtype(array.dtype)) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": class labels must be integers, got dtype ", array.dtype,
          " (real targets are a 2-D [m, C] array)"));
    }
    data->labels.resize(data->size());
    for (int i = 0; i < data->size(); ++i) {
      const double label = array.values(i, 0);
      if (label < 0 || label >= outputs) {
        return absl::InvalidArgumentError(absl::StrCat(
            path, ": label ", i, " is ", label, ", outside [0, ", outputs,
            ") (the model has ", outputs, " outputs)"));
      }
      data->labels[i] = static_cast<int>(label);
    }
    data->num_classes = outputs;
    data->y = ClassTargetMatrix(data->labels, outputs,
                                options.class_targets ==
                                        PreprocessOptions::CENTERED_ONE_HOT
                                    ? ClassTargetKind::kCenteredOneHot
                                    : ClassTargetKind::kOneHot);
    return absl::OkStatus();
  }
  if (array.shape.size() != 2 || array.shape[1] != outputs) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, " has shape ", ShapeList(array.shape), "; expected [", data->size(),
        "] class labels or [", data->size(), ", ", outputs,
        "] targets (the model has ", outputs, " outputs)"));
  }
  if (options.loss == TrainingConfig::CROSS_ENTROPY) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, " holds real targets; the cross-entropy loss needs class "
        "labels, a 1-D integer array"));
  }
  NFALAB_RETURN_IF_ERROR(CheckFitsFloat(array, path));
  data->y = array.values.cast<float>();
  return absl::OkStatus();
}

// Where checkpoint j goes in metrics.csv (see the header).
std::pair<int, int64_t> Position(const ImportedModel& checkpoint, int j,
                                 bool first_is_initial) {
  const int epoch = checkpoint.epoch.has_value()
                        ? *checkpoint.epoch
                        : j - (first_is_initial ? 1 : 0);
  const int64_t step = checkpoint.step.has_value() ? *checkpoint.step : j;
  return {epoch, step};
}

}  // namespace

absl::StatusOr<MetricsTable> MeasureCheckpoints(
    const std::vector<ImportedModel>& checkpoints, const Dataset& data,
    bool has_targets, const MeasurementConfig& measurement,
    TrainingConfig::Loss loss, std::ostream* log) {
  if (checkpoints.empty()) {
    return absl::InvalidArgumentError("no checkpoint to measure");
  }
  for (size_t j = 1; j < checkpoints.size(); ++j) {
    NFALAB_RETURN_IF_ERROR(
        CheckSameArchitecture(checkpoints[0], checkpoints[j]));
  }
  const ImportedModel& first = checkpoints[0];
  const bool first_is_initial = first.at_initialisation;
  // Recorded and counted positions would interleave: all or none record
  // theirs (a first checkpoint at initialisation may leave it out).
  const ImportedModel* recorded = nullptr;
  const ImportedModel* unrecorded = nullptr;
  for (size_t j = first_is_initial && !first.step.has_value() ? 1 : 0;
       j < checkpoints.size(); ++j) {
    (checkpoints[j].step.has_value() ? recorded : unrecorded) = &checkpoints[j];
  }
  if (recorded != nullptr && unrecorded != nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        recorded->dir, "/model.json records its epoch and step but ",
        unrecorded->dir, "/model.json does not; record them in every "
        "checkpoint or in none"));
  }
  std::map<std::pair<int, int64_t>, std::string> positions;
  for (size_t j = 0; j < checkpoints.size(); ++j) {
    const auto position = Position(checkpoints[j], j, first_is_initial);
    const auto [it, added] = positions.emplace(position, checkpoints[j].dir);
    if (!added) {
      return absl::InvalidArgumentError(absl::StrCat(
          checkpoints[j].dir, " and ", it->second, " are both at epoch ",
          position.first, ", step ", position.second,
          " (record distinct \"epoch\"/\"step\" in their model.json, or "
          "leave both out)"));
    }
  }
  MeasurementConfig config = measurement;
  config.set_measure_every(1);
  config.set_early_predictor(false);
  config.set_closed_form_predictor(false);
  NFALAB_ASSIGN_OR_RETURN(
      Measurement measure,
      Measurement::Create(config, first.model.num_weighted_layers(), data,
                          ImageInputLayers(first.model)));
  if (measure.NeedsInitialKernels() && !first_is_initial) {
    return absl::InvalidArgumentError(
        "a selected measure (e.g. c_nfc_k0) needs K at initialisation: the "
        "first checkpoint must be the initialisation (\"at_initialisation\": "
        "true in its model.json)");
  }
  MetricsTable table;
  // K0, when the first checkpoint is the initialisation: the predictor's
  // and the measures' (c_nfc_k0) K at initialisation.
  std::vector<MatrixD> initial_ptk;
  if (first_is_initial) {
    NFALAB_ASSIGN_OR_RETURN(initial_ptk, measure.ComputeKernels(first.model));
  }
  if (has_targets && first_is_initial) {
    NFALAB_RETURN_IF_ERROR(measure.RecordEarlyPredictor(
        first.model, data, loss, &table, &initial_ptk));
  } else if (has_targets && log != nullptr) {
    *log << "no early predictor: the first checkpoint (" << first.dir
         << ") is not marked \"at_initialisation\"\n";
  }
  for (size_t j = 0; j < checkpoints.size(); ++j) {
    const ImportedModel& checkpoint = checkpoints[j];
    std::vector<MatrixD> ptk;
    if (j == 0 && first_is_initial) {
      ptk = initial_ptk;
    } else {
      NFALAB_ASSIGN_OR_RETURN(ptk, measure.ComputeKernels(checkpoint.model));
    }
    const auto [epoch, step] = Position(checkpoint, j, first_is_initial);
    std::string summary;
    NFALAB_RETURN_IF_ERROR(AnnotateStatus(
        measure.Record(checkpoint.model, ptk, epoch, step, &table, &summary,
                       initial_ptk.empty() ? nullptr : &initial_ptk),
        checkpoint.dir));
    if (log != nullptr) {
      *log << checkpoint.dir << " (epoch " << epoch << ", step " << step
           << "): " << (summary.empty() ? "measured" : summary) << "\n";
      for (const std::string& warning : measure.TakeNewWarnings()) {
        *log << "warning: " << warning << "\n";
      }
    }
  }
  return table;
}

absl::Status MeasureModels(const MeasureModelsOptions& options,
                           std::ostream* log) {
  if (options.model_dirs.empty()) {
    return absl::InvalidArgumentError("give at least one --model=DIR");
  }
  if (options.data_path.empty()) {
    return absl::InvalidArgumentError(
        "give --data=X.npy, the samples to measure on");
  }
  if (options.out_dir.empty()) {
    return absl::InvalidArgumentError("give --out=DIR for metrics.csv");
  }
  const std::string metrics_path = options.out_dir + "/metrics.csv";
  const std::string figure_path = options.out_dir + "/nfc.svg";
  if (!options.overwrite) {
    for (const std::string& path : {metrics_path, figure_path}) {
      if (ReadFile(path).ok()) {
        return absl::AlreadyExistsError(
            absl::StrCat(path, " exists (--overwrite replaces it)"));
      }
    }
  }
  std::vector<ImportedModel> checkpoints;
  for (const std::string& dir : options.model_dirs) {
    NFALAB_ASSIGN_OR_RETURN(ImportedModel checkpoint, ImportModel(dir));
    checkpoints.push_back(std::move(checkpoint));
  }
  const Model& model = checkpoints[0].model;
  Dataset data;
  NFALAB_ASSIGN_OR_RETURN(data.x,
                          ReadSamples(options.data_path, model.input_shape()));
  data.shape = model.input_shape();
  if (!options.labels_path.empty()) {
    NFALAB_RETURN_IF_ERROR(ReadTargets(options, model.output_dim(), &data));
  } else {
    data.y = Matrix::Zero(data.size(), model.output_dim());
  }
  NFALAB_ASSIGN_OR_RETURN(
      const MetricsTable table,
      MeasureCheckpoints(checkpoints, data, !options.labels_path.empty(),
                         options.measurement, options.loss, log));
  NFALAB_RETURN_IF_ERROR(MakeDirectories(options.out_dir));
  NFALAB_RETURN_IF_ERROR(table.WriteCsv(metrics_path));
  return WriteFileAtomically(figure_path, RenderNfcFigure(table, ""));
}

}  // namespace nfalab
