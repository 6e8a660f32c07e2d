"""Trains the shapes model on the CPU with the reference networks of bench/reference (so what is
trained is, by construction, what the reference renders and what seedgrid loads), in phases:

  tokenizer  learn the BPE vocabulary on the captions (the algorithm of models/presets/bpe_vocabulary.cpp)
  data       draw the training images (cached in --work as .npy)
  vae        AutoencoderKL: edge-weighted L1 + MSE reconstruction + a small KL term, mostly on 32x32
             windows; sets scaling_factor = 1 / std(latents)
  decoder    the VAE's decoder alone, on the latents the UNet learns (runs beside the UNet)
  unet       UNet + CLIP text encoder together: epsilon prediction on SD's scaled-linear schedule,
             the caption dropped to "" 10 % of the time (classifier-free guidance)
  export     write the diffusers folder (configs, safetensors, tokenizer)
  all        the recipe: tokenizer, data, vae, then unet on one core and decoder on the other, export
  adopt      the reverse of export: a work folder from a diffusers folder (--from), so the UNet phase
             goes on training a committed model (`unet --resume`) after the first run's work is gone

Each phase is deterministic from --seed and its step count; checkpoints go to --work every few
minutes, so a run cut short still exports. Run with Debian's python3-torch and OpenBLAS
(`deployments/install-deps.sh --train`); about 60 minutes on a 2-core machine:

  /usr/bin/python3 models/zoo/shapes/train.py all --work /tmp/shapes_work --out models/zoo/shapes/model
"""
import argparse
import json
import math
import os
import sys
import time

# One thread, waiting passively: on a 2-core machine shared with compilers, two spinning OpenMP
# threads ran the UNet step 3x slower than one (measured: 4.0 s against 1.3 s at batch 64).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# The phases that run side by side (decoder beside UNet) take one core each: OpenBLAS must not
# start a thread per core in each of them.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "bench", "reference"))
sys.path.insert(0, HERE)

import dataset  # noqa: E402
import safetensors_io  # noqa: E402
from autoencoder_kl import AutoencoderKL  # noqa: E402
from clip_text_model import ClipTextModel  # noqa: E402
from clip_tokenizer import ClipTokenizer  # noqa: E402
from schedulers import alphas_cumprod  # noqa: E402
from unet import UNet2DConditionModel  # noqa: E402

CONTEXT = 32  # tokens: the longest caption is about 20; the engine reads the length from the config

SCHEDULER = {"_class_name": "PNDMScheduler", "_diffusers_version": "0.21.4", "beta_end": 0.012,
             "beta_schedule": "scaled_linear", "beta_start": 0.00085, "clip_sample": False,
             "num_train_timesteps": 1000, "prediction_type": "epsilon", "set_alpha_to_one": False,
             "skip_prk_steps": True, "steps_offset": 1, "timestep_spacing": "leading",
             "trained_betas": None}
VAE = {"_class_name": "AutoencoderKL", "_diffusers_version": "0.21.4", "act_fn": "silu",
       "block_out_channels": [32, 64, 64, 64], "down_block_types": ["DownEncoderBlock2D"] * 4,
       "in_channels": 3, "latent_channels": 4, "layers_per_block": 1, "norm_num_groups": 8,
       "out_channels": 3, "sample_size": 64, "scaling_factor": 0.18215,
       "up_block_types": ["UpDecoderBlock2D"] * 4}
UNET = {"_class_name": "UNet2DConditionModel", "_diffusers_version": "0.21.4", "act_fn": "silu",
        "attention_head_dim": 4, "block_out_channels": [32, 64], "center_input_sample": False,
        "cross_attention_dim": 64, "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
        "downsample_padding": 1, "dual_cross_attention": False, "flip_sin_to_cos": True, "freq_shift": 0,
        "in_channels": 4, "layers_per_block": 1, "mid_block_scale_factor": 1,
        "mid_block_type": "UNetMidBlock2DCrossAttn", "norm_eps": 1e-05, "norm_num_groups": 8,
        "num_class_embeds": None, "only_cross_attention": False, "out_channels": 4,
        "resnet_time_scale_shift": "default", "sample_size": 8, "transformer_layers_per_block": 1,
        "up_block_types": ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D"], "upcast_attention": False,
        "use_linear_projection": False}
