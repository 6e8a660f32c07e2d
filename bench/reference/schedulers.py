"""Noise schedules and samplers with diffusers' semantics (EulerDiscreteScheduler,
EulerAncestralDiscreteScheduler, DDIMScheduler with eta 0, DPMSolverMultistepScheduler with
solver_order 2, algorithm dpmsolver++, midpoint, lower_order_final, final_sigmas_type "zero").
Schedules are computed as diffusers computes them (betas and alphas_cumprod in torch float32, then
numpy) and stored as float32; the sampler arithmetic runs on torch tensors in the latents' dtype.
Keys missing from the config take diffusers' defaults, except timestep_spacing, which is "leading"
for every sampler (what SD checkpoints' PNDM/DDIM configs mean, and what seedgrid reads).

Noise contract (shared with the C++ pipeline): ancestral noise for sampler step k of a job is
philox gaussian_noise(shape, seed, stream 1, counter_base = k * numel)."""
import math

import numpy as np
import torch

import philox

SAMPLERS = ("euler", "euler_a", "ddim", "dpmpp_2m")


def alphas_cumprod(cfg):
    n = cfg.get("num_train_timesteps", 1000)
    start, end = cfg.get("beta_start", 0.0001), cfg.get("beta_end", 0.02)
    kind = cfg.get("beta_schedule", "linear")
    if kind == "scaled_linear":
        betas = torch.linspace(start ** 0.5, end ** 0.5, n, dtype=torch.float32) ** 2
    elif kind == "linear":
        betas = torch.linspace(start, end, n, dtype=torch.float32)
    else:
        raise ValueError(f"beta_schedule {kind!r} is not supported")
    return torch.cumprod(1.0 - betas, dim=0).numpy()


def _karras(sigmas_desc, steps, rho=7.0):
    sigma_min, sigma_max = float(sigmas_desc[-1]), float(sigmas_desc[0])
    ramp = np.linspace(0, 1, steps)
    lo, hi = sigma_min ** (1 / rho), sigma_max ** (1 / rho)
    return (hi + ramp * (lo - hi)) ** rho


def _sigma_to_t(sigma, log_sigmas):
    log_sigma = np.log(np.maximum(sigma, 1e-10))
    dists = log_sigma - log_sigmas[:, np.newaxis]
    low = np.cumsum((dists >= 0), axis=0).argmax(axis=0).clip(max=log_sigmas.shape[0] - 2)
    high = low + 1
    w = np.clip((log_sigmas[low] - log_sigma) / (log_sigmas[low] - log_sigmas[high]), 0, 1)
    return ((1 - w) * low + w * high).reshape(np.shape(sigma))


class Schedule:
    """timesteps[k] is the model's time input for step k; sigmas has steps + 1 entries."""

    def __init__(self, cfg, sampler, steps, karras):
        if sampler not in SAMPLERS:
            raise ValueError(f"sampler {sampler!r} is not one of {SAMPLERS}")
        self.sampler = sampler
        self.steps = steps
        n = cfg.get("num_train_timesteps", 1000)
        spacing = cfg.get("timestep_spacing", "leading")
        offset = cfg.get("steps_offset", 0)
        self.alphas_cumprod = alphas_cumprod(cfg)
        self.prediction = cfg.get("prediction_type", "epsilon")
        self.final_alpha_cumprod = 1.0 if cfg.get("set_alpha_to_one", False) else float(self.alphas_cumprod[0])
        self.n_train = n
        ac = self.alphas_cumprod
        base_sigmas = ((1 - ac) / ac) ** 0.5  # float32, as diffusers computes it from a torch tensor
        log_sigmas = np.log(base_sigmas)

        if sampler in ("euler", "euler_a", "ddim"):
            if spacing == "linspace":
                t = np.linspace(0, n - 1, steps, dtype=np.float64)[::-1].copy()
            elif spacing == "leading":
                ratio = n // steps
                t = (np.arange(0, steps) * ratio).round()[::-1].copy().astype(np.float64) + offset
            elif spacing == "trailing":
                ratio = n / steps
                t = np.arange(n, 0, -ratio).round().copy().astype(np.float64) - 1
            else:
                raise ValueError(f"timestep_spacing {spacing!r} is not supported")
            if sampler == "ddim":
                t = t.round()  # DDIM indexes alphas_cumprod with integer timesteps
            else:
                t = t.astype(np.float32).astype(np.float64)  # Euler keeps float32 timesteps
        else:  # dpmpp_2m: diffusers spaces steps + 1 points and drops the last
            if spacing == "linspace":
                t = np.linspace(0, n - 1, steps + 1).round()[::-1][:-1].copy().astype(np.float64)
            elif spacing == "leading":
                ratio = n // (steps + 1)
                t = (np.arange(0, steps + 1) * ratio).round()[::-1][:-1].copy().astype(np.float64) + offset
            elif spacing == "trailing":
                ratio = n / steps
                t = np.arange(n, 0, -ratio).round().copy().astype(np.float64) - 1
            else:
                raise ValueError(f"timestep_spacing {spacing!r} is not supported")

        if sampler == "ddim":
            if karras:
                raise ValueError("ddim has no karras schedule")
            self.timesteps = t.astype(np.float32)
            self.sigmas = None
            self.init_noise_sigma = 1.0
            return

        if karras and sampler == "dpmpp_2m":
            # DPM ramps over the whole trained range and rounds the times back to integers.
            sig = _karras(base_sigmas[::-1], steps)
            t = _sigma_to_t(sig, log_sigmas).round()
        elif karras:
            # Euler ramps between the sigmas of its spaced timesteps; times stay fractional.
            sig = _karras(np.interp(t, np.arange(n), base_sigmas), steps)
            t = _sigma_to_t(sig, log_sigmas)
        else:
            sig = np.interp(t, np.arange(n), base_sigmas)
        self.timesteps = t.astype(np.float32)
        self.sigmas = np.concatenate([sig, [0.0]]).astype(np.float32)
        if sampler == "dpmpp_2m":
            self.init_noise_sigma = 1.0
        elif spacing in ("linspace", "trailing"):
            self.init_noise_sigma = float(self.sigmas.max())
        else:
            self.init_noise_sigma = float((self.sigmas.max() ** 2 + 1) ** 0.5)


