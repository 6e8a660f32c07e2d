-- txt2img: an image from a prompt, as the built-in path renders it (pipeline.hpp), byte for byte:
-- encode the prompt, seeded noise, one sampler pass, VAE decode.
name = "txt2img"
description = "An image from a text prompt."

params = {
  { name = "prompt", type = "string", default = "", help = "what to render" },
  { name = "negative_prompt", type = "string", default = "", help = "what to steer away from" },
  { name = "steps", type = "int", min = 1, max = 500, default = 20 },
  { name = "guidance", type = "number", min = 0, max = 50, default = 7.5,
    help = "classifier-free guidance scale; at most 1 renders without the negative prompt" },
  { name = "sampler", type = "string", default = "euler",
    choices = { "euler", "euler_a", "ddim", "dpmpp_2m" } },
  { name = "karras", type = "bool", default = false, help = "Karras sigmas" },
  { name = "width", type = "int", min = 8, max = 4096, default = 512 },
  { name = "height", type = "int", min = 8, max = 4096, default = 512 },
}

function cost(p)
  return { { steps = p.steps, pixels = p.width * p.height } }
end

function run(p, seed)
  local prompt = sd.encode_prompt(p.prompt, p.negative_prompt, p.guidance)
  local latent = sd.sample {
    prompt = prompt,
    noise = sd.noise(p.width, p.height, seed),
    steps = p.steps,
    guidance = p.guidance,
    sampler = p.sampler,
    karras = p.karras,
    seed = seed,
  }
  return sd.decode(latent)
end