TEXT = {"architectures": ["CLIPTextModel"], "attention_dropout": 0.0, "dropout": 0.0,
        "hidden_act": "quick_gelu", "hidden_size": 64, "initializer_factor": 1.0, "initializer_range": 0.02,
        "intermediate_size": 256, "layer_norm_eps": 1e-05, "max_position_embeddings": CONTEXT,
        "model_type": "clip_text_model", "num_attention_heads": 4, "num_hidden_layers": 2,
        "projection_dim": 64, "torch_dtype": "float32", "transformers_version": "4.33.0"}
MODEL_INDEX = {"_class_name": "StableDiffusionPipeline", "_diffusers_version": "0.21.4",
               "feature_extractor": [None, None], "requires_safety_checker": False,
               "safety_checker": [None, None], "scheduler": ["diffusers", "PNDMScheduler"],
               "text_encoder": ["transformers", "CLIPTextModel"], "tokenizer": ["transformers", "CLIPTokenizer"],
               "unet": ["diffusers", "UNet2DConditionModel"], "vae": ["diffusers", "AutoencoderKL"]}


def log(work, text):
    line = f"{time.strftime('%H:%M:%S')} {text}"
    print(line, flush=True)
    with open(os.path.join(work, "train.log"), "a") as f:
        f.write(line + "\n")


def write_json(path, value):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(value, f, indent=2)
        f.write("\n")


# ---- tokenizer -------------------------------------------------------------------------------

