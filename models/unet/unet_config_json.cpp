#include "models/unet/unet_config_json.hpp"

#include "models/json/config_reader.hpp"

namespace seedgrid {

namespace {

std::vector<int> per_block(const std::vector<int>& values, std::size_t blocks) {
  if (values.size() == 1) return std::vector<int>(blocks, values[0]);
  return values;
}

json::Value int_or_list(const std::vector<int>& values) {
  bool same = true;
  for (int v : values) same = same && v == values.front();
  if (same && !values.empty()) return values.front();
  json::Array a;
  for (int v : values) a.emplace_back(v);
  return a;
}

json::Value strings(const std::vector<std::string>& values) {
  json::Array a;
  for (const auto& v : values) a.emplace_back(v);
  return a;
}

}  // namespace

std::vector<int> unet_heads_per_block(const UNetConfig& c) {
  return per_block(c.attention_head_dim, c.block_out_channels.size());
}

std::vector<int> unet_transformer_layers_per_block(const UNetConfig& c) {
  return per_block(c.transformer_layers_per_block, c.block_out_channels.size());
}

Result<UNetConfig> parse_unet_config(const json::Value& root, const std::string& source) {
  UNetConfig c;
  json::ConfigReader r(root, source);
  r.read("in_channels", c.in_channels);
  r.read("out_channels", c.out_channels);
  r.read("sample_size", c.sample_size);
  r.read("block_out_channels", c.block_out_channels);
  r.read("down_block_types", c.down_block_types);
  r.read("up_block_types", c.up_block_types);
  if (root.find("mid_block_type") && root.find("mid_block_type")->is_null())
    r.error(
        "key \"mid_block_type\" is null (a UNet without a mid block), which seedgrid does not "
        "implement");
  r.read_choice("mid_block_type", c.mid_block_type, {"UNetMidBlock2DCrossAttn"});
  r.read("layers_per_block", c.layers_per_block);
  r.read("cross_attention_dim", c.cross_attention_dim);
  r.read("attention_head_dim", c.attention_head_dim);
  r.read("num_attention_heads", c.attention_head_dim);
  r.read("transformer_layers_per_block", c.transformer_layers_per_block);
  r.read("use_linear_projection", c.use_linear_projection);
  r.read("upcast_attention", c.upcast_attention);
  r.read("norm_num_groups", c.norm_num_groups);
  r.read("norm_eps", c.norm_eps);
  r.read("flip_sin_to_cos", c.flip_sin_to_cos);
  r.read("freq_shift", c.freq_shift);
  r.read_choice("act_fn", c.act_fn, {"silu"});

  // Features of UNet2DConditionModel that seedgrid does not implement: only their defaults.
  r.require("center_input_sample", {false});
  r.require("downsample_padding", {1});
  r.require("mid_block_scale_factor", {1});
  r.require("dual_cross_attention", {false});
  r.require("class_embed_type", {});
  r.require("num_class_embeds", {});
  r.require("class_embeddings_concat", {false});
  r.require("resnet_time_scale_shift", {"default"});
  r.require("resnet_skip_time_act", {false});
  r.require("resnet_out_scale_factor", {1});
  r.require("time_embedding_type", {"positional"});
  r.require("time_embedding_dim", {});
  r.require("time_embedding_act_fn", {});
  r.require("timestep_post_act", {});
  r.require("time_cond_proj_dim", {});
  r.require("conv_in_kernel", {3});
  r.require("conv_out_kernel", {3});
  r.require("projection_class_embeddings_input_dim", {});
  r.require("addition_embed_type", {});
  r.require("addition_time_embed_dim", {});
  r.require("encoder_hid_dim", {});
  r.require("encoder_hid_dim_type", {});
  r.require("cross_attention_norm", {});
  r.require("attention_type", {"default"});
  r.require("mid_block_only_cross_attention", {false});
  r.require("reverse_transformer_layers_per_block", {});
  r.require("addition_embed_type_num_heads", {64});
  if (const json::Value* v = root.find("only_cross_attention"); v && r.status()) {
    bool any = v->is_bool() && v->as_bool();
    if (v->is_array())
      for (const auto& item : v->as_array()) any = any || !item.is_bool() || item.as_bool();
    if (any || !(v->is_bool() || v->is_array() || v->is_null()))
      r.error("key \"only_cross_attention\" has unsupported value ", json::brief(*v),
              " (seedgrid implements only false)");
  }
  if (auto ok = r.status(); !ok) return pass_on(ok);
  if (auto ok = check_unet_config(c); !ok) return context(ok.error(), source);
  return c;
}

Result<void> check_unet_config(const UNetConfig& c) {
  const std::size_t n = c.block_out_channels.size();
  if (n == 0) return fail("block_out_channels is empty");
  if (c.down_block_types.size() != n || c.up_block_types.size() != n)
    return fail("block_out_channels has ", n, " entries but down_block_types has ",
                c.down_block_types.size(), " and up_block_types ", c.up_block_types.size());
  for (const auto& t : c.down_block_types)
    if (t != "CrossAttnDownBlock2D" && t != "DownBlock2D")
      return fail("down_block_types holds unsupported block type \"", t,
                  "\" (supported: \"CrossAttnDownBlock2D\", \"DownBlock2D\")");
  for (const auto& t : c.up_block_types)
    if (t != "CrossAttnUpBlock2D" && t != "UpBlock2D")
      return fail("up_block_types holds unsupported block type \"", t,
                  "\" (supported: \"CrossAttnUpBlock2D\", \"UpBlock2D\")");
  if (c.mid_block_type != "UNetMidBlock2DCrossAttn")
    return fail("mid_block_type \"", c.mid_block_type,
                "\" is not supported (supported: \"UNetMidBlock2DCrossAttn\")");
  if (c.attention_head_dim.size() != 1 && c.attention_head_dim.size() != n)
    return fail("attention heads (attention_head_dim / num_attention_heads) has ",
                c.attention_head_dim.size(), " entries, expected 1 or ", n);
  if (c.transformer_layers_per_block.size() != 1 && c.transformer_layers_per_block.size() != n)
    return fail("transformer_layers_per_block has ", c.transformer_layers_per_block.size(),
                " entries, expected 1 or ", n);
  if (c.in_channels < 1 || c.out_channels < 1 || c.layers_per_block < 1 ||
      c.cross_attention_dim < 1 || c.norm_num_groups < 1 || c.sample_size < 1)
    return fail(
        "in_channels, out_channels, layers_per_block, cross_attention_dim, "
        "norm_num_groups and sample_size must be positive");
  if (!(c.norm_eps > 0)) return fail("norm_eps must be positive, found ", c.norm_eps);
  if (c.block_out_channels[0] % 2 != 0)
    return fail("block_out_channels[0] = ", c.block_out_channels[0],
                " must be even (it is the sinusoidal timestep embedding width)");
  const auto heads = unet_heads_per_block(c);
  const auto layers = unet_transformer_layers_per_block(c);
  for (std::size_t i = 0; i < n; ++i) {
    const int ch = c.block_out_channels[i];
    if (ch < 1 || ch % c.norm_num_groups != 0)
      return fail("block_out_channels[", i, "] = ", ch,
                  " is not a positive multiple of norm_num_groups = ", c.norm_num_groups);
    if (heads[i] < 1 || ch % heads[i] != 0)
      return fail("block ", i, " has ", ch, " channels, which ", heads[i],
                  " attention heads do not divide");
    if (layers[i] < 1)
      return fail("transformer_layers_per_block[", i, "] = ", layers[i], " must be at least 1");
  }
  return {};
}

json::Value unet_config_to_json(const UNetConfig& c) {
  json::Value j = json::Object{};
  j.set("_class_name", "UNet2DConditionModel");
  j.set("_diffusers_version", "0.21.4");
  j.set("act_fn", c.act_fn);
  j.set("attention_head_dim", int_or_list(c.attention_head_dim));
  json::Array channels;
  for (int ch : c.block_out_channels) channels.emplace_back(ch);
  j.set("block_out_channels", std::move(channels));
  j.set("center_input_sample", false);
  j.set("cross_attention_dim", c.cross_attention_dim);
  j.set("down_block_types", strings(c.down_block_types));
  j.set("downsample_padding", 1);
  j.set("dual_cross_attention", false);
  j.set("flip_sin_to_cos", c.flip_sin_to_cos);
  j.set("freq_shift", c.freq_shift);
  j.set("in_channels", c.in_channels);
  j.set("layers_per_block", c.layers_per_block);
  j.set("mid_block_scale_factor", 1);
  j.set("mid_block_type", c.mid_block_type);
  j.set("norm_eps", json::float_value(c.norm_eps));
  j.set("norm_num_groups", c.norm_num_groups);
  j.set("num_class_embeds", nullptr);
  j.set("only_cross_attention", false);
  j.set("out_channels", c.out_channels);
  j.set("resnet_time_scale_shift", "default");
  j.set("sample_size", c.sample_size);
  j.set("transformer_layers_per_block", int_or_list(c.transformer_layers_per_block));
  j.set("up_block_types", strings(c.up_block_types));
  j.set("upcast_attention", c.upcast_attention);
  j.set("use_linear_projection", c.use_linear_projection);
  return j;
}

}  // namespace seedgrid
