"""UNet2DConditionModel with diffusers' block structure and parameter names (SD 1.x / 2.x family):
CrossAttnDownBlock2D / DownBlock2D, UNetMidBlock2DCrossAttn, UpBlock2D / CrossAttnUpBlock2D,
ResnetBlock2D, Transformer2DModel with BasicTransformerBlock (self-attn, cross-attn, GEGLU)."""
import math

import torch
import torch.nn.functional as F
from torch import nn

from attention import attention


def timestep_embedding(timesteps, dim, flip_sin_to_cos, freq_shift, max_period=10000):
    """diffusers get_timestep_embedding."""
    half = dim // 2
    exponent = -math.log(max_period) * torch.arange(half, dtype=torch.float32, device=timesteps.device)
    exponent = exponent / (half - freq_shift)
    emb = timesteps[:, None].float() * torch.exp(exponent)[None, :]
    emb = torch.cat([torch.sin(emb), torch.cos(emb)], dim=-1)
    if flip_sin_to_cos:
        emb = torch.cat([emb[:, half:], emb[:, :half]], dim=-1)
    if dim % 2 == 1:
        emb = F.pad(emb, (0, 1, 0, 0))
    return emb


class ResnetBlock2D(nn.Module):
    def __init__(self, cin, cout, temb_channels, groups, eps):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin, eps=eps)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time_emb_proj = nn.Linear(temb_channels, cout) if temb_channels else None
        self.norm2 = nn.GroupNorm(groups, cout, eps=eps)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.conv_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, temb=None):
        h = self.conv1(F.silu(self.norm1(x)))
        if self.time_emb_proj is not None:
            h = h + self.time_emb_proj(F.silu(temb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        if self.conv_shortcut is not None:
            x = self.conv_shortcut(x)
        return x + h


class CrossAttention(nn.Module):
    def __init__(self, dim, context_dim, heads):
        super().__init__()
        self.heads = heads
        self.to_q = nn.Linear(dim, dim, bias=False)
        self.to_k = nn.Linear(context_dim, dim, bias=False)
        self.to_v = nn.Linear(context_dim, dim, bias=False)
        self.to_out = nn.ModuleList([nn.Linear(dim, dim)])

    def forward(self, x, context=None):
        context = x if context is None else context
        out = attention(self.to_q(x), self.to_k(context), self.to_v(context), self.heads)
        return self.to_out[0](out)


class GEGLU(nn.Module):
    def __init__(self, dim, inner):
        super().__init__()
        self.proj = nn.Linear(dim, inner * 2)

    def forward(self, x):
        hidden, gate = self.proj(x).chunk(2, dim=-1)
        return hidden * F.gelu(gate)


class FeedForward(nn.Module):
    def __init__(self, dim):
        super().__init__()
        # diffusers' net = [GEGLU, Dropout, Linear]: index 1 holds no parameters.
        self.net = nn.ModuleList([GEGLU(dim, dim * 4), nn.Identity(), nn.Linear(dim * 4, dim)])

    def forward(self, x):
        return self.net[2](self.net[0](x))


class BasicTransformerBlock(nn.Module):
    def __init__(self, dim, heads, context_dim):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-5)
        self.attn1 = CrossAttention(dim, dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-5)
        self.attn2 = CrossAttention(dim, context_dim, heads)
        self.norm3 = nn.LayerNorm(dim, eps=1e-5)
        self.ff = FeedForward(dim)

    def forward(self, x, context):
        x = x + self.attn1(self.norm1(x))
        x = x + self.attn2(self.norm2(x), context)
        return x + self.ff(self.norm3(x))


class Transformer2DModel(nn.Module):
    def __init__(self, channels, heads, layers, context_dim, groups, linear_projection):
        super().__init__()
        self.linear_projection = linear_projection
        self.norm = nn.GroupNorm(groups, channels, eps=1e-6)
        if linear_projection:
            self.proj_in = nn.Linear(channels, channels)
            self.proj_out = nn.Linear(channels, channels)
        else:
            self.proj_in = nn.Conv2d(channels, channels, 1)
            self.proj_out = nn.Conv2d(channels, channels, 1)
        self.transformer_blocks = nn.ModuleList(
            BasicTransformerBlock(channels, heads, context_dim) for _ in range(layers))

    def forward(self, x, context):
        b, c, h, w = x.shape
        residual = x
        y = self.norm(x)
        if not self.linear_projection:
            y = self.proj_in(y)
        y = y.permute(0, 2, 3, 1).reshape(b, h * w, c)
        if self.linear_projection:
            y = self.proj_in(y)
        for block in self.transformer_blocks:
            y = block(y, context)
        if self.linear_projection:
            y = self.proj_out(y)
        y = y.reshape(b, h, w, c).permute(0, 3, 1, 2).contiguous()
        if not self.linear_projection:
            y = self.proj_out(y)
        return y + residual


class Downsample2D(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, stride=2, padding=1)

    def forward(self, x):
        return self.conv(x)


class Upsample2D(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x, size=None):
        if size is None:
            x = F.interpolate(x, scale_factor=2.0, mode="nearest")
        else:
            x = F.interpolate(x, size=size, mode="nearest")
        return self.conv(x)


class DownBlock(nn.Module):
    def __init__(self, cin, cout, temb, layers, groups, eps, downsample, attn):
        super().__init__()
        self.resnets = nn.ModuleList(
            ResnetBlock2D(cin if i == 0 else cout, cout, temb, groups, eps) for i in range(layers))
        if attn is not None:
            heads, tlayers, context_dim, linear = attn
            self.attentions = nn.ModuleList(
                Transformer2DModel(cout, heads, tlayers, context_dim, groups, linear) for _ in range(layers))
        else:
            self.attentions = None
        self.downsamplers = nn.ModuleList([Downsample2D(cout)]) if downsample else None

    def forward(self, x, temb, context):
        states = []
        for i, resnet in enumerate(self.resnets):
            x = resnet(x, temb)
            if self.attentions is not None:
                x = self.attentions[i](x, context)
            states.append(x)
        if self.downsamplers is not None:
            x = self.downsamplers[0](x)
            states.append(x)
        return x, states


class UpBlock(nn.Module):
    def __init__(self, cin, cprev, cout, temb, layers, groups, eps, upsample, attn):
        super().__init__()
        resnets = []
        for i in range(layers):
            skip = cin if i == layers - 1 else cout
            first = cprev if i == 0 else cout
            resnets.append(ResnetBlock2D(first + skip, cout, temb, groups, eps))
        self.resnets = nn.ModuleList(resnets)
        if attn is not None:
            heads, tlayers, context_dim, linear = attn
            self.attentions = nn.ModuleList(
                Transformer2DModel(cout, heads, tlayers, context_dim, groups, linear) for _ in range(layers))
        else:
            self.attentions = None
        self.upsamplers = nn.ModuleList([Upsample2D(cout)]) if upsample else None

    def forward(self, x, skips, temb, context, size=None):
        for i, resnet in enumerate(self.resnets):
            x = torch.cat([x, skips.pop()], dim=1)
            x = resnet(x, temb)
            if self.attentions is not None:
                x = self.attentions[i](x, context)
        if self.upsamplers is not None:
            x = self.upsamplers[0](x, size)
        return x


class MidBlock(nn.Module):
    def __init__(self, channels, temb, groups, eps, attn):
        super().__init__()
        heads, tlayers, context_dim, linear = attn
        self.resnets = nn.ModuleList([ResnetBlock2D(channels, channels, temb, groups, eps),
                                      ResnetBlock2D(channels, channels, temb, groups, eps)])
        self.attentions = nn.ModuleList(
            [Transformer2DModel(channels, heads, tlayers, context_dim, groups, linear)])

    def forward(self, x, temb, context):
        x = self.resnets[0](x, temb)
        x = self.attentions[0](x, context)
        return self.resnets[1](x, temb)


class TimestepEmbedding(nn.Module):
    def __init__(self, cin, dim):
        super().__init__()
        self.linear_1 = nn.Linear(cin, dim)
        self.linear_2 = nn.Linear(dim, dim)

    def forward(self, x):
        return self.linear_2(F.silu(self.linear_1(x)))


def _per_block(value, n):
    return list(value) if isinstance(value, (list, tuple)) else [value] * n


class UNet2DConditionModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        boc = list(cfg.get("block_out_channels", [320, 640, 1280, 1280]))
        n = len(boc)
        down_types = cfg.get("down_block_types")
        up_types = cfg.get("up_block_types")
        layers = cfg.get("layers_per_block", 2)
        groups = cfg.get("norm_num_groups", 32)
        eps = cfg.get("norm_eps", 1e-5)
        context_dim = cfg.get("cross_attention_dim", 768)
        linear = cfg.get("use_linear_projection", False)
        if cfg.get("act_fn", "silu") != "silu":
            raise ValueError(f"unet act_fn {cfg['act_fn']!r} is not supported")
        mid_type = cfg.get("mid_block_type", "UNetMidBlock2DCrossAttn")
        if mid_type != "UNetMidBlock2DCrossAttn":
            raise ValueError(f"unet mid_block_type {mid_type!r} is not supported")
        # Legacy diffusers naming: attention_head_dim holds the number of heads for SD 1.x/2.x.
        heads = cfg.get("num_attention_heads") or cfg.get("attention_head_dim", 8)
        heads = _per_block(heads, n)
        tlayers = _per_block(cfg.get("transformer_layers_per_block", 1), n)
        self.flip_sin_to_cos = cfg.get("flip_sin_to_cos", True)
        self.freq_shift = cfg.get("freq_shift", 0)
        self.base_channels = boc[0]
        temb = boc[0] * 4

        self.conv_in = nn.Conv2d(cfg.get("in_channels", 4), boc[0], 3, padding=1)
        self.time_embedding = TimestepEmbedding(boc[0], temb)

        self.down_blocks = nn.ModuleList()
        cout = boc[0]
        for i, kind in enumerate(down_types):
            cin, cout = cout, boc[i]
            if kind == "CrossAttnDownBlock2D":
                attn = (heads[i], tlayers[i], context_dim, linear)
            elif kind == "DownBlock2D":
                attn = None
            else:
                raise ValueError(f"unet down block type {kind!r} is not supported")
            self.down_blocks.append(DownBlock(cin, cout, temb, layers, groups, eps, i < n - 1, attn))

        self.mid_block = MidBlock(boc[-1], temb, groups, eps, (heads[-1], tlayers[-1], context_dim, linear))

        rev = list(reversed(boc))
        rheads = list(reversed(heads))
        rtlayers = list(reversed(tlayers))
        self.up_blocks = nn.ModuleList()
        cout = rev[0]
        for i, kind in enumerate(up_types):
            cprev, cout = cout, rev[i]
            cin = rev[min(i + 1, n - 1)]
            if kind == "CrossAttnUpBlock2D":
                attn = (rheads[i], rtlayers[i], context_dim, linear)
            elif kind == "UpBlock2D":
                attn = None
            else:
                raise ValueError(f"unet up block type {kind!r} is not supported")
            self.up_blocks.append(UpBlock(cin, cprev, cout, temb, layers + 1, groups, eps, i < n - 1, attn))

        self.conv_norm_out = nn.GroupNorm(groups, boc[0], eps=eps)
        self.conv_out = nn.Conv2d(boc[0], cfg.get("out_channels", 4), 3, padding=1)

    def forward(self, sample, timesteps, context):
        """sample [B, C, h, w]; timesteps [B] float; context [B, L, cross_attention_dim]."""
        emb = timestep_embedding(timesteps, self.base_channels, self.flip_sin_to_cos, self.freq_shift)
        temb = self.time_embedding(emb.to(sample.dtype))
        x = self.conv_in(sample)
        skips = [x]
        for block in self.down_blocks:
            x, states = block(x, temb, context)
            skips.extend(states)
        x = self.mid_block(x, temb, context)
        for block in self.up_blocks:
            n = len(block.resnets)
            block_skips = skips[-n:]
            del skips[-n:]
            # Upsample to the next skip's size, so sizes that are not powers of two still line up.
            size = skips[-1].shape[2:] if skips and block.upsamplers is not None else None
            x = block(x, block_skips, temb, context, size)
        x = F.silu(self.conv_norm_out(x))
        return self.conv_out(x)

    def load_weights(self, tensors):
        self.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items()}, strict=True)
