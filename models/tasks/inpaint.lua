-- inpaint: re-render only where `mask` is white; everywhere else the image stays as it was (its
-- latent is put back at every step's noise level, and is exact after the last step). One sampler
-- pass over the whole latent, as img2img's.
name = "inpaint"
description = "Part of an image re-rendered from a prompt: white in the mask renders, black keeps."

params = {
  { name = "init_image", type = "image", help = "the image to change (its size is the output's)" },
  { name = "mask", type = "image", help = "as large as init_image: white where to render" },
  { name = "prompt", type = "string", default = "" },
  { name = "negative_prompt", type = "string", default = "" },
  { name = "strength", type = "number", min = 0.01, max = 1, default = 1,
    help = "how much of the schedule runs (1: the masked region from pure noise)" },
  { name = "steps", type = "int", min = 1, max = 500, default = 20 },
  { name = "guidance", type = "number", min = 0, max = 50, default = 7.5 },
  { name = "sampler", type = "string", default = "euler",
    choices = { "euler", "euler_a", "ddim", "dpmpp_2m" } },
  { name = "karras", type = "bool", default = false },
}

-- The image's size is the output's, and the mask's: whole latents, checked before anything runs.
function size(p)
  local width, height = sd.size(p.init_image)
  if width % 8 ~= 0 or height % 8 ~= 0 then
    error(string.format("init_image is %d x %d; its width and height must be multiples of 8",
                        width, height))
  end
  local mask_width, mask_height = sd.size(p.mask)
  if mask_width ~= width or mask_height ~= height then
    error(string.format("mask is %d x %d but init_image is %d x %d; they must be the same size",
                        mask_width, mask_height, width, height))
  end
  return width, height
end

function cost(p)
  local width, height = size(p)
  return { { steps = sd.steps_run(p.steps, p.strength), pixels = width * height } }
end

function run(p, seed)
  local width, height = sd.size(p.init_image)
  local clean = sd.encode_image(p.init_image, seed)
  local latent = sd.sample {
    prompt = sd.encode_prompt(p.prompt, p.negative_prompt, p.guidance),
    noise = sd.noise(width, height, seed),
    init = clean,
    strength = p.strength,
    mask = sd.latent_mask(p.mask, clean),
    steps = p.steps,
    guidance = p.guidance,
    sampler = p.sampler,
    karras = p.karras,
    seed = seed,
  }
  return sd.decode(latent)
end
