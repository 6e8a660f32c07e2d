-- hires_fix: render small, upscale the latent, then re-render it at the larger size as img2img
-- does, so the large image keeps the small one's composition and gains detail. Two sampler passes,
-- both committed in the job's trajectory. width and height are the image's, as for every task
-- type (a job delivers the size its request names); the first pass renders them divided by scale.
name = "hires_fix"
description = "An image rendered small, then upscaled and re-rendered at the larger size."

params = {
  { name = "prompt", type = "string", default = "", help = "what to render" },
  { name = "negative_prompt", type = "string", default = "" },
  { name = "width", type = "int", min = 8, max = 2048, default = 1024,
    help = "the image's width; the first pass renders width / scale" },
  { name = "height", type = "int", min = 8, max = 2048, default = 1024 },
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

-- The first pass's size: a latent's sides are whole multiples of 8 pixels.
local function first_size(p)
  local width, height = p.width // p.scale, p.height // p.scale
  if width * p.scale ~= p.width or height * p.scale ~= p.height or width % 8 ~= 0 or
     height % 8 ~= 0 then
    error(string.format("width x height (%d x %d) must be scale (%d) times a multiple of 8",
                        p.width, p.height, p.scale))
  end
  return width, height
end

function cost(p)
  local width, height = first_size(p)
  return {
    { steps = p.steps, pixels = width * height },
    { steps = sd.steps_run(p.hires_steps, p.denoise), pixels = p.width * p.height },
  }
end

function run(p, seed)
  local prompt = sd.encode_prompt(p.prompt, p.negative_prompt, p.guidance)
  local small_width, small_height = first_size(p)
  local small = sd.sample {
    prompt = prompt, noise = sd.noise(small_width, small_height, seed), steps = p.steps,
    guidance = p.guidance, sampler = p.sampler, karras = p.karras, seed = seed,
  }
  local width, height = p.width, p.height
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
