#include "models/clip/clip_config_json.hpp"

#include "models/json/config_reader.hpp"

namespace seedgrid {

Result<ClipTextConfig> parse_clip_text_config(const json::Value& root, const std::string& source) {
  ClipTextConfig c;
  json::ConfigReader r(root, source);
  r.read("vocab_size", c.vocab_size);
  r.read("hidden_size", c.hidden_size);
  r.read("intermediate_size", c.intermediate_size);
  r.read("num_hidden_layers", c.num_hidden_layers);
  r.read("num_attention_heads", c.num_attention_heads);
  r.read("max_position_embeddings", c.max_position_embeddings);
  r.read_choice("hidden_act", c.hidden_act, {"quick_gelu", "gelu"});
  r.read("layer_norm_eps", c.layer_norm_eps);
  r.read("bos_token_id", c.bos_token_id);
  r.read("eos_token_id", c.eos_token_id);
  r.read("pad_token_id", c.pad_token_id);
  if (auto ok = r.status(); !ok) return pass_on(ok);
  if (auto ok = check_clip_text_config(c); !ok) return context(ok.error(), source);
  return c;
}

Result<void> check_clip_text_config(const ClipTextConfig& c) {
  if (c.vocab_size < 1 || c.hidden_size < 1 || c.intermediate_size < 1 || c.num_hidden_layers < 1 ||
      c.num_attention_heads < 1 || c.max_position_embeddings < 1)
    return fail(
        "vocab_size, hidden_size, intermediate_size, num_hidden_layers, "
        "num_attention_heads and max_position_embeddings must be positive");
  if (c.hidden_size % c.num_attention_heads != 0)
    return fail("hidden_size ", c.hidden_size, " is not divisible by num_attention_heads ",
                c.num_attention_heads);
  if (c.hidden_act != "quick_gelu" && c.hidden_act != "gelu")
    return fail("hidden_act \"", c.hidden_act,
                "\" is not supported (supported: \"quick_gelu\", \"gelu\")");
  if (!(c.layer_norm_eps > 0))
    return fail("layer_norm_eps must be positive, found ", c.layer_norm_eps);
  return {};
}

json::Value clip_text_config_to_json(const ClipTextConfig& c) {
  json::Value j = json::Object{};
  j.set("architectures", json::Array{"CLIPTextModel"});
  j.set("attention_dropout", 0.0);
  j.set("bos_token_id", c.bos_token_id);
  j.set("dropout", 0.0);
  j.set("eos_token_id", c.eos_token_id);
  j.set("hidden_act", c.hidden_act);
  j.set("hidden_size", c.hidden_size);
  j.set("initializer_factor", 1.0);
  j.set("initializer_range", 0.02);
  j.set("intermediate_size", c.intermediate_size);
  j.set("layer_norm_eps", json::float_value(c.layer_norm_eps));
  j.set("max_position_embeddings", c.max_position_embeddings);
  j.set("model_type", "clip_text_model");
  j.set("num_attention_heads", c.num_attention_heads);
  j.set("num_hidden_layers", c.num_hidden_layers);
  j.set("pad_token_id", c.pad_token_id);
  j.set("projection_dim", c.hidden_size);
  j.set("torch_dtype", "float32");
  j.set("transformers_version", "4.33.0");
  j.set("vocab_size", c.vocab_size);
  return j;
}

}  // namespace seedgrid
