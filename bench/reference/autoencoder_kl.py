"""AutoencoderKL with diffusers' structure and parameter names: Encoder (DownEncoderBlock2D with the
asymmetric (0, 1, 0, 1) pad before each stride-2 conv), UNetMidBlock2D with one single-head
attention, quant_conv / post_quant_conv, Decoder (UpDecoderBlock2D)."""
import torch
import torch.nn.functional as F
from torch import nn

from attention import attention
from unet import ResnetBlock2D, Upsample2D

_EPS = 1e-6


class VaeAttention(nn.Module):
    def __init__(self, channels, groups):
        super().__init__()
        self.group_norm = nn.GroupNorm(groups, channels, eps=_EPS)
        self.to_q = nn.Linear(channels, channels)
        self.to_k = nn.Linear(channels, channels)
        self.to_v = nn.Linear(channels, channels)
        self.to_out = nn.ModuleList([nn.Linear(channels, channels)])

    def forward(self, x):
        b, c, h, w = x.shape
        y = self.group_norm(x).reshape(b, c, h * w).transpose(1, 2)
        y = self.to_out[0](attention(self.to_q(y), self.to_k(y), self.to_v(y), heads=1))
        return y.transpose(1, 2).reshape(b, c, h, w) + x


class VaeMidBlock(nn.Module):
    def __init__(self, channels, groups):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(channels, channels, 0, groups, _EPS),
                                      ResnetBlock2D(channels, channels, 0, groups, _EPS)])
        self.attentions = nn.ModuleList([VaeAttention(channels, groups)])

    def forward(self, x):
        return self.resnets[1](self.attentions[0](self.resnets[0](x)))


class EncoderDownsample(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, stride=2, padding=0)

    def forward(self, x):
        return self.conv(F.pad(x, (0, 1, 0, 1)))


class DownEncoderBlock(nn.Module):
    def __init__(self, cin, cout, layers, groups, downsample):
        super().__init__()
        self.resnets = nn.ModuleList(
            ResnetBlock2D(cin if i == 0 else cout, cout, 0, groups, _EPS) for i in range(layers))
        self.downsamplers = nn.ModuleList([EncoderDownsample(cout)]) if downsample else None

    def forward(self, x):
        for r in self.resnets:
            x = r(x)
        if self.downsamplers is not None:
            x = self.downsamplers[0](x)
        return x


class UpDecoderBlock(nn.Module):
    def __init__(self, cin, cout, layers, groups, upsample):
        super().__init__()
        self.resnets = nn.ModuleList(
            ResnetBlock2D(cin if i == 0 else cout, cout, 0, groups, _EPS) for i in range(layers))
        self.upsamplers = nn.ModuleList([Upsample2D(cout)]) if upsample else None

    def forward(self, x):
        for r in self.resnets:
            x = r(x)
        if self.upsamplers is not None:
            x = self.upsamplers[0](x)
        return x


class Encoder(nn.Module):
    def __init__(self, cin, latent, boc, layers, groups):
        super().__init__()
        self.conv_in = nn.Conv2d(cin, boc[0], 3, padding=1)
        self.down_blocks = nn.ModuleList()
        cout = boc[0]
        for i, c in enumerate(boc):
            prev, cout = cout, c
            self.down_blocks.append(DownEncoderBlock(prev, cout, layers, groups, i < len(boc) - 1))
        self.mid_block = VaeMidBlock(boc[-1], groups)
        self.conv_norm_out = nn.GroupNorm(groups, boc[-1], eps=_EPS)
        self.conv_out = nn.Conv2d(boc[-1], 2 * latent, 3, padding=1)

    def forward(self, x):
        x = self.conv_in(x)
        for b in self.down_blocks:
            x = b(x)
        x = self.mid_block(x)
        return self.conv_out(F.silu(self.conv_norm_out(x)))


class Decoder(nn.Module):
    def __init__(self, latent, cout_image, boc, layers, groups):
        super().__init__()
        rev = list(reversed(boc))
        self.conv_in = nn.Conv2d(latent, rev[0], 3, padding=1)
        self.mid_block = VaeMidBlock(rev[0], groups)
        self.up_blocks = nn.ModuleList()
        cout = rev[0]
        for i, c in enumerate(rev):
            prev, cout = cout, c
            self.up_blocks.append(UpDecoderBlock(prev, cout, layers + 1, groups, i < len(rev) - 1))
        self.conv_norm_out = nn.GroupNorm(groups, boc[0], eps=_EPS)
        self.conv_out = nn.Conv2d(boc[0], cout_image, 3, padding=1)

    def forward(self, z):
        x = self.mid_block(self.conv_in(z))
        for b in self.up_blocks:
            x = b(x)
        return self.conv_out(F.silu(self.conv_norm_out(x)))


class AutoencoderKL(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        boc = list(cfg.get("block_out_channels", [128, 256, 512, 512]))
        layers = cfg.get("layers_per_block", 2)
        groups = cfg.get("norm_num_groups", 32)
        latent = cfg.get("latent_channels", 4)
        self.scaling_factor = cfg.get("scaling_factor", 0.18215)
        self.downscale = 2 ** (len(boc) - 1)
        self.encoder = Encoder(cfg.get("in_channels", 3), latent, boc, layers, groups)
        self.quant_conv = nn.Conv2d(2 * latent, 2 * latent, 1)
        self.post_quant_conv = nn.Conv2d(latent, latent, 1)
        self.decoder = Decoder(latent, cfg.get("out_channels", 3), boc, layers, groups)

    def encode(self, image):
        """image [B, 3, H, W] in [-1, 1] -> (mean, logvar) of the latent distribution (unscaled)."""
        mean, logvar = self.quant_conv(self.encoder(image)).chunk(2, dim=1)
        return mean, logvar.clamp(-30.0, 20.0)

    def decode(self, latents):
        """latents (already divided by scaling_factor) -> image [B, 3, H, W], nominally in [-1, 1]."""
        return self.decoder(self.post_quant_conv(latents))

    def load_weights(self, tensors):
        self.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items()}, strict=True)
