#include "models/clip/text_encoder.hpp"

#include "models/clip/clip_config_json.hpp"
#include "models/clip/clip_encoder_layer.hpp"

namespace seedgrid {

struct ClipTextEncoder::Impl {
  Backend* backend = nullptr;
  ClipTextConfig config;
  Tensor token_embedding;     // [vocab, hidden]
  Tensor position_embedding;  // [positions, hidden]
  std::vector<ClipEncoderLayer> layers;
  LayerNorm final_layer_norm;

  void build(const Params& p);
};

void ClipTextEncoder::Impl::build(const Params& root) {
  const ClipTextConfig& c = config;
  const Params p = root.at("text_model");
  token_embedding = p.matrix("embeddings.token_embedding.weight", {c.vocab_size, c.hidden_size});
  position_embedding =
      p.get("embeddings.position_embedding.weight", {c.max_position_embeddings, c.hidden_size});
  for (int i = 0; i < c.num_hidden_layers; ++i)
    layers.push_back(ClipEncoderLayer::load(p.at("encoder.layers.", i), c));
  final_layer_norm = LayerNorm::load(p.at("final_layer_norm"), c.hidden_size, c.layer_norm_eps);
}

Result<ClipTextEncoder> ClipTextEncoder::load(WeightSet& weights, const ClipTextConfig& config,
                                              Backend& backend) {
  if (auto ok = check_clip_text_config(config); !ok)
    return context(ok.error(), "text encoder config");
  auto impl = std::make_shared<Impl>();
  impl->backend = &backend;
  impl->config = config;
  if (auto ok = build_from_weights(weights, backend, [&](const Params& p) { impl->build(p); }); !ok)
    return pass_on(ok);
  ClipTextEncoder encoder;
  encoder.impl_ = std::move(impl);
  return encoder;
}

Result<std::vector<ParamSpec>> ClipTextEncoder::parameters(const ClipTextConfig& config) {
  if (auto ok = check_clip_text_config(config); !ok)
    return context(ok.error(), "text encoder config");
  Impl impl;
  impl.config = config;
  return record_parameters([&](const Params& p) { impl.build(p); });
}

const ClipTextConfig& ClipTextEncoder::config() const { return impl_->config; }

Tensor ClipTextEncoder::encode(std::span<const std::int32_t> ids, std::int64_t batch) const {
  const Impl& m = *impl_;
  Backend& b = *m.backend;
  const std::int64_t length = m.config.max_position_embeddings;
  if (batch < 1 || static_cast<std::int64_t>(ids.size()) != batch * length)
    abort_misuse("text encoder got " + std::to_string(ids.size()) + " token ids for a batch of " +
                 std::to_string(batch) + " x " + std::to_string(length));
  for (std::size_t i = 0; i < ids.size(); ++i)
    if (ids[i] < 0 || ids[i] >= m.config.vocab_size)
      abort_misuse("token id " + std::to_string(ids[i]) + " at position " + std::to_string(i) +
                   " is outside the vocabulary [0, " + std::to_string(m.config.vocab_size) + ")");
  Tensor x = b.embedding(m.token_embedding, ids).reshape({batch, length, m.config.hidden_size});
  x = b.add(x, m.position_embedding);
  for (const auto& layer : m.layers) x = layer.forward(b, x);
  return m.final_layer_norm(b, x);
}

}  // namespace seedgrid
