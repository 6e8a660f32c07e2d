#pragma once
// The rule that turns measured distributions into verify::Thresholds, with a margin on each side:
//   step error:  pass = 2 x the largest honest error; fail = geometric mean of pass and the 5th
//                percentile of the step errors of the separable step-targeted cheats (those whose
//                median error is above pass), when that is above pass, else fail = 2 x pass.
//                Cheats whose median error is not above pass (8-bit quantization across classes)
//                are reported: a step audit sees them grey, which escalates to a full re-render on
//                the worker's own class, where bytes are compared.
//   PSNR:        pass = the lowest honest PSNR - 6.02 dB (twice the honest RMS error); fail = the
//                midpoint in dB (geometric mean of RMS errors) of pass and the highest PSNR an
//                image-targeted cheat reached, when below pass (else pass - 6.02 dB)
//   SSIM:        the same on 1 - SSIM as an error: pass = 1 - 2 x (1 - lowest honest SSIM); fail =
//                1 - sqrt((1 - pass) x (1 - highest cheat SSIM))
// pass and fail never cross: fail >= pass for errors, fail <= pass for PSNR/SSIM.
#include <string>

#include "runtime/base/verify/comparison.hpp"

namespace seedgrid::bench {

struct Extremes {
  double max_honest_step = 0.0;
  double min_cheat_step = 0.0;   // 5th percentile over separable step-targeted cheats' steps
  double min_honest_psnr = 0.0;  // decode across classes (a whole re-render is only ever grey)
  double max_cheat_psnr = 0.0;   // over image-targeted cheats (decode and full)
  double min_honest_ssim = 1.0;
  double max_cheat_ssim = 0.0;
};

struct Picked {
  verify::Thresholds thresholds;
  std::string notes;  // overlaps found, one line each
};

Picked pick_thresholds(const Extremes& e);

}  // namespace seedgrid::bench
