-- hires_fix: render small, upscale the latent, then re-render it at the larger size as img2img
-- does, so the large image keeps the small one's composition and gains detail. Two sampler passes,
-- both committed in the job's trajectory.
name = "hires_fix"
description = "An image rendered small, then upscaled and re-rendered at the larger size."

params = {
  { name = "prompt", type = "string", default = "", help = "what to render" },
  { name = "negative_prompt", type = "string", default = "" },
  { name = "width", type = "int", min = 8, max = 2048, default = 512,
    help = "the first pass's width; the output is scale times larger" },
  { name = "height", type = "int", min = 8, max = 2048, default = 512 },
  { name = "scale", type = "int", min = 1, max = 4, default = 2 },
  { name = "steps", type = "int", min = 1, max = 500, default = 20 },
  { name = "hires_steps", type = "int", min = 1, max = 500, default = 20,
    help = "the second pass's schedule (it runs the share `denoise` of it)" },
  { name = "denoise", type = "number", min = 0.01, max = 1, default = 0.5,
    help = "how much the second pass changes the upscaled latent" },
  { name = "guidance", type = "number", min = 0, max = 50, default = 7.5 },
  { name = "sampler", type = "string", default = "euler",
    choices = { "euler", "euler_a", "ddim", "dpmpp_2m" } },
  { name = "karras", type = "bool", default = false },
}

function cost(p)
  local large = (p.width * p.scale) * (p.height * p.scale)
  return {
    { steps = p.steps, pixels = p.width * p.height },
    { steps = sd.steps_run(p.hires_steps, p.denoise), pixels = large },
  }
end

function run(p, seed)
  local prompt = sd.encode_prompt(p.prompt, p.negative_prompt, p.guidance)
  local small = sd.sample {
    prompt = prompt, noise = sd.noise(p.width, p.height, seed), steps = p.steps,
    guidance = p.guidance, sampler = p.sampler, karras = p.karras, seed = seed,
  }
  local width, height = p.width * p.scale, p.height * p.scale
  local large = sd.sample {
    prompt = prompt,
    noise = sd.noise(width, height, seed),
    init = sd.resize(small, width, height),
    strength = p.denoise,
    steps = p.hires_steps,
    guidance = p.guidance, sampler = p.sampler, karras = p.karras, seed = seed,
  }
  return sd.decode(large)
end
