"""Text-to-image and image-to-image with diffusers' StableDiffusionPipeline semantics on the
reference networks: tokenize, encode (uncond rows then cond rows), classifier-free guidance when
guidance > 1, sampler loop, VAE decode of latents / scaling_factor, pixels as diffusers'
postprocess: round_half_even(clamp(x * 0.5 + 0.5, 0, 1) * 255) in float32.

Noise contract (shared with the C++ pipeline, kernels/philox.hpp): job noise is gaussian_noise with
the job's own seed; stream 0 = initial latent noise, 1 = ancestral noise (counter k * numel at
step k), 2 = VAE latent sampling for img2img."""
from dataclasses import dataclass

import numpy as np
import torch

import philox
from schedulers import Sampler, Schedule


@dataclass
class Job:
    prompt: str
    negative_prompt: str = ""
    seed: int = 0
    steps: int = 20
    guidance: float = 7.5
    sampler: str = "euler"
    karras: bool = False
    width: int = 512
    height: int = 512
    init_image: np.ndarray = None  # uint8 [H, W, 3]
    strength: float = 0.75


def to_pixels(image):
    """[B, 3, H, W] float -> uint8 [B, H, W, 3]."""
    x = image.detach().to("cpu", torch.float32).numpy()
    v = np.clip(x * np.float32(0.5) + np.float32(0.5), np.float32(0), np.float32(1)) * np.float32(255)
    return np.round(v).astype(np.uint8).transpose(0, 2, 3, 1)


class Pipeline:
    def __init__(self, model):
        self.m = model

    def _tensor(self, array):
        return torch.from_numpy(np.ascontiguousarray(array)).to(self.m.device, self.m.dtype)

    @torch.no_grad()
    def encode_text(self, prompts):
        # The context length is the text encoder's (77 for CLIP; shorter for small trained models).
        length = self.m.text_config.get("max_position_embeddings", 77)
        rows = [self.m.tokenizer(p, length)[0] for p in prompts]
        ids = torch.tensor(rows, dtype=torch.long, device=self.m.device)
        return self.m.text_encoder(ids)

    @torch.no_grad()
    def generate(self, jobs, on_latent=None):
        """Returns (final latents [B, C, h, w] float32 numpy, pixels uint8 [B, H, W, 3]).
        on_latent(t, latents) sees x_t for t = 0 (start) .. number of steps run."""
        first = jobs[0]
        for j in jobs[1:]:
            if (j.steps, j.sampler, j.karras, j.width, j.height, j.guidance > 1, j.init_image is None,
                    j.strength) != (first.steps, first.sampler, first.karras, first.width, first.height,
                                    first.guidance > 1, first.init_image is None, first.strength):
                raise ValueError("jobs in one batch must share size, steps, sampler and mode")
        m = self.m
        b = len(jobs)
        cfg = first.guidance > 1
        prompts = ([j.negative_prompt for j in jobs] if cfg else []) + [j.prompt for j in jobs]
        context = self.encode_text(prompts)
        schedule = Schedule(m.scheduler_config, first.sampler, first.steps, first.karras)
        sampler = Sampler(schedule, [j.seed for j in jobs])
        f = m.vae.downscale
        shape = (m.unet_config.get("in_channels", 4), first.height // f, first.width // f)
        noise = self._tensor(np.stack([philox.gaussian_noise_tensor(shape, j.seed, 0) for j in jobs]))
        start = 0
        if first.init_image is None:
            x = noise * schedule.init_noise_sigma
        else:
            init_steps = min(int(first.steps * first.strength), first.steps)
            start = max(first.steps - init_steps, 0)
            images = np.stack([j.init_image for j in jobs]).astype(np.float32) / np.float32(255)
            images = images.transpose(0, 3, 1, 2) * np.float32(2) - np.float32(1)
            mean, logvar = m.vae.encode(self._tensor(images))
            eps = self._tensor(np.stack([philox.gaussian_noise_tensor(shape, j.seed, 2) for j in jobs]))
            x0 = (mean + torch.exp(0.5 * logvar) * eps) * m.vae.scaling_factor
            x = sampler.add_noise(x0, noise, start)
        if on_latent:
            on_latent(0, x)
        for k in range(start, first.steps):
            xin = sampler.scale_model_input(x, k)
            t = torch.full((2 * b if cfg else b,), float(schedule.timesteps[k]), device=m.device)
            if cfg:
                out = m.unet(torch.cat([xin, xin]), t, context)
                uncond, cond = out.chunk(2)
                guided = torch.stack([uncond[i] + jobs[i].guidance * (cond[i] - uncond[i]) for i in range(b)])
            else:
                guided = m.unet(xin, t, context)
            x = sampler.step(k, x, guided)
            if on_latent:
                on_latent(k - start + 1, x)
        image = m.vae.decode(x / m.vae.scaling_factor)
        return x.float().cpu().numpy(), to_pixels(image)
