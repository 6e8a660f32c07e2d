#include "models/weights/original_layout.hpp"

#include <charconv>
#include <optional>
#include <vector>

namespace seedgrid {

namespace {

std::vector<std::string_view> split(std::string_view name) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = name.find('.', start);
    parts.push_back(name.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) return parts;
    start = dot + 1;
  }
}

std::string join(const std::vector<std::string_view>& parts, std::size_t from) {
  std::string out;
  for (std::size_t i = from; i < parts.size(); ++i) {
    if (i > from) out.push_back('.');
    out.append(parts[i]);
  }
  return out;
}

std::optional<int> index(std::string_view s) {
  int v = -1;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

bool starts(const std::vector<std::string_view>& parts,
            std::initializer_list<std::string_view> head) {
  if (parts.size() < head.size()) return false;
  std::size_t i = 0;
  for (auto h : head) {
    if (!h.empty() && parts[i] != h) return false;  // "" matches any part (an index)
    ++i;
  }
  return true;
}

// ResnetBlock2D member names -> LDM ResBlock names.
std::string unet_resnet(const std::vector<std::string_view>& parts, std::size_t from) {
  static constexpr std::pair<std::string_view, std::string_view> kMap[] = {
      {"norm1", "in_layers.0"},          {"conv1", "in_layers.2"},
      {"norm2", "out_layers.0"},         {"conv2", "out_layers.3"},
      {"time_emb_proj", "emb_layers.1"}, {"conv_shortcut", "skip_connection"}};
  std::string head(parts[from]);
  for (const auto& [hf, sd] : kMap)
    if (parts[from] == hf) head = sd;
  return head + "." + join(parts, from + 1);
}

std::string vae_resnet(const std::vector<std::string_view>& parts, std::size_t from) {
  const std::string head =
      parts[from] == "conv_shortcut" ? "nin_shortcut" : std::string(parts[from]);
  return head + "." + join(parts, from + 1);
}

std::string vae_attention(const std::vector<std::string_view>& parts, std::size_t from) {
  static constexpr std::pair<std::string_view, std::string_view> kMap[] = {
      {"group_norm", "norm"}, {"to_q", "q"}, {"to_k", "k"}, {"to_v", "v"}};
  if (parts[from] == "to_out" && parts.size() > from + 1 && parts[from + 1] == "0")
    return "proj_out." + join(parts, from + 2);
  std::string head(parts[from]);
  for (const auto& [hf, sd] : kMap)
    if (parts[from] == hf) head = sd;
  return head + "." + join(parts, from + 1);
}

}  // namespace

Result<std::string> unet_original_name(std::string_view name, const UNetConfig& config) {
  const auto p = split(name);
  const int per_level = config.layers_per_block + 1;
  const std::string prefix(kOriginalUNetPrefix);
  const auto mapped = [&](std::string_view body) { return prefix + std::string(body); };
  if (starts(p, {"time_embedding", "linear_1"})) return mapped("time_embed.0." + join(p, 2));
  if (starts(p, {"time_embedding", "linear_2"})) return mapped("time_embed.2." + join(p, 2));
  if (starts(p, {"conv_in"})) return mapped("input_blocks.0.0." + join(p, 1));
  if (starts(p, {"conv_norm_out"})) return mapped("out.0." + join(p, 1));
  if (starts(p, {"conv_out"})) return mapped("out.2." + join(p, 1));
  if (p.size() >= 5 && (p[0] == "down_blocks" || p[0] == "up_blocks")) {
    const auto block = index(p[1]);
    const auto layer = index(p[3]);
    const bool down = p[0] == "down_blocks";
    const int n = static_cast<int>(config.block_out_channels.size());
    if (block && layer && *block < n) {
      const int base = down ? 1 + *block * per_level : *block * per_level;
      const std::string blocks = down ? "input_blocks." : "output_blocks.";
      if (p[2] == "resnets")
        return mapped(blocks + std::to_string(base + *layer) + ".0." + unet_resnet(p, 4));
      if (p[2] == "attentions")
        return mapped(blocks + std::to_string(base + *layer) + ".1." + join(p, 4));
      if (down && p[2] == "downsamplers" && *layer == 0)
        return mapped("input_blocks." + std::to_string((*block + 1) * per_level) + ".0.op." +
                      join(p, 5));
      if (!down && p[2] == "upsamplers" && *layer == 0) {
        const bool attention =
            config.up_block_types[static_cast<std::size_t>(*block)] == "CrossAttnUpBlock2D";
        return mapped("output_blocks." + std::to_string(base + per_level - 1) +
                      (attention ? ".2." : ".1.") + join(p, 4));
      }
    }
  }
  if (starts(p, {"mid_block", "resnets", ""}) && p.size() >= 4) {
    if (const auto j = index(p[2]); j && *j < 2)
      return mapped("middle_block." + std::to_string(2 * *j) + "." + unet_resnet(p, 3));
  }
  if (starts(p, {"mid_block", "attentions", "0"}) && p.size() >= 4)
    return mapped("middle_block.1." + join(p, 3));
  return fail("\"", name, "\" is not a UNet parameter name seedgrid knows how to rename");
}

Result<std::string> vae_original_name(std::string_view name, const VaeConfig& config) {
  const auto p = split(name);
  const std::string prefix(kOriginalVaePrefix);
  const int n = static_cast<int>(config.block_out_channels.size());
  if (starts(p, {"quant_conv"}) || starts(p, {"post_quant_conv"}))
    return prefix + std::string(name);
  if (p.size() >= 2 && (p[0] == "encoder" || p[0] == "decoder")) {
    const std::string side = std::string(p[0]) + ".";
    if (p[1] == "conv_in" || p[1] == "conv_out") return prefix + std::string(name);
    if (p[1] == "conv_norm_out") return prefix + side + "norm_out." + join(p, 2);
    if (starts(p, {"", "mid_block", "resnets", ""}) && p.size() >= 5) {
      if (const auto j = index(p[3]); j && *j < 2)
        return prefix + side + "mid.block_" + std::to_string(*j + 1) + "." + vae_resnet(p, 4);
    }
    if (starts(p, {"", "mid_block", "attentions", "0"}) && p.size() >= 5)
      return prefix + side + "mid.attn_1." + vae_attention(p, 4);
    const bool encoder = p[0] == "encoder";
    if (p.size() >= 6 && p[1] == (encoder ? "down_blocks" : "up_blocks")) {
      const auto block = index(p[2]);
      const auto layer = index(p[4]);
      if (block && layer && *block < n) {
        const std::string level =
            encoder ? "down." + std::to_string(*block) : "up." + std::to_string(n - 1 - *block);
        if (p[3] == "resnets")
          return prefix + side + level + ".block." + std::to_string(*layer) + "." +
                 vae_resnet(p, 5);
        if (p[3] == (encoder ? "downsamplers" : "upsamplers") && *layer == 0)
          return prefix + side + level + (encoder ? ".downsample." : ".upsample.") + join(p, 5);
      }
    }
  }
  return fail("\"", name, "\" is not a VAE parameter name seedgrid knows how to rename");
}

std::string clip_original_name(std::string_view name) {
  return std::string(kOriginalClipPrefix) + std::string(name);
}

bool is_vae_attention_projection(std::string_view name) {
  const auto p = split(name);
  return p.size() >= 6 && p[2] == "attentions" && p[1] == "mid_block" && p.back() == "weight" &&
         (p[4] == "to_q" || p[4] == "to_k" || p[4] == "to_v" || p[4] == "to_out");
}

}  // namespace seedgrid
