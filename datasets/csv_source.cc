#include "datasets/csv_source.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "datasets/class_labels.h"
#include "datasets/csv.h"
#include "datasets/file_source.h"
#include "datasets/file_util.h"

namespace nfalab {
namespace {

struct CsvSplit {
  std::string path;
  std::shared_ptr<const CsvTable> table;
};

absl::StatusOr<CsvSplit> ReadSplit(const std::string& path,
                                   const CsvParseOptions& options) {
  if (!IsRegularFile(path)) {
    return absl::NotFoundError(absl::StrCat("CSV file ", path, " not found"));
  }
  NFALAB_ASSIGN_OR_RETURN(CsvTable table, ReadCsvFile(path, options));
  return CsvSplit{path, std::make_shared<const CsvTable>(std::move(table))};
}

// Checks the labels of a CLASS split (see datasets/class_labels.h);
// returns the largest. `labelled_rows`: the rows of both files.
absl::StatusOr<int> CheckClassLabels(const CsvSplit& split, int64_t column,
                                     int num_classes, int64_t labelled_rows) {
  int max_label = -1;
  const CsvTable& table = *split.table;
  for (int64_t r = 0; r < table.rows; ++r) {
    const double label = table.at(r, column);
    const std::string problem =
        ClassLabelProblem(label, num_classes, labelled_rows, "data.csv");
    if (!problem.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(split.path, ": line ", table.line_numbers[r], ": label ",
                       FormatLabel(label), " ", problem));
    }
    max_label = std::max(max_label, static_cast<int>(label));
  }
  return max_label;
}

RawSplit ToRawSplit(const CsvSplit& split, int64_t label_column,
                    bool classification, std::string description) {
  const CsvTable& table = *split.table;
  RawSplit raw;
  raw.description = std::move(description);
  raw.size = table.rows;
  raw.dim = table.cols - 1;
  if (classification) {
    raw.labels.reserve(table.rows);
    for (int64_t r = 0; r < table.rows; ++r) {
      raw.labels.push_back(static_cast<int>(table.at(r, label_column)));
    }
  } else {
    raw.target_dim = 1;
    raw.targets.reserve(table.rows);
    for (int64_t r = 0; r < table.rows; ++r) {
      raw.targets.push_back(table.at(r, label_column));
    }
  }
  std::shared_ptr<const CsvTable> shared = split.table;
  raw.features = [shared, label_column](int64_t index, float* row) {
    const double* values = shared->values.data() + index * shared->cols;
    for (int64_t c = 0; c < shared->cols; ++c) {
      if (c != label_column) *row++ = static_cast<float>(values[c]);
    }
  };
  return raw;
}

}  // namespace

absl::StatusOr<DatasetSplits> CsvSource::Load(const DatasetConfig& config) {
  NFALAB_RETURN_IF_ERROR(ValidateFileSourceConfig(config));
  const CsvOptions& options = config.csv();
  if (options.delimiter().size() != 1 || options.delimiter()[0] == ' ' ||
      options.delimiter()[0] == '\t' || options.delimiter()[0] == '\n' ||
      options.delimiter()[0] == '\r') {
    return absl::InvalidArgumentError(absl::StrCat(
        "data.csv.delimiter must be one byte other than whitespace, got \"",
        options.delimiter(), "\""));
  }
  if (!CsvOptions::LabelType_IsValid(options.label_type())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "data.csv.label_type has unknown value ", options.label_type()));
  }
  if (options.num_classes() < 0 || options.num_classes() == 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("data.csv.num_classes must be 0 (infer) or >= 2, got ",
                     options.num_classes()));
  }
  const bool classification = options.label_type() == CsvOptions::CLASS;

  // The files.
  std::string train_path, test_path, read_path;
  if (!config.path().empty() && IsRegularFile(config.path())) {
    train_path = config.path();
    read_path = train_path;
    if (options.has_test_file()) {
      const size_t slash = train_path.find_last_of('/');
      const std::string directory =
          slash == std::string::npos ? "." : train_path.substr(0, slash);
      test_path = JoinPath(directory, options.test_file());
    }
  } else {
    NFALAB_ASSIGN_OR_RETURN(const std::string directory,
                            ResolveDataDirectory(config, "", ""));
    read_path = directory;
    train_path = JoinPath(directory, options.train_file());
    test_path = JoinPath(directory, options.test_file());
  }
  CsvParseOptions parse;
  parse.delimiter = options.delimiter()[0];
  parse.header = options.header();
  NFALAB_ASSIGN_OR_RETURN(const CsvSplit train, ReadSplit(train_path, parse));
  CsvSplit test;
  const bool read_test = config.n_test() > 0 && !test_path.empty();
  if (read_test) {
    NFALAB_ASSIGN_OR_RETURN(test, ReadSplit(test_path, parse));
  }

  // Columns.
  const int64_t cols = train.table->cols;
  if (cols < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat(train_path, ": has ", cols,
                     " column; needs a label column and at least one feature"));
  }
  const int64_t label_column = options.label_column() >= 0
                                   ? options.label_column()
                                   : cols + options.label_column();
  if (label_column < 0 || label_column >= cols) {
    return absl::InvalidArgumentError(
        absl::StrCat("data.csv.label_column = ", options.label_column(),
                     " is outside the ", cols, " columns of ", train_path));
  }
  if (read_test && test.table->cols != cols) {
    return absl::InvalidArgumentError(
        absl::StrCat(test_path, ": has ", test.table->cols, " columns, but ",
                     train_path, " has ", cols));
  }

  // Labels.
  int num_classes = 0;
  if (classification) {
    const int64_t labelled_rows =
        train.table->rows + (read_test ? test.table->rows : 0);
    NFALAB_ASSIGN_OR_RETURN(
        int max_label, CheckClassLabels(train, label_column,
                                        options.num_classes(), labelled_rows));
    if (read_test) {
      NFALAB_ASSIGN_OR_RETURN(
          const int test_max,
          CheckClassLabels(test, label_column, options.num_classes(),
                           labelled_rows));
      max_label = std::max(max_label, test_max);
    }
    num_classes = options.num_classes();
    if (num_classes == 0) {
      num_classes = max_label + 1;
      if (num_classes < 2) {
        return absl::InvalidArgumentError(
            absl::StrCat(train_path,
                         ": every label is 0; classification needs at least 2 "
                         "classes (or set data.csv.label_type: REGRESSION)"));
      }
    }
  }

  RawData raw;
  raw.source = config.source();
  raw.path = read_path;
  raw.num_classes = num_classes;
  raw.natural_channels = 1;
  raw.train = ToRawSplit(train, label_column, classification,
                         absl::StrCat("the training file ", train_path));
  if (read_test) {
    raw.test = ToRawSplit(test, label_column, classification,
                          absl::StrCat("the test file ", test_path));
  } else {
    raw.test.description = "the test split";
    if (test_path.empty()) {
      raw.notes.push_back(
          "data.path names a single CSV file and data.csv.test_file is not "
          "set: the test split is empty");
    }
  }
  return FinishSplits(config, std::move(raw));
}

NFALAB_REGISTER_DATASET_SOURCE(
    "csv", CsvSource,
    "numeric CSV files (train.csv, test.csv in data.path): a label column "
    "and the features");

}  // namespace nfalab
