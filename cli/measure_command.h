// `nfalab measure`: the alignment measures of networks trained elsewhere
// (experiment/measure_models.h), from the command line:
//
//   nfalab measure --model=DIR [--model=DIR2 ...] --data=X.npy
//                  [--labels=y.npy] --out=OUT [--measures=a,b] [--layers=1,2]
//                  [--samples=N] [--measurement.FIELD=VALUE ...]
//                  [--loss=mse|cross_entropy]
//                  [--targets=one_hot|centered_one_hot] [--overwrite]
#ifndef NFALAB_CLI_MEASURE_COMMAND_H_
#define NFALAB_CLI_MEASURE_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

namespace nfalab {

// What `nfalab help` prints about the command.
extern const char kMeasureUsage[];

// args[0] is "measure". Returns the exit code: 0, 1 for an error while
// measuring, 2 for bad arguments; errors are one "error: ..." line on `err`.
int RunMeasureCommand(const std::vector<std::string>& args, std::ostream& out,
                      std::ostream& err);

}  // namespace nfalab

#endif  // NFALAB_CLI_MEASURE_COMMAND_H_
