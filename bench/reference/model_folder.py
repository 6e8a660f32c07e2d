"""Loads a diffusers-layout model folder (what `seedgrid mkmodel` writes): configs, weights and the
tokenizer, into the reference networks."""
import json
import os

import torch

import safetensors_io
from autoencoder_kl import AutoencoderKL
from clip_text_model import ClipTextModel
from clip_tokenizer import EOS, ClipTokenizer
from unet import UNet2DConditionModel


def _json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _weights(folder, component, names):
    for name in names:
        path = os.path.join(folder, component, name)
        if os.path.exists(path):
            return safetensors_io.read(path)[0]
    raise FileNotFoundError(f"{folder}/{component}: none of {names}")


class ModelFolder:
    def __init__(self, folder, device="cpu", dtype=torch.float32, tokenizer_dir=None):
        self.folder = folder
        tok = tokenizer_dir or os.path.join(folder, "tokenizer")
        pad = EOS
        special = os.path.join(tok, "special_tokens_map.json")
        if os.path.exists(special):  # SD 2.x tokenizers pad with "!"
            pad = _json(special).get("pad_token", EOS)
            pad = pad["content"] if isinstance(pad, dict) else pad
        self.tokenizer = ClipTokenizer(os.path.join(tok, "vocab.json"), os.path.join(tok, "merges.txt"), pad)
        self.text_config = _json(os.path.join(folder, "text_encoder", "config.json"))
        self.unet_config = _json(os.path.join(folder, "unet", "config.json"))
        self.vae_config = _json(os.path.join(folder, "vae", "config.json"))
        self.scheduler_config = _json(os.path.join(folder, "scheduler", "scheduler_config.json"))

        self.text_encoder = ClipTextModel(self.text_config)
        self.text_encoder.load_weights(_weights(folder, "text_encoder", ["model.safetensors"]))
        self.unet = UNet2DConditionModel(self.unet_config)
        self.unet.load_weights(_weights(folder, "unet", ["diffusion_pytorch_model.safetensors"]))
        self.vae = AutoencoderKL(self.vae_config)
        self.vae.load_weights(_weights(folder, "vae", ["diffusion_pytorch_model.safetensors"]))
        for m in (self.text_encoder, self.unet, self.vae):
            m.to(device=device, dtype=dtype).eval()
        self.device = device
        self.dtype = dtype
