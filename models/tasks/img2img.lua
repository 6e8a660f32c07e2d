-- img2img: an image re-rendered from a prompt, as the built-in img2img path renders it: the init
-- image through the VAE encoder, noised to the level `strength` starts at, then the rest of the
-- schedule and a VAE decode.
name = "img2img"
description = "An image re-rendered from a prompt; strength sets how much of it changes."

params = {
  { name = "init_image", type = "image", help = "the image to start from (its size is the output's)" },
  { name = "prompt", type = "string", default = "" },
  { name = "negative_prompt", type = "string", default = "" },
  { name = "strength", type = "number", min = 0.01, max = 1, default = 0.75,
    help = "the share of the schedule run over the image" },
  { name = "steps", type = "int", min = 1, max = 500, default = 20 },
  { name = "guidance", type = "number", min = 0, max = 50, default = 7.5 },
  { name = "sampler", type = "string", default = "euler",
    choices = { "euler", "euler_a", "ddim", "dpmpp_2m" } },
  { name = "karras", type = "bool", default = false },
}

-- The image's size is the output's: whole latents (multiples of 8), checked before anything runs.
function size(p)
  local width, height = sd.size(p.init_image)
  if width % 8 ~= 0 or height % 8 ~= 0 then
    error(string.format("init_image is %d x %d; its width and height must be multiples of 8",
                        width, height))
  end
  return width, height
end

function cost(p)
  local width, height = size(p)
  return { { steps = sd.steps_run(p.steps, p.strength), pixels = width * height } }
end

function run(p, seed)
  local width, height = sd.size(p.init_image)
  local latent = sd.sample {
    prompt = sd.encode_prompt(p.prompt, p.negative_prompt, p.guidance),
    noise = sd.noise(width, height, seed),
    init = sd.encode_image(p.init_image, seed),
    strength = p.strength,
    steps = p.steps,
    guidance = p.guidance,
    sampler = p.sampler,
    karras = p.karras,
    seed = seed,
  }
  return sd.decode(latent)
end
