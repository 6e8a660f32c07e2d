#include "actors/worker/cheats/scripted_cheat.hpp"

#include <algorithm>

namespace seedgrid::worker {

PassAlteration scripted_cheat(Cheat cheat, std::size_t passes) {
  switch (cheat) {
    case Cheat::fewer_steps:
      return [last = passes == 0 ? 0 : passes - 1](std::uint32_t index, SamplingPass& pass) {
        if (index != last) return;
        pass.steps = std::max(1, pass.steps / 2);
        pass.first_step = std::min(pass.first_step / 2, pass.steps - 1);
      };
    case Cheat::other_sampler:
      return [](std::uint32_t, SamplingPass& pass) {
        pass.sampler = pass.sampler == SamplerKind::euler ? SamplerKind::ddim : SamplerKind::euler;
      };
    case Cheat::ignored_mask:
      return [](std::uint32_t, SamplingPass& pass) { pass.mask = Tensor{}; };
    default:
      return nullptr;
  }
}

}  // namespace seedgrid::worker
