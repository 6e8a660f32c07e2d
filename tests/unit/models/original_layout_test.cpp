#include "models/weights/original_layout.hpp"

#include <gtest/gtest.h>

#include "models/clip/text_encoder.hpp"
#include "models/presets/preset.hpp"
#include "models/unet/unet.hpp"
#include "models/unet/unet_config_json.hpp"
#include "models/vae/autoencoder_kl.hpp"
#include "models/vae/vae_config_json.hpp"
#include "models/weights/infer_config.hpp"

using namespace seedgrid;

// Pairs from diffusers' scripts/convert_diffusers_to_original_stable_diffusion.py for SD 1.x.
TEST(OriginalLayout, UNetNamesFollowTheDiffusersConversionTables) {
  const UNetConfig sd15;
  const std::pair<std::string, std::string> pairs[] = {
      {"time_embedding.linear_1.weight", "time_embed.0.weight"},
      {"time_embedding.linear_2.bias", "time_embed.2.bias"},
      {"conv_in.weight", "input_blocks.0.0.weight"},
      {"conv_norm_out.bias", "out.0.bias"},
      {"conv_out.weight", "out.2.weight"},
      {"down_blocks.0.resnets.0.norm1.weight", "input_blocks.1.0.in_layers.0.weight"},
      {"down_blocks.1.resnets.1.conv1.weight", "input_blocks.5.0.in_layers.2.weight"},
      {"down_blocks.1.resnets.0.conv_shortcut.weight", "input_blocks.4.0.skip_connection.weight"},
      {"down_blocks.3.resnets.1.time_emb_proj.bias", "input_blocks.11.0.emb_layers.1.bias"},
      {"down_blocks.2.attentions.1.proj_in.weight", "input_blocks.8.1.proj_in.weight"},
      {"down_blocks.0.downsamplers.0.conv.weight", "input_blocks.3.0.op.weight"},
      {"down_blocks.2.downsamplers.0.conv.bias", "input_blocks.9.0.op.bias"},
      {"mid_block.resnets.0.norm2.weight", "middle_block.0.out_layers.0.weight"},
      {"mid_block.attentions.0.transformer_blocks.0.attn1.to_q.weight",
       "middle_block.1.transformer_blocks.0.attn1.to_q.weight"},
      {"mid_block.resnets.1.conv2.weight", "middle_block.2.out_layers.3.weight"},
      {"up_blocks.0.resnets.2.conv1.bias", "output_blocks.2.0.in_layers.2.bias"},
      {"up_blocks.0.upsamplers.0.conv.weight", "output_blocks.2.1.conv.weight"},
      {"up_blocks.1.upsamplers.0.conv.weight", "output_blocks.5.2.conv.weight"},
      {"up_blocks.2.attentions.2.transformer_blocks.0.ff.net.0.proj.weight",
       "output_blocks.8.1.transformer_blocks.0.ff.net.0.proj.weight"},
      {"up_blocks.3.resnets.2.conv2.weight", "output_blocks.11.0.out_layers.3.weight"},
  };
  for (const auto& [hf, sd] : pairs) {
    auto name = unet_original_name(hf, sd15);
    ASSERT_TRUE(name) << name.error().message;
    EXPECT_EQ(*name, "model.diffusion_model." + sd) << hf;
  }
  EXPECT_FALSE(unet_original_name("down_blocks.9.resnets.0.norm1.weight", sd15));
  EXPECT_FALSE(unet_original_name("bogus.weight", sd15));
}

TEST(OriginalLayout, VaeNamesFollowTheDiffusersConversionTables) {
  const VaeConfig kl_f8;
  const std::pair<std::string, std::string> pairs[] = {
      {"encoder.conv_in.weight", "encoder.conv_in.weight"},
      {"encoder.down_blocks.1.resnets.0.conv_shortcut.weight",
       "encoder.down.1.block.0.nin_shortcut.weight"},
      {"encoder.down_blocks.2.downsamplers.0.conv.bias", "encoder.down.2.downsample.conv.bias"},
      {"encoder.mid_block.resnets.1.norm2.bias", "encoder.mid.block_2.norm2.bias"},
      {"encoder.mid_block.attentions.0.group_norm.weight", "encoder.mid.attn_1.norm.weight"},
      {"encoder.mid_block.attentions.0.to_q.weight", "encoder.mid.attn_1.q.weight"},
      {"decoder.mid_block.attentions.0.to_out.0.bias", "decoder.mid.attn_1.proj_out.bias"},
      {"encoder.conv_norm_out.weight", "encoder.norm_out.weight"},
      {"decoder.up_blocks.0.resnets.2.conv1.weight", "decoder.up.3.block.2.conv1.weight"},
      {"decoder.up_blocks.3.resnets.0.conv_shortcut.bias",
       "decoder.up.0.block.0.nin_shortcut.bias"},
      {"decoder.up_blocks.1.upsamplers.0.conv.weight", "decoder.up.2.upsample.conv.weight"},
      {"quant_conv.weight", "quant_conv.weight"},
      {"post_quant_conv.bias", "post_quant_conv.bias"},
  };
  for (const auto& [hf, sd] : pairs) {
    auto name = vae_original_name(hf, kl_f8);
    ASSERT_TRUE(name) << name.error().message;
    EXPECT_EQ(*name, "first_stage_model." + sd) << hf;
  }
  EXPECT_TRUE(is_vae_attention_projection("decoder.mid_block.attentions.0.to_out.0.weight"));
  EXPECT_TRUE(is_vae_attention_projection("encoder.mid_block.attentions.0.to_k.weight"));
  EXPECT_FALSE(is_vae_attention_projection("encoder.mid_block.attentions.0.to_k.bias"));
  EXPECT_FALSE(is_vae_attention_projection("encoder.mid_block.attentions.0.group_norm.weight"));
}

