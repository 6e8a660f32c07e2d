-- variation: txt2img from a blend of two seeds' noise, so a small `strength` gives an image close
-- to `seed`'s with the details of `variation_seed` creeping in (strength 0 is seed's image, 1 is
-- variation_seed's). One sampler pass.
name = "variation"
description = "A variation of an image: its seed's noise blended with a second seed's."

params = {
  { name = "prompt", type = "string", default = "", help = "what to render" },
  { name = "negative_prompt", type = "string", default = "" },
  { name = "variation_seed", type = "int", min = 0, max = 4294967295, default = 1 },
  { name = "strength", type = "number", min = 0, max = 1, default = 0.1,
    help = "how much of variation_seed's noise is blended in" },
  { name = "steps", type = "int", min = 1, max = 500, default = 20 },
  { name = "guidance", type = "number", min = 0, max = 50, default = 7.5 },
  { name = "sampler", type = "string", default = "euler",
    choices = { "euler", "euler_a", "ddim", "dpmpp_2m" } },
  { name = "karras", type = "bool", default = false },
  { name = "width", type = "int", min = 8, max = 4096, default = 512 },
  { name = "height", type = "int", min = 8, max = 4096, default = 512 },
}

function cost(p)
  return { { steps = p.steps, pixels = p.width * p.height } }
end

function run(p, seed)
  local noise = sd.blend_noise(sd.noise(p.width, p.height, seed),
                               sd.noise(p.width, p.height, p.variation_seed), p.strength)
  local latent = sd.sample {
    prompt = sd.encode_prompt(p.prompt, p.negative_prompt, p.guidance),
    noise = noise,
    steps = p.steps,
    guidance = p.guidance,
    sampler = p.sampler,
    karras = p.karras,
    seed = seed,
  }
  return sd.decode(latent)
end
