"""CLIPTextModel as transformers defines it (last_hidden_state only): token + position embeddings,
pre-LayerNorm transformer layers with causal self-attention, final LayerNorm. Parameter names are
transformers' (text_model.*), so a diffusers text_encoder/model.safetensors loads with strict=True."""
import torch
from torch import nn

from attention import attention


def _activation(name):
    if name == "quick_gelu":
        return lambda x: x * torch.sigmoid(1.702 * x)
    if name == "gelu":
        return nn.functional.gelu
    raise ValueError(f"text encoder hidden_act {name!r} is not supported")


class _Embeddings(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.token_embedding = nn.Embedding(cfg["vocab_size"], cfg["hidden_size"])
        self.position_embedding = nn.Embedding(cfg["max_position_embeddings"], cfg["hidden_size"])

    def forward(self, ids):
        positions = torch.arange(ids.shape[1], device=ids.device)
        return self.token_embedding(ids) + self.position_embedding(positions)[None]


class _SelfAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        h = cfg["hidden_size"]
        self.heads = cfg["num_attention_heads"]
        self.q_proj = nn.Linear(h, h)
        self.k_proj = nn.Linear(h, h)
        self.v_proj = nn.Linear(h, h)
        self.out_proj = nn.Linear(h, h)

    def forward(self, x):
        out = attention(self.q_proj(x), self.k_proj(x), self.v_proj(x), self.heads, causal=True)
        return self.out_proj(out)


class _Mlp(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.fc1 = nn.Linear(cfg["hidden_size"], cfg["intermediate_size"])
        self.fc2 = nn.Linear(cfg["intermediate_size"], cfg["hidden_size"])
        self.act = _activation(cfg.get("hidden_act", "quick_gelu"))

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class _Layer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        eps = cfg.get("layer_norm_eps", 1e-5)
        self.layer_norm1 = nn.LayerNorm(cfg["hidden_size"], eps=eps)
        self.self_attn = _SelfAttention(cfg)
        self.layer_norm2 = nn.LayerNorm(cfg["hidden_size"], eps=eps)
        self.mlp = _Mlp(cfg)

    def forward(self, x):
        x = x + self.self_attn(self.layer_norm1(x))
        return x + self.mlp(self.layer_norm2(x))


class _Encoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.layers = nn.ModuleList(_Layer(cfg) for _ in range(cfg["num_hidden_layers"]))

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class _TextTransformer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embeddings = _Embeddings(cfg)
        self.encoder = _Encoder(cfg)
        self.final_layer_norm = nn.LayerNorm(cfg["hidden_size"], eps=cfg.get("layer_norm_eps", 1e-5))

    def forward(self, ids):
        return self.final_layer_norm(self.encoder(self.embeddings(ids)))


class ClipTextModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.text_model = _TextTransformer(cfg)

    def forward(self, ids):
        """ids [B, L] int64 -> last_hidden_state [B, L, hidden_size]."""
        return self.text_model(ids)

    def load_weights(self, tensors):
        # Some exports carry the position_ids buffer; it is arange(L) and not a weight.
        state = {k: torch.from_numpy(v) for k, v in tensors.items() if not k.endswith("position_ids")}
        self.load_state_dict(state, strict=True)