def _vp(sigma):
    alpha = 1.0 / math.sqrt(sigma * sigma + 1.0)
    return alpha, sigma * alpha


class Sampler:
    """Runs the steps of one Schedule over a batch of latents; `seeds` gives each row its noise."""

    def __init__(self, schedule, seeds):
        self.s = schedule
        self.seeds = seeds
        self.previous_x0 = None
        self.lower_order_nums = 0

    def scale_model_input(self, x, k):
        if self.s.sampler in ("euler", "euler_a"):
            sigma = float(self.s.sigmas[k])
            return x / ((sigma ** 2 + 1) ** 0.5)
        return x

    def add_noise(self, x0, noise, k):
        """img2img start: the clean latent noised to the level of step k."""
        if self.s.sampler in ("euler", "euler_a"):
            return x0 + noise * float(self.s.sigmas[k])
        if self.s.sampler == "ddim":
            a = float(self.s.alphas_cumprod[int(self.s.timesteps[k])])
            return (a ** 0.5) * x0 + ((1 - a) ** 0.5) * noise
        alpha, sigma = _vp(float(self.s.sigmas[k]))
        return alpha * x0 + sigma * noise

    def _ancestral_noise(self, x, k):
        per_row = int(np.prod(x.shape[1:]))
        rows = [philox.gaussian_noise_tensor(x.shape[1:], seed, 1, k * per_row) for seed in self.seeds]
        return torch.from_numpy(np.stack(rows)).to(device=x.device, dtype=x.dtype)

    def step(self, k, x, model_output):
        s = self.s
        if s.sampler in ("euler", "euler_a"):
            sigma = float(s.sigmas[k])
            if s.prediction == "epsilon":
                x0 = x - sigma * model_output
            else:
                x0 = model_output * (-sigma / (sigma ** 2 + 1) ** 0.5) + x / (sigma ** 2 + 1)
            derivative = (x - x0) / sigma
            sigma_next = float(s.sigmas[k + 1])
            if s.sampler == "euler":
                return x + derivative * (sigma_next - sigma)
            sigma_up = (sigma_next ** 2 * (sigma ** 2 - sigma_next ** 2) / sigma ** 2) ** 0.5
            sigma_down = (sigma_next ** 2 - sigma_up ** 2) ** 0.5
            x = x + derivative * (sigma_down - sigma)
            if sigma_up > 0:
                x = x + self._ancestral_noise(x, k) * sigma_up
            return x
        if s.sampler == "ddim":
            t = int(s.timesteps[k])
            prev = t - s.n_train // s.steps
            a = float(s.alphas_cumprod[t])
            a_prev = float(s.alphas_cumprod[prev]) if prev >= 0 else s.final_alpha_cumprod
            b = 1 - a
            if s.prediction == "epsilon":
                x0 = (x - b ** 0.5 * model_output) / a ** 0.5
                eps = model_output
            else:
                x0 = a ** 0.5 * x - b ** 0.5 * model_output
                eps = a ** 0.5 * model_output + b ** 0.5 * x
            return a_prev ** 0.5 * x0 + (1 - a_prev) ** 0.5 * eps
        # dpmpp_2m
        sigma = float(s.sigmas[k])
        alpha_s, sigma_s = _vp(sigma)
        if s.prediction == "epsilon":
            x0 = (x - sigma_s * model_output) / alpha_s
        else:
            x0 = alpha_s * x - sigma_s * model_output
        sigma_next = float(s.sigmas[k + 1])
        last = k == s.steps - 1
        if sigma_next == 0.0:
            out = x0  # the first-order update at sigma 0 is exactly the denoised sample
        else:
            alpha_t, sigma_t = _vp(sigma_next)
            lam_t = math.log(alpha_t) - math.log(sigma_t)
            lam_s = math.log(alpha_s) - math.log(sigma_s)
            h = lam_t - lam_s
            first_order = self.lower_order_nums < 1 or last
            if first_order:
                out = (sigma_t / sigma_s) * x - (alpha_t * (math.exp(-h) - 1.0)) * x0
            else:
                alpha_p, sigma_p = _vp(float(s.sigmas[k - 1]))
                lam_p = math.log(alpha_p) - math.log(sigma_p)
                r0 = (lam_s - lam_p) / h
                d1 = (1.0 / r0) * (x0 - self.previous_x0)
                out = (sigma_t / sigma_s) * x - (alpha_t * (math.exp(-h) - 1.0)) * x0 \
                    - 0.5 * (alpha_t * (math.exp(-h) - 1.0)) * d1
        self.previous_x0 = x0
        self.lower_order_nums = min(self.lower_order_nums + 1, 2)
        return out
