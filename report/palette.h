// The colours of every nfalab figure: the ten-colour categorical palette
// (matplotlib's tab10, in its order) for series without a colour of their
// own, and the fixed colours of the alignment measures, so that UC-NFC is
// blue and C-NFC green in the run figure and the study figures alike.
//
//   series.color = PaletteColor(layer_index);
//   uc.color = kUcNfcColor;
#ifndef NFALAB_REPORT_PALETTE_H_
#define NFALAB_REPORT_PALETTE_H_

#include <cstddef>

namespace nfalab {

inline constexpr const char* kPalette[] = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
inline constexpr size_t kPaletteSize = sizeof(kPalette) / sizeof(kPalette[0]);

// The i-th palette colour, cycling after the tenth.
inline const char* PaletteColor(size_t i) { return kPalette[i % kPaletteSize]; }

inline constexpr char kUcNfcColor[] = "#1f77b4";  // kPalette[0], blue
inline constexpr char kCNfcColor[] = "#2ca02c";   // kPalette[2], green

}  // namespace nfalab

#endif  // NFALAB_REPORT_PALETTE_H_
