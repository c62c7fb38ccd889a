// Writes the payload of a checkpoint file, the serialized Checkpoint proto
// that ReadCheckpoint returns, to stdout: run_fuzzer.sh's seed for fuzzer
// mode 9, which fuzzes what lies behind the file's checksum.
//
//   checkpoint_payload DIR/checkpoint.pb > payload
#include <iostream>
#include <string>

#include "absl/status/statusor.h"
#include "experiment/checkpoint.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: checkpoint_payload CHECKPOINT_FILE\n";
    return 2;
  }
  const absl::StatusOr<nfalab::Checkpoint> checkpoint =
      nfalab::ReadCheckpoint(argv[1]);
  if (!checkpoint.ok()) {
    std::cerr << "error: " << checkpoint.status().message() << "\n";
    return 1;
  }
  std::string payload;
  if (!checkpoint->SerializeToString(&payload)) {
    std::cerr << "error: cannot serialise the checkpoint of " << argv[1]
              << "\n";
    return 1;
  }
  std::cout << payload;
  return std::cout.good() ? 0 : 1;
}