// Every parameter of the real SD 1.5 networks, under its original name, infers back the SD 1.5
// configs: what a single-file SD 1.5 checkpoint without a sidecar gets.
TEST(OriginalLayout, Sd15ShapesInferTheSd15Configs) {
  auto preset = find_preset("sd15");
  ASSERT_TRUE(preset);
  ShapeMap unet, vae, text;
  const auto unet_specs = UNet::parameters(preset->unet).value();
  for (const auto& s : unet_specs)
    unet[unet_original_name(s.name, preset->unet)->substr(kOriginalUNetPrefix.size())] = s.shape;
  const auto vae_specs = AutoencoderKL::parameters(preset->vae).value();
  for (const auto& s : vae_specs) {
    Shape shape = s.shape;
    if (is_vae_attention_projection(s.name)) shape = {shape[0], shape[1], 1, 1};
    vae[vae_original_name(s.name, preset->vae)->substr(kOriginalVaePrefix.size())] = shape;
  }
  const auto text_specs = ClipTextEncoder::parameters(preset->text).value();
  for (const auto& s : text_specs) text[s.name] = s.shape;

  auto u = infer_unet_config(unet);
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(unet_config_to_json(*u), unet_config_to_json(UNetConfig{}));
  auto v = infer_vae_config(vae);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(vae_config_to_json(*v), vae_config_to_json(VaeConfig{}));
  auto t = infer_clip_text_config(text, false);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->num_hidden_layers, 12);
  EXPECT_EQ(t->num_attention_heads, 12);
  EXPECT_EQ(t->intermediate_size, 3072);
  EXPECT_EQ(t->hidden_act, "quick_gelu");
  EXPECT_EQ(infer_scheduler_config(*u).prediction_type, "epsilon");
}

// SD 2.x: linear projections, cross width 1024, heads of 64 channels, v-prediction.
TEST(OriginalLayout, Sd2ShapesInferTheSd2Configs) {
  UNetConfig sd2;
  sd2.cross_attention_dim = 1024;
  sd2.use_linear_projection = true;
  sd2.attention_head_dim = {5, 10, 20, 20};
  sd2.sample_size = 96;
  ShapeMap unet;
  const auto specs = UNet::parameters(sd2).value();
  for (const auto& s : specs)
    unet[unet_original_name(s.name, sd2)->substr(kOriginalUNetPrefix.size())] = s.shape;
  auto u = infer_unet_config(unet);
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(unet_config_to_json(*u), unet_config_to_json(sd2));
  EXPECT_EQ(infer_scheduler_config(*u).prediction_type, "v_prediction");

  ShapeMap open_clip{{"token_embedding.weight", {49408, 1024}},
                     {"positional_embedding", {77, 1024}},
                     {"transformer.resblocks.0.mlp.c_fc.weight", {4096, 1024}}};
  for (int i = 0; i < 24; ++i)
    open_clip["transformer.resblocks." + std::to_string(i) + ".ln_1.weight"] = {1024};
  auto t = infer_clip_text_config(open_clip, true);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->num_hidden_layers, 23);
  EXPECT_EQ(t->num_attention_heads, 16);
  EXPECT_EQ(t->hidden_act, "gelu");
  EXPECT_EQ(t->pad_token_id, 0);
}

TEST(OriginalLayout, NonStandardShapesAreAmbiguous) {
  auto tiny = find_preset("tiny");
  ASSERT_TRUE(tiny);
  ShapeMap unet;
  const auto specs = UNet::parameters(tiny->unet).value();
  for (const auto& s : specs)
    unet[unet_original_name(s.name, tiny->unet)->substr(kOriginalUNetPrefix.size())] = s.shape;
  auto u = infer_unet_config(unet);
  ASSERT_FALSE(u);
  EXPECT_NE(u.error().message.find("cannot be inferred"), std::string::npos);
  unet["label_emb.0.0.weight"] = {1280, 2816};
  EXPECT_NE(infer_unet_config(unet).error().message.find("SDXL"), std::string::npos);
}
