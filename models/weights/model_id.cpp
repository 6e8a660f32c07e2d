#include "models/weights/model_id.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <utility>
#include <vector>

#include "models/weights/safetensors_dtype.hpp"
#include "models/weights/sha256.hpp"

namespace seedgrid {

static_assert(std::endian::native == std::endian::little,
              "tensor bytes are hashed as stored, which assumes a little-endian host");

namespace {

void put_u64(Sha256& h, std::uint64_t v) {
  std::uint8_t b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(v >> (8 * i));
  h.update(b, 8);
}

void put_string(Sha256& h, std::string_view s) {
  put_u64(h, s.size());
  h.update(s);
}

}  // namespace

std::string compute_model_id(const WeightSet& text_encoder, const WeightSet& unet,
                             const WeightSet& vae) {
  std::vector<std::pair<std::string, const Tensor*>> all;
  for (const WeightSet* set : {&text_encoder, &unet, &vae})
    for (const auto& name : set->names())
      all.emplace_back(set->component() + "/" + name, set->find(name));
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });

  Sha256 h;
  for (const auto& [name, t] : all) {
    put_string(h, name);
    put_string(h, safetensors_dtype_name(t->dtype()));
    put_u64(h, t->shape().size());
    for (auto d : t->shape()) put_u64(h, static_cast<std::uint64_t>(d));
    put_u64(h, t->bytes());
    h.update(t->raw(), t->bytes());
  }
  const auto digest = h.finish();
  return to_lower_hex(digest);
}

}  // namespace seedgrid
