// Per-seed values of UC-NFC and C-NFC at a layer's first and last
// measurement, the input of the claims about change over training
// (studies/claims.h) in the early_alignment and conv_alignment analyses.
//
//   const LayerEndpoints a = AnalyzeEndpoints(point, /*layer=*/1);
//   const std::vector<double> rise = Difference(a.uc_last, a.uc_first);
//
// The first measurement is the smallest epoch >= 0 at which some run of the
// point has both UC-NFC and C-NFC, the last the largest. A run enters only
// if it has finite UC-NFC and C-NFC at both epochs, so every vector holds
// the same runs, in seed order.
#ifndef NFALAB_STUDIES_LAYER_ENDPOINTS_H_
#define NFALAB_STUDIES_LAYER_ENDPOINTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "studies/claims.h"
#include "studies/grid_points.h"

namespace nfalab {

struct LayerEndpoints {
  int layer = 0;
  int first_epoch = -1;  // -1: no run measured the layer
  int last_epoch = -1;
  std::vector<uint64_t> seeds;
  std::vector<double> uc_first, c_first, uc_last, c_last;
  int runs = 0;  // the point's runs, whether or not they entered
};

LayerEndpoints AnalyzeEndpoints(const GridPoint& point, int layer);

// a - b, element by element (same sizes).
std::vector<double> Difference(const std::vector<double>& a,
                               const std::vector<double>& b);

// "3 of 3 (seeds 0, 1, 2)", "0 of 3".
std::string SeedsCell(const LayerEndpoints& a);

// The table | layer | seeds | first epoch | UC-NFC (first) | C-NFC (first) |
// last epoch | UC-NFC (last) | C-NFC (last) |, each value "mean [95% CI]
// (per-seed values)".
std::string EndpointsTable(const std::vector<LayerEndpoints>& layers);

// A claim tested at each layer on a per-seed effect of its endpoints.
struct EndpointClaim {
  Claim claim;
  std::vector<double> (*d)(const LayerEndpoints&);  // per seed
};

// Each claim's table over `layers` (ClaimTable), and, appended to `summary`,
// "- Claim A: supported at layers 1-3, inconclusive at layer 4.\n" per
// claim.
std::string EndpointClaimTables(const std::vector<EndpointClaim>& claims,
                                const std::vector<LayerEndpoints>& layers,
                                std::string* summary);

}  // namespace nfalab

#endif  // NFALAB_STUDIES_LAYER_ENDPOINTS_H_
