// Class-label checks shared by the csv and npy sources.
#include "datasets/class_labels.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace nfalab {
namespace {

TEST(ClassLabelsTest, InferredLimitIsAThousandOrTheRowCountBelowInt32) {
  EXPECT_EQ(InferredClassLimit(0), 1000);
  EXPECT_EQ(InferredClassLimit(999), 1000);
  EXPECT_EQ(InferredClassLimit(5000), 5000);
  EXPECT_EQ(InferredClassLimit(int64_t{3} << 31), 2147483647);
}

TEST(ClassLabelsTest, AcceptsIntegersBelowTheClassCountOrTheLimit) {
  EXPECT_EQ(ClassLabelProblem(0, 0, 3, "data.csv"), "");
  EXPECT_EQ(ClassLabelProblem(999, 0, 3, "data.csv"), "");  // 1000 classes.
  EXPECT_EQ(ClassLabelProblem(4999, 0, 5000, "data.csv"), "");
  EXPECT_EQ(ClassLabelProblem(1000000, 1000001, 3, "data.csv"), "");
}

TEST(ClassLabelsTest, RejectsNegativeFractionalAndNonFiniteValues) {
  for (double label : {-1.0, 2.5, std::numeric_limits<double>::quiet_NaN(),
                       std::numeric_limits<double>::infinity()}) {
    EXPECT_EQ(ClassLabelProblem(label, 0, 3, "data.npy"),
              "is not a non-negative integer")
        << label;
  }
}

TEST(ClassLabelsTest, LabelAtOrAboveAGivenClassCountNamesTheField) {
  EXPECT_EQ(ClassLabelProblem(3, 3, 100, "data.csv"),
            "is outside [0, 3) (data.csv.num_classes = 3)");
}

TEST(ClassLabelsTest, InferredCountBeyondTheLimitIsTooLargeNamingTheLimit) {
  EXPECT_EQ(ClassLabelProblem(1000, 0, 3, "data.csv"),
            "is too large: with data.csv.num_classes = 0 the class count is "
            "the largest label + 1, here 1001, but an inferred count is "
            "limited to max(1000, 3 labelled rows) = 1000; set "
            "data.csv.num_classes if there are that many classes");
  EXPECT_EQ(ClassLabelProblem(5000, 0, 5000, "data.npy"),
            "is too large: with data.npy.num_classes = 0 the class count is "
            "the largest label + 1, here 5001, but an inferred count is "
            "limited to max(1000, 5000 labelled rows) = 5000; set "
            "data.npy.num_classes if there are that many classes");
}

TEST(ClassLabelsTest, LabelBeyondInt32IsTooLargeWhateverTheClassCount) {
  EXPECT_EQ(ClassLabelProblem(2147483648.0, 0, 3, "data.csv"),
            "is too large: class labels must be below 2147483647 "
            "(data.csv.num_classes is an int32)");
}

TEST(ClassLabelsTest, FormatsIntegersInFull) {
  EXPECT_EQ(FormatLabel(2147483648.0), "2147483648");
  EXPECT_EQ(FormatLabel(7), "7");
  EXPECT_EQ(FormatLabel(2.5), "2.5");
  EXPECT_EQ(FormatLabel(1e300), "1e+300");
  EXPECT_EQ(FormatLabel(std::nan("")), "nan");
}

}  // namespace
}  // namespace nfalab
