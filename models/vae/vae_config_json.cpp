#include "models/vae/vae_config_json.hpp"

#include <vector>

#include "models/json/config_reader.hpp"

namespace seedgrid {

Result<VaeConfig> parse_vae_config(const json::Value& root, const std::string& source) {
  VaeConfig c;
  json::ConfigReader r(root, source);
  r.read("in_channels", c.in_channels);
  r.read("out_channels", c.out_channels);
  r.read("latent_channels", c.latent_channels);
  r.read("block_out_channels", c.block_out_channels);
  r.read("layers_per_block", c.layers_per_block);
  r.read("norm_num_groups", c.norm_num_groups);
  r.read("sample_size", c.sample_size);
  r.read("scaling_factor", c.scaling_factor);
  std::string act = "silu";
  r.read_choice("act_fn", act, {"silu"});
  std::vector<std::string> down, up;
  r.read("down_block_types", down);
  r.read("up_block_types", up);
  for (const auto& t : down)
    if (t != "DownEncoderBlock2D")
      r.error("down_block_types holds unsupported block type \"", t,
              "\" (supported: \"DownEncoderBlock2D\")");
  for (const auto& t : up)
    if (t != "UpDecoderBlock2D")
      r.error("up_block_types holds unsupported block type \"", t,
              "\" (supported: \"UpDecoderBlock2D\")");
  if (r.status() && ((!down.empty() && down.size() != c.block_out_channels.size()) ||
                     (!up.empty() && up.size() != c.block_out_channels.size())))
    r.error("block_out_channels has ", c.block_out_channels.size(),
            " entries but down_block_types has ", down.size(), " and up_block_types ", up.size());
  r.require("norm_type", {"group"});
  r.require("shift_factor", {});
  r.require("latents_mean", {});
  r.require("latents_std", {});
  r.require("use_quant_conv", {true});
  r.require("use_post_quant_conv", {true});
  r.require("mid_block_add_attention", {true});
  if (auto ok = r.status(); !ok) return pass_on(ok);
  if (auto ok = check_vae_config(c); !ok) return context(ok.error(), source);
  return c;
}

Result<void> check_vae_config(const VaeConfig& c) {
  if (c.block_out_channels.empty()) return fail("block_out_channels is empty");
  if (c.block_out_channels.size() > 8)
    return fail("block_out_channels has ", c.block_out_channels.size(), " entries (at most 8)");
  if (c.in_channels < 1 || c.out_channels < 1 || c.latent_channels < 1 || c.layers_per_block < 1 ||
      c.norm_num_groups < 1)
    return fail(
        "in_channels, out_channels, latent_channels, layers_per_block and "
        "norm_num_groups must be positive");
  for (std::size_t i = 0; i < c.block_out_channels.size(); ++i)
    if (c.block_out_channels[i] < 1 || c.block_out_channels[i] % c.norm_num_groups != 0)
      return fail("block_out_channels[", i, "] = ", c.block_out_channels[i],
                  " is not a positive multiple of norm_num_groups = ", c.norm_num_groups);
  if (!(c.scaling_factor > 0))
    return fail("scaling_factor must be positive, found ", c.scaling_factor);
  return {};
}

json::Value vae_config_to_json(const VaeConfig& c) {
  json::Value j = json::Object{};
  j.set("_class_name", "AutoencoderKL");
  j.set("_diffusers_version", "0.21.4");
  j.set("act_fn", "silu");
  json::Array channels, down, up;
  for (int ch : c.block_out_channels) {
    channels.emplace_back(ch);
    down.emplace_back("DownEncoderBlock2D");
    up.emplace_back("UpDecoderBlock2D");
  }
  j.set("block_out_channels", std::move(channels));
  j.set("down_block_types", std::move(down));
  j.set("in_channels", c.in_channels);
  j.set("latent_channels", c.latent_channels);
  j.set("layers_per_block", c.layers_per_block);
  j.set("norm_num_groups", c.norm_num_groups);
  j.set("out_channels", c.out_channels);
  j.set("sample_size", c.sample_size);
  j.set("scaling_factor", json::float_value(c.scaling_factor));
  j.set("up_block_types", std::move(up));
  return j;
}

}  // namespace seedgrid
