-- outpaint: extend an image on chosen sides and render only the new margins, which start from the
-- image's edge pixels repeated outwards; the image itself is kept as inpaint keeps it.
name = "outpaint"
description = "An image extended on chosen sides, the new margins rendered from a prompt."

params = {
  { name = "init_image", type = "image", help = "the image to extend" },
  { name = "left", type = "int", min = 0, max = 1024, default = 0, help = "pixels added on the left" },
  { name = "top", type = "int", min = 0, max = 1024, default = 0 },
  { name = "right", type = "int", min = 0, max = 1024, default = 0 },
  { name = "bottom", type = "int", min = 0, max = 1024, default = 0 },
  { name = "prompt", type = "string", default = "" },
  { name = "negative_prompt", type = "string", default = "" },
  { name = "steps", type = "int", min = 1, max = 500, default = 20 },
  { name = "guidance", type = "number", min = 0, max = 50, default = 7.5 },
  { name = "sampler", type = "string", default = "euler",
    choices = { "euler", "euler_a", "ddim", "dpmpp_2m" } },
  { name = "karras", type = "bool", default = false },
}

-- The image with its margins is the output: whole latents, checked before anything runs.
function size(p)
  local width, height = sd.size(p.init_image)
  width, height = width + p.left + p.right, height + p.top + p.bottom
  if width % 8 ~= 0 or height % 8 ~= 0 then
    error(string.format("the extended image is %d x %d; the image's size plus its margins must be "
                        .. "multiples of 8", width, height))
  end
  return width, height
end

function cost(p)
  local width, height = size(p)
  return { { steps = p.steps, pixels = width * height } }
end

function run(p, seed)
  local image, mask = sd.pad(p.init_image, p.left, p.top, p.right, p.bottom)
  local width, height = sd.size(image)
  local clean = sd.encode_image(image, seed)
  local latent = sd.sample {
    prompt = sd.encode_prompt(p.prompt, p.negative_prompt, p.guidance),
    noise = sd.noise(width, height, seed),
    init = clean,
    strength = 1,
    mask = sd.latent_mask(mask, clean),
    steps = p.steps,
    guidance = p.guidance,
    sampler = p.sampler,
    karras = p.karras,
    seed = seed,
  }
  return sd.decode(latent)
end