def byte_symbols():
    """CLIP's bytes_to_unicode order as models/presets/bpe_vocabulary.cpp lists it."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xa1, 0xad)) + list(range(0xae, 0x100))
    points = list(bs)
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            points.append(256 + n)
            n += 1
    return [chr(p) for p in points]


def learn_bpe(corpus):
    """Merges until every word of the corpus is one token (the C++ learner's rule: most frequent
    pair, ties to the smaller strings)."""
    tokens = byte_symbols()
    tokens += [t + "</w>" for t in tokens[:256]]
    ids = {t: i for i, t in enumerate(tokens)}
    counts = {}
    for w in "".join(c if c.isalpha() else " " for c in corpus.lower()).split():
        counts[w] = counts.get(w, 0) + 1
    words = [[ids[c + ("</w>" if i + 1 == len(w) else "")] for i, c in enumerate(w)] for w in sorted(counts)]
    freqs = [counts[w] for w in sorted(counts)]
    merges = []
    banned = set()
    while True:
        pairs = {}
        for symbols, n in zip(words, freqs):
            for a, b in zip(symbols, symbols[1:]):
                pairs[(a, b)] = pairs.get((a, b), 0) + n
        best = None
        for (a, b), n in pairs.items():
            if (a, b) in banned:
                continue
            key = (-n, tokens[a], tokens[b])
            if best is None or key < best[0]:
                best = (key, a, b)
        if best is None:
            break
        _, a, b = best
        merged = tokens[a] + tokens[b]
        if merged in ids:
            banned.add((a, b))
            continue
        mid = len(tokens)
        for k, symbols in enumerate(words):
            out, i = [], 0
            while i < len(symbols):
                if i + 1 < len(symbols) and symbols[i] == a and symbols[i + 1] == b:
                    out.append(mid)
                    i += 2
                else:
                    out.append(symbols[i])
                    i += 1
            words[k] = out
        merges.append((tokens[a], tokens[b]))
        tokens.append(merged)
        ids[merged] = mid
    tokens += ["<|startoftext|>", "<|endoftext|>"]
    return tokens, merges


def write_tokenizer(folder, tokens, merges):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump({t: i for i, t in enumerate(tokens)}, f, ensure_ascii=False, separators=(",", ":"))
    with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    eos = "<|endoftext|>"
    write_json(os.path.join(folder, "special_tokens_map.json"),
               {"bos_token": "<|startoftext|>", "eos_token": eos, "pad_token": eos, "unk_token": eos})
    write_json(os.path.join(folder, "tokenizer_config.json"),
               {"add_prefix_space": False, "bos_token": "<|startoftext|>", "do_lower_case": True,
                "eos_token": eos, "errors": "replace", "model_max_length": CONTEXT, "pad_token": eos,
                "tokenizer_class": "CLIPTokenizer", "unk_token": eos})


def phase_data(args):
    training_data(args)


def phase_tokenizer(args):
    scenes = dataset.training_scenes(args.images, args.seed, args.two_tone)
    corpus = "\n".join(dataset.caption(s) for s in scenes)
    tokens, merges = learn_bpe(corpus)
    write_tokenizer(os.path.join(args.work, "tokenizer"), tokens, merges)
    log(args.work, f"tokenizer: {len(tokens)} tokens, {len(merges)} merges")


def load_tokenizer(work):
    folder = os.path.join(work, "tokenizer")
    return ClipTokenizer(os.path.join(folder, "vocab.json"), os.path.join(folder, "merges.txt"))


# ---- data ------------------------------------------------------------------------------------

def training_data(args):
    """Images as [-1, 1] floats and their captions; the images are cached in --work (drawing 30000
    takes minutes on a busy machine)."""
    scenes = dataset.training_scenes(args.images, args.seed, args.two_tone)
    captions = [dataset.caption(s) for s in scenes]
    share = "" if args.two_tone == 0.25 else f"-tt{args.two_tone:g}"
    cache = os.path.join(args.work, f"images-{args.images}-{args.seed}{share}.npy")
    if os.path.exists(cache):
        images = np.load(cache)
    else:
        images, _ = dataset.make(scenes)
        np.save(cache, images)
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 127.5 - 1.0
    return x, captions


def lr_at(step, steps, peak, warmup=200):
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, steps - warmup)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def check_blas(work):
    """Debian's python3-torch multiplies matrices through whichever libblas.so.3 the system selects;
    the reference BLAS (the default) runs the UNet's attention and feed-forward layers at ~5 GFLOP/s,
    OpenBLAS at ~80: the UNet phase is 4.7x faster with it (0.30 s against 1.39 s a step)."""
    a, b = torch.randn(1024, 256), torch.randn(256, 256)
    torch.mm(a, b)
    t = time.time()
    for _ in range(20):
        torch.mm(a, b)
    rate = 20 * 2 * 1024 * 256 * 256 / (time.time() - t) / 1e9
    log(work, f"matrix multiply: {rate:.1f} GFLOP/s on one thread")
    if rate < 20:
        log(work, "warning: slow BLAS (the reference libblas.so.3?): `apt-get install libopenblas0-pthread` "
                  "makes the UNet phase ~5x faster; the 60-minute recipe assumes it")


def crop(images, size, gen):
    """A random size x size window of each image (at multiples of 8, a latent pixel's footprint),
    or the whole image: the VAE is convolutional, and a 32x32 window costs a quarter of a 64x64
    image, so most of its steps train on windows and every few on whole images (the attention of
    the mid block and the group norms then also see the size the network renders at)."""
    if size <= 0 or size >= images.shape[-1]:
        return images
    ox, oy = window_at(size, images.shape[-1], gen)
    return images[..., oy * 8:oy * 8 + size, ox * 8:ox * 8 + size]


def whole_images(idx, args, whole=dataset.SIZE):
    """The images of a step on whole images: the batch, or with --equal-pixel-steps as many pixels
    as a step of windows (a quarter of the batch when windows are 32 of 64)."""
    size = args.vae_crop
    if not args.equal_pixel_steps or size <= 0 or size >= whole:
        return idx
    return idx[:max(1, len(idx) * size * size // (whole * whole))]


def window_at(size, whole, gen):
    """Where a size-pixel window of a whole-pixel image starts, in latent pixels (x, y)."""
    cells = (whole - size) // 8 + 1
    return tuple(int(v) for v in torch.randint(0, cells, (2,), generator=gen))


def reconstruction_loss(rec, target, edge_weight):
    """L1 + MSE, weighted by the target's edges when edge_weight > 0: a 6-pixel ring's hole is a
    few percent of the image's pixels; weighted, the loss pays for the outlines that tell shapes
    apart."""
    if edge_weight <= 0:
        return (rec - target).abs().mean() + ((rec - target) ** 2).mean()
    w = 1 + edge_weight * edge_map(target)
    return (w * (rec - target).abs()).mean() + (w * (rec - target) ** 2).mean()


# ---- VAE -------------------------------------------------------------------------------------

def vae_config(args):
    """VAE with --vae-channels / --vae-layers in place of the defaults (a larger decoder draws
    sharper shapes; the UNet is trained on whichever VAE's latents)."""
    cfg = dict(VAE)
    if args.vae_channels:
        channels = [int(c) for c in args.vae_channels.split(",")]
        if len(channels) != len(VAE["block_out_channels"]):
            sys.exit(f"--vae-channels needs {len(VAE['block_out_channels'])} values (8x down), got {args.vae_channels}")
        cfg["block_out_channels"] = channels
    if args.vae_layers:
        cfg["layers_per_block"] = args.vae_layers
    return cfg


def edge_map(images):
    """Per pixel, how sharply the image changes there (0..1): the larger of the horizontal and
    vertical differences to the next pixel, over the channels."""
    dx = (images[..., :, 1:] - images[..., :, :-1]).abs().amax(dim=1, keepdim=True)
    dy = (images[..., 1:, :] - images[..., :-1, :]).abs().amax(dim=1, keepdim=True)
    e = torch.zeros_like(images[:, :1])
    e[..., :, :-1] = torch.maximum(e[..., :, :-1], dx)
    e[..., :, 1:] = torch.maximum(e[..., :, 1:], dx)
    e[..., :-1, :] = torch.maximum(e[..., :-1, :], dy)
    e[..., 1:, :] = torch.maximum(e[..., 1:, :], dy)
    return (e / 2).clamp(0, 1)  # images are in -1..1


def phase_vae(args):
    torch.manual_seed(args.seed)
    x, _ = training_data(args)
    cfg = vae_config(args)
    vae = AutoencoderKL(cfg)
    opt = torch.optim.AdamW(vae.parameters(), lr=args.vae_lr, weight_decay=0.0)
    gen = torch.Generator().manual_seed(args.seed + 1)
    path = os.path.join(args.work, "vae.pt")
    start, last_save, t0 = 0, time.time(), time.time()
    if os.path.exists(path) and args.resume:
        state = torch.load(path)
        vae.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        start = state["step"]
        gen.manual_seed(args.seed + 1 + start)  # fresh batches after a resume
    n_params = sum(p.numel() for p in vae.parameters())
    log(args.work, f"vae: {n_params} parameters, {len(x)} images, steps {start}..{args.vae_steps}")
    ema = None
    for step in range(start, args.vae_steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, args.vae_steps, args.vae_lr)
        idx = torch.randint(0, len(x), (args.vae_batch,), generator=gen)
        if step % args.full_every == 0:
            idx = whole_images(idx, args)
            batch = x[idx]
        else:
            batch = crop(x[idx], args.vae_crop, gen)
        mean, logvar = vae.encode(batch)
        z = mean + torch.exp(0.5 * logvar) * torch.randn(mean.shape, generator=gen)
        rec = vae.decode(z)
        l1 = (rec - batch).abs().mean()
        mse = ((rec - batch) ** 2).mean()
        kl = 0.5 * (mean ** 2 + logvar.exp() - 1 - logvar).mean()
        loss = reconstruction_loss(rec, batch, args.edge_weight) + args.kl * kl
        opt.zero_grad()
        loss.backward()
        opt.step()
        ema = loss.item() if ema is None else 0.98 * ema + 0.02 * loss.item()
        if step % 50 == 0 or step + 1 == args.vae_steps:
            log(args.work, f"vae step {step} loss {ema:.4f} l1 {l1.item():.4f} mse {mse.item():.5f} "
                           f"kl {kl.item():.3f} ({time.time() - t0:.0f} s)")
        if time.time() - last_save > 180 or step + 1 == args.vae_steps:
            torch.save({"model": vae.state_dict(), "opt": opt.state_dict(), "step": step + 1,
                        "config": cfg}, path)
            last_save = time.time()
    # Scale latents to unit variance, as SD's 0.18215 does for its VAE.
    with torch.no_grad():
        vae.eval()
        means = torch.cat([vae.encode(x[i:i + 256])[0] for i in range(0, min(len(x), 4096), 256)])
    scale = float(1.0 / means.std())
    state = torch.load(path)
    state["scaling_factor"] = scale
    torch.save(state, path)
    log(args.work, f"vae done: latent std {means.std().item():.4f}, scaling_factor {scale:.6f}")


def phase_decoder(args):
    """Fine-tunes the VAE decoder alone on the latents the UNet learns (the encoder stays fixed), so
    it runs beside the UNet phase, on the other core: windows of the latents decoded against the
    same windows of the images, with the edge-weighted loss."""
    torch.manual_seed(args.seed)
    path = os.path.join(args.work, "vae.pt")
    state = torch.load(path)
    vae = AutoencoderKL(state.get("config", VAE))
    vae.load_state_dict(state["model"])
    x, _ = training_data(args)
    x = x[:args.unet_images]
    means, stds = encoded_latents(args, vae, x, state["step"])
    params = list(vae.decoder.parameters()) + list(vae.post_quant_conv.parameters())
    for p in vae.parameters():
        p.requires_grad_(False)
    for p in params:
        p.requires_grad_(True)
    opt = torch.optim.AdamW(params, lr=args.decoder_lr, weight_decay=0.0)
    gen = torch.Generator().manual_seed(args.seed + 3)
    start = state["step"]
    end = start + args.decoder_steps
    log(args.work, f"decoder: steps {start}..{end}")
    last_save, t0, ema = time.time(), time.time(), None
    for step in range(start, end):
        for g in opt.param_groups:
            g["lr"] = lr_at(step - start, args.decoder_steps, args.decoder_lr, warmup=50)
        idx = torch.randint(0, len(x), (args.decoder_batch,), generator=gen)
        size = args.vae_crop if step % args.full_every else x.shape[-1]
        if size == x.shape[-1]:
            idx = whole_images(idx, args)
        z = means[idx] + stds[idx] * torch.randn(means[idx].shape, generator=gen)
        ox, oy = window_at(size, x.shape[-1], gen)
        z = z[..., oy:oy + size // 8, ox:ox + size // 8]
        batch = x[idx][..., oy * 8:oy * 8 + size, ox * 8:ox * 8 + size]
        rec = vae.decode(z)
        loss = reconstruction_loss(rec, batch, args.edge_weight)
        opt.zero_grad()
        loss.backward()
        opt.step()
        ema = loss.item() if ema is None else 0.98 * ema + 0.02 * loss.item()
        if step % 50 == 0 or step + 1 == end:
            l1 = (rec - batch).abs().mean().item()
            log(args.work, f"decoder step {step} loss {ema:.4f} l1 {l1:.4f} ({time.time() - t0:.0f} s)")
        if time.time() - last_save > 180 or step + 1 == end:
            state["model"] = vae.state_dict()
            state["decoder_steps"] = step + 1 - start
            torch.save(state, path + ".tmp")
            os.replace(path + ".tmp", path)
            last_save = time.time()
    log(args.work, "decoder done")


def encoded_latents(args, vae, x, vae_step):
    """The encoder's mean and std of each image, computed once per VAE and kept beside it (the UNet
    and the decoder phases read them; a resumed run does not pay the encoding again). The file
    names the VAE's step and the images, so another VAE re-encodes."""
    cache = os.path.join(args.work, f"latents-{args.images}-{args.seed}-{len(x)}-vae{vae_step}.pt")
    if os.path.exists(cache):
        return torch.load(cache)
    with torch.no_grad():
        stats = [vae.encode(x[i:i + 256]) for i in range(0, len(x), 256)]
    means = torch.cat([s[0] for s in stats])
    stds = torch.cat([torch.exp(0.5 * s[1]) for s in stats])
    torch.save((means, stds), cache + ".tmp")
    os.replace(cache + ".tmp", cache)
    log(args.work, f"encoded {len(x)} latents to {cache}")
    return means, stds


def load_vae(work):
    """The VAE of --work, its config (scaling_factor included) and its checkpoint (step, ...)."""
    state = torch.load(os.path.join(work, "vae.pt"))
    base = state.get("config", VAE)  # the first run's checkpoints carry no config: the default
    cfg = dict(base, scaling_factor=state.get("scaling_factor", VAE["scaling_factor"]))
    vae = AutoencoderKL(cfg)
    vae.load_state_dict(state["model"])
    return vae.eval(), cfg, state


# ---- UNet + text encoder ---------------------------------------------------------------------

def phase_unet(args):
    torch.manual_seed(args.seed)
    x, captions = training_data(args)
    # Encoding is the costly part here: the UNet sees the first --unet-images of the images.
    x, captions = x[:args.unet_images], captions[:args.unet_images]
    vae, vae_cfg, state = load_vae(args.work)
    tok = load_tokenizer(args.work)
    means, stds = encoded_latents(args, vae, x, state["step"])
    if "scaling_factor" not in state:  # a VAE run stopped early: scale as phase_vae would
        state["scaling_factor"] = float(1.0 / means.std())
        torch.save(state, os.path.join(args.work, "vae.pt"))
        vae_cfg["scaling_factor"] = state["scaling_factor"]
        log(args.work, f"vae stopped at step {state['step']}: scaling_factor {state['scaling_factor']:.6f}")
    del x
    ids = torch.tensor([tok(c, CONTEXT)[0] for c in captions], dtype=torch.long)
    empty = torch.tensor(tok("", CONTEXT)[0], dtype=torch.long)
    text_cfg = dict(TEXT, vocab_size=len(tok.encoder), bos_token_id=tok.bos, eos_token_id=tok.eos,
                    pad_token_id=tok.eos)
    unet = UNet2DConditionModel(UNET)
    text = ClipTextModel(text_cfg)
    params = list(unet.parameters()) + list(text.parameters())
    opt = torch.optim.AdamW(params, lr=args.unet_lr, weight_decay=0.01)
    ac = torch.from_numpy(alphas_cumprod(SCHEDULER))
    gen = torch.Generator().manual_seed(args.seed + 2)
    path = os.path.join(args.work, "unet.pt")
    start, last_save, t0 = 0, time.time(), time.time()
    if os.path.exists(path) and args.resume:
        state = torch.load(path)
        unet.load_state_dict(state["unet"])
        text.load_state_dict(state["text"])
        if "opt" in state:  # not after adopt: AdamW's moments start again from zero
            opt.load_state_dict(state["opt"])
        start = state["step"]
        gen.manual_seed(args.seed + 2 + start)
    log(args.work, f"unet: {sum(p.numel() for p in unet.parameters())} + text "
                   f"{sum(p.numel() for p in text.parameters())} parameters, {len(ids)} captions, "
                   f"steps {start}..{args.unet_steps}")
    scale = vae_cfg["scaling_factor"]
    ema = None
    for step in range(start, args.unet_steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, args.unet_steps, args.unet_lr)
        idx = torch.randint(0, len(ids), (args.batch,), generator=gen)
        z0 = (means[idx] + stds[idx] * torch.randn(means[idx].shape, generator=gen)) * scale
        drop = torch.rand(args.batch, generator=gen) < 0.1
        batch_ids = torch.where(drop[:, None], empty[None, :], ids[idx])
        t = torch.randint(0, 1000, (args.batch,), generator=gen)
        noise = torch.randn(z0.shape, generator=gen)
        a = ac[t].view(-1, 1, 1, 1)
        zt = a.sqrt() * z0 + (1 - a).sqrt() * noise
        pred = unet(zt, t.float(), text(batch_ids))
        loss = F.mse_loss(pred, noise)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        ema = loss.item() if ema is None else 0.98 * ema + 0.02 * loss.item()
        if step % 50 == 0 or step + 1 == args.unet_steps:
            log(args.work, f"unet step {step} loss {ema:.4f} ({time.time() - t0:.0f} s)")
        if time.time() - last_save > 180 or step + 1 == args.unet_steps:
            torch.save({"unet": unet.state_dict(), "text": text.state_dict(), "opt": opt.state_dict(),
                        "step": step + 1, "text_cfg": text_cfg}, path)
            last_save = time.time()
    log(args.work, "unet done")


# ---- export ----------------------------------------------------------------------------------

def _numpy(state):
    return {k: v.detach().cpu().float().numpy() for k, v in state.items()}


def phase_export(args):
    import shutil
    out = args.out
    vae, vae_cfg, _ = load_vae(args.work)
    state = torch.load(os.path.join(args.work, "unet.pt"))
    meta = {"format": "pt", "seedgrid.model": "shapes", "seedgrid.seed": args.seed,
            "seedgrid.unet_steps": state["step"]}
    os.makedirs(out, exist_ok=True)
    write_json(os.path.join(out, "model_index.json"), MODEL_INDEX)
    write_json(os.path.join(out, "scheduler", "scheduler_config.json"), SCHEDULER)
    write_json(os.path.join(out, "vae", "config.json"), vae_cfg)
    write_json(os.path.join(out, "unet", "config.json"), UNET)
    write_json(os.path.join(out, "text_encoder", "config.json"), state["text_cfg"])
    safetensors_io.write(os.path.join(out, "vae", "diffusion_pytorch_model.safetensors"),
                         _numpy(vae.state_dict()), meta)
    safetensors_io.write(os.path.join(out, "unet", "diffusion_pytorch_model.safetensors"),
                         _numpy(state["unet"]), meta)
    safetensors_io.write(os.path.join(out, "text_encoder", "model.safetensors"), _numpy(state["text"]), meta)
    shutil.copytree(os.path.join(args.work, "tokenizer"), os.path.join(out, "tokenizer"), dirs_exist_ok=True)
    log(args.work, f"exported to {out} (unet step {state['step']})")


def phase_adopt(args):
    import shutil
    src = getattr(args, "from")
    if not src:
        sys.exit("adopt needs --from DIFFUSERS_FOLDER (e.g. models/zoo/shapes/model)")

    def tensors(path):
        return {k: torch.from_numpy(np.array(v)) for k, v in safetensors_io.read(path)[0].items()}

    with open(os.path.join(src, "vae", "config.json")) as f:
        vae_cfg = json.load(f)
    scaling = vae_cfg["scaling_factor"]
    with open(os.path.join(src, "text_encoder", "config.json")) as f:
        text_cfg = json.load(f)
    unet_file = os.path.join(src, "unet", "diffusion_pytorch_model.safetensors")
    step = int(safetensors_io.read(unet_file)[1].get("seedgrid.unet_steps", 0))
    torch.save({"model": tensors(os.path.join(src, "vae", "diffusion_pytorch_model.safetensors")),
                "step": 0, "scaling_factor": scaling, "config": vae_cfg},
               os.path.join(args.work, "vae.pt"))
    torch.save({"unet": tensors(unet_file),
                "text": tensors(os.path.join(src, "text_encoder", "model.safetensors")),
                "step": step, "text_cfg": text_cfg}, os.path.join(args.work, "unet.pt"))
    shutil.copytree(os.path.join(src, "tokenizer"), os.path.join(args.work, "tokenizer"), dirs_exist_ok=True)
    log(args.work, f"adopted {src} (unet step {step}, scaling_factor {scaling})")


def phase_all(args):
    """The whole recipe, about 60 minutes on two cores: tokenizer and data, the VAE, the latents,
    then the UNet on this core while the decoder fine-tunes on the other, then export."""
    t0 = time.time()
    check_blas(args.work)
    for phase in ("tokenizer", "data", "vae"):
        # Nothing runs beside the VAE: --vae-threads 2 gives it both cores (1.7x the windows a
        # second of one at batch 32).
        torch.set_num_threads(args.vae_threads if phase == "vae" else args.threads)
        globals()[f"phase_{phase}"](args)
        log(args.work, f"all: {phase} done at {(time.time() - t0) / 60:.1f} min")
    torch.set_num_threads(args.threads)
    vae, _, vae_state = load_vae(args.work)
    x, _ = training_data(args)
    encoded_latents(args, vae, x[:args.unet_images], vae_state["step"])
    del x, vae, vae_state
    import subprocess
    argv = [a for a in sys.argv[1:] if a != "all"]
    decoder = subprocess.Popen([sys.executable, os.path.abspath(__file__), "decoder"] + argv)
    phase_unet(args)
    if decoder.wait() != 0:
        sys.exit(f"the decoder phase failed (exit {decoder.returncode}); see {args.work}/train.log")
    log(args.work, f"all: unet and decoder done at {(time.time() - t0) / 60:.1f} min")
    if args.out:
        phase_export(args)
    log(args.work, f"all: {(time.time() - t0) / 60:.1f} min")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("phase", choices=["tokenizer", "data", "vae", "decoder", "unet", "export", "adopt", "all"])
    p.add_argument("--work", required=True, help="checkpoints and train.log")
    p.add_argument("--out", help="the diffusers folder export writes")
    p.add_argument("--from", help="the diffusers folder adopt reads")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--images", type=int, default=30000)
    p.add_argument("--two-tone", type=float, default=0.4,
                   help="share of training scenes with a two-tone background (the test sets keep 0.25)")
    p.add_argument("--batch", type=int, default=64, help="UNet batch")
    p.add_argument("--vae-batch", type=int, default=32, help="VAE batch (windows)")
    p.add_argument("--vae-threads", type=int, default=2, help="threads of the VAE phase under `all`")
    p.add_argument("--equal-pixel-steps", action=argparse.BooleanOptionalAction, default=True,
                   help="whole-image steps take as many pixels as window steps (no: the whole batch)")
    p.add_argument("--decoder-batch", type=int, default=16)
    p.add_argument("--vae-steps", type=int, default=4500)
    p.add_argument("--vae-lr", type=float, default=1e-3)
    p.add_argument("--kl", type=float, default=1e-6)
    p.add_argument("--vae-channels", help="block_out_channels (default 32,64,64,64)")
    p.add_argument("--vae-layers", type=int, help="layers_per_block (default 1)")
    p.add_argument("--edge-weight", type=float, default=8.0,
                   help="VAE loss weight of the target's edges (0: plain L1 + MSE)")
    p.add_argument("--vae-crop", type=int, default=32,
                   help="VAE and decoder steps train on windows of this many pixels (0: whole images)")
    p.add_argument("--full-every", type=int, default=8, help="every this many VAE steps a whole image")
    p.add_argument("--decoder-steps", type=int, default=4800)
    p.add_argument("--decoder-lr", type=float, default=5e-4)
    p.add_argument("--unet-steps", type=int, default=4000)
    p.add_argument("--unet-lr", type=float, default=1e-3)
    p.add_argument("--unet-images", type=int, default=16000)
    p.add_argument("--resume", action="store_true", help="continue from the checkpoint in --work")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.work, exist_ok=True)
    globals()[f"phase_{args.phase}"](args)


if __name__ == "__main__":
    main()
