#include "pick_thresholds.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace seedgrid::bench {

namespace {

std::string line(const char* fmt, double a, double b) {
  char buf[256];
  std::snprintf(buf, sizeof buf, fmt, a, b);
  return buf;
}

}  // namespace

Picked pick_thresholds(const Extremes& e) {
  Picked p;
  verify::Thresholds& t = p.thresholds;
  // A floor keeps a pass threshold meaningful when the honest error measured is zero.
  t.step_pass = std::max(2.0 * e.max_honest_step, 1e-6);
  if (e.min_cheat_step > t.step_pass) {
    t.step_fail = std::sqrt(t.step_pass * e.min_cheat_step);
  } else {
    t.step_fail = 2.0 * t.step_pass;
    p.notes += line("step: the smallest cheat error %.4g is not above pass %.4g (grey zone)\n",
                    e.min_cheat_step, t.step_pass);
  }

  t.psnr_pass = e.min_honest_psnr - 6.02;
  if (e.max_cheat_psnr < t.psnr_pass) {
    t.psnr_fail = 0.5 * (t.psnr_pass + e.max_cheat_psnr);
  } else {
    t.psnr_fail = t.psnr_pass - 6.02;
    p.notes += line("psnr: the best cheat PSNR %.4g dB is not below pass %.4g dB\n",
                    e.max_cheat_psnr, t.psnr_pass);
  }

  const double honest_err = std::max(1.0 - e.min_honest_ssim, 1e-6);
  const double pass_err = 2.0 * honest_err;
  const double cheat_err = 1.0 - e.max_cheat_ssim;
  t.ssim_pass = 1.0 - pass_err;
  if (cheat_err > pass_err) {
    t.ssim_fail = 1.0 - std::sqrt(pass_err * cheat_err);
  } else {
    t.ssim_fail = 1.0 - 2.0 * pass_err;
    p.notes += line("ssim: the best cheat SSIM %.4g is not below pass %.4g\n", e.max_cheat_ssim,
                    t.ssim_pass);
  }
  return p;
}

}  // namespace seedgrid::bench
