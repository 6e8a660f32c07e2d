"""Scaled dot-product attention: PyTorch's fused kernel where this torch has it (2.x, which also
lets torch.compile fuse it on a GPU), the textbook formula otherwise (torch 1.13)."""
import math

import torch
import torch.nn.functional as F

_HAVE_SDPA = hasattr(F, "scaled_dot_product_attention")


def attention(q, k, v, heads, causal=False):
    """q [B, Lq, C], k and v [B, Lk, C] -> [B, Lq, C]; softmax(q k^T / sqrt(C / heads)) v per head."""
    b, lq, c = q.shape
    lk = k.shape[1]
    d = c // heads
    q = q.reshape(b, lq, heads, d).transpose(1, 2)
    k = k.reshape(b, lk, heads, d).transpose(1, 2)
    v = v.reshape(b, lk, heads, d).transpose(1, 2)
    if _HAVE_SDPA:
        out = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
    else:
        scores = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(d))
        if causal:
            mask = torch.ones(lq, lk, dtype=torch.bool, device=q.device).triu(1)
            scores = scores.masked_fill(mask, float("-inf"))
        # Softmax in float32 even for f16 inputs, as diffusers' upcast_softmax does.
        out = torch.matmul(scores.float().softmax(dim=-1).to(v.dtype), v)
    return out.transpose(1, 2).reshape(b, lq, c)
