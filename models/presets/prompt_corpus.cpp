#include "models/presets/prompt_corpus.hpp"

namespace seedgrid {

std::string_view prompt_corpus() {
  return R"(a photograph of an astronaut riding a horse on the moon, highly detailed, sharp focus
a beautiful landscape painting of a mountain lake at sunset with dramatic clouds and golden light
portrait of an old fisherman with a weathered face, oil painting, soft lighting, masterpiece
a cute cat sitting on a windowsill watching the rain, cozy interior, warm colors, digital art
a futuristic city skyline at night with neon lights, flying cars and glowing towers, cyberpunk
an ancient castle on a cliff above the stormy sea, fantasy concept art, epic composition
a bowl of fresh fruit on a wooden table, still life, natural light, photorealistic, studio shot
a red fox running through a snowy forest in winter, wildlife photography, telephoto lens
watercolor illustration of a small village by the river in spring with blooming cherry trees
a dragon flying over a medieval kingdom, fire and smoke, cinematic lighting, trending artwork
a close up macro photograph of a dew drop on a green leaf, shallow depth of field, bokeh
an abstract geometric pattern with vibrant colors, minimalist design, vector graphics, poster
a knight in shining armor standing in a field of flowers, renaissance painting, golden hour
a cozy cabin in the woods covered in snow with smoke rising from the chimney at twilight
the interior of a grand library with tall bookshelves, warm candlelight and a spiral staircase
a portrait of a young woman with freckles and red hair, natural light, film photography
a steampunk airship sailing above the clouds, brass and copper details, intricate machinery
a tropical beach with turquoise water, palm trees and white sand under a clear blue sky
a sleeping dog curled up by the fireplace, soft focus, warm tones, peaceful atmosphere
a bustling street market in morocco with colorful spices, lanterns and textiles, travel photo
an underwater scene with coral reefs, tropical fish and sunlight rays through the water
a mysterious forest path with glowing mushrooms and fireflies at night, magical atmosphere
a vintage car parked on an empty desert highway, retro style, faded colors, kodachrome
a robot gardener tending to flowers in a greenhouse, whimsical illustration, pastel palette
a majestic lion resting on a rock in the savanna, dramatic sky, national geographic style
a bowl of ramen with egg, noodles and green onions, food photography, steam, dark background
a lighthouse on a rocky coast during a storm, crashing waves, moody atmosphere, oil on canvas
an astronaut floating in space with the earth in the background, stars, nebula, high resolution
a wizard casting a spell in a dark tower, glowing runes, volumetric light, fantasy illustration
a field of sunflowers under a summer sky, impressionist painting, thick brush strokes, vivid
a samurai standing in the rain with a katana, ink wash painting, japanese style, monochrome
a child flying a kite on a windy hill, nostalgic, soft colors, children book illustration
a cathedral with stained glass windows casting colorful light on the stone floor, architecture
a mountain climber on a snowy summit at sunrise, adventure photography, wide angle, epic view
a hot air balloon festival over a valley, bright colors, aerial view, clear morning light
a portrait of a cyborg with glowing eyes and metallic skin, science fiction, detailed render
a quiet japanese garden with a koi pond, stone lanterns and maple trees in autumn colors
a herd of elephants walking across the plains at dusk, silhouette, orange and purple sky
a glass of red wine on a marble counter, elegant, reflections, product photography, luxury
a haunted house on a hill under a full moon, bats, fog, gothic horror, dark and eerie
a colorful parrot perched on a branch in the rainforest, vivid feathers, sharp details
a train crossing a stone bridge over a river valley, misty morning, landscape photography
an owl with large yellow eyes sitting in a tree hollow, night, detailed feathers, realistic
a pirate ship battling a giant octopus in a stormy ocean, dramatic action, concept painting
a snowy owl flying over a frozen lake, soft winter light, serene, minimal composition
a medieval market square with merchants, horses and timber houses, busy crowd, historical
a bouquet of roses and tulips in a ceramic vase, delicate petals, pastel background, elegant
a desert oasis with camels and palm trees, warm sand dunes, sunset glow, cinematic scene
a space station orbiting a ringed planet, science fiction concept art, detailed, volumetric
a little mouse reading a book under a mushroom, storybook illustration, charming, detailed
a thunderstorm over the prairie with lightning bolts, dramatic clouds, long exposure photo
a traditional chinese temple on a misty mountain, pine trees, ink painting, tranquil mood
a jazz musician playing saxophone in a smoky bar, moody lighting, blue tones, expressive
a family of penguins on an iceberg, antarctic landscape, cold colors, documentary photo
a skateboarder performing a trick at a concrete skate park, motion blur, action shot, urban
a magical potion shop with shelves of glowing bottles, cozy clutter, fantasy interior design
a waterfall in a lush green jungle, rainbow in the mist, long exposure, tropical paradise
a knitted wool sweater folded on a chair, soft texture, natural light, minimalist photo
an army of toy soldiers on a kitchen table, tilt shift photography, playful, miniature world
a volcano erupting at night with rivers of lava, dramatic landscape, powerful, fiery glow
a cup of coffee with latte art on a rustic table, morning light, cozy cafe, shallow focus
a deer standing in a misty meadow at dawn, soft light, calm, nature photography, serene
portrait of a queen wearing a golden crown and jewels, baroque painting, rich fabrics
a neon sign reading open in a rainy alley, reflections on wet pavement, night photography
a sailboat on a calm lake reflecting the mountains, symmetry, peaceful, early morning mist
a giant tree house village connected by rope bridges, fantasy world, lush and vibrant
a chef preparing sushi in a small restaurant, hands in focus, warm light, documentary
a butterfly resting on a purple flower, macro lens, vivid colors, delicate wings, spring
a ruined temple overgrown with vines in the jungle, explorer with a torch, adventure scene
an ice cream cone melting in the summer heat, bright colors, pop art style, playful design
a sci fi soldier in power armor on an alien planet, twin suns, desert, cinematic frame
a grandmother baking bread in a rustic kitchen, flour dust, warm window light, nostalgic
a white horse galloping along the beach at sunset, splashing water, freedom, golden glow
a cyberpunk hacker in a dark room full of monitors, green code, hooded figure, tense mood
a lantern festival on a river at night, hundreds of floating lights, reflections, festive
a frog wearing a tiny hat sitting on a lily pad, cute character design, whimsical, bright
a city street in paris after the rain, cafe tables, eiffel tower in the distance, romantic
a polar bear swimming under arctic ice, blue light, underwater photography, powerful
a collection of seashells arranged on sand, top down view, natural textures, flat lay
a mechanical clockwork heart with gears and springs, intricate detail, brass, engraving
a meadow of wildflowers in the alps with snowy peaks behind, bright summer day, panorama
a dancer in a flowing red dress mid spin, dramatic stage lighting, motion, elegance
a bamboo forest with tall green stalks and filtered sunlight, zen, calm, vertical lines
an old bookstore with piles of books and a sleeping cat, warm lamps, cozy, detailed scene
a thunder god holding a hammer with lightning, mythology, epic fantasy portrait, heroic
a small boat drifting on a foggy river, muted colors, melancholy, atmospheric painting
a tiger walking through tall grass, intense eyes, wildlife close up, striped fur detail
a crystal cave with glowing blue gemstones, underground, fantasy, magical reflections
a farmhouse surrounded by golden wheat fields, rolling hills, summer afternoon, rural
a bicycle leaning against a brick wall covered in ivy, european town, quiet morning street
a marble statue of a greek goddess in a museum, soft light, classical sculpture, detail
a swarm of jellyfish glowing in the deep ocean, bioluminescence, dark water, ethereal
a picnic blanket with sandwiches and lemonade in a sunny park, cheerful, bright colors
an eagle soaring over a canyon, wings spread, majestic, wide landscape, clear blue sky
a snow globe containing a tiny winter village, glass reflections, holiday mood, festive
a robot and a girl holding hands walking down a road, friendship, emotional, soft glow
a night sky full of stars over a desert with the milky way, astrophotography, silhouette
a still life of vintage cameras and film rolls, retro aesthetic, nostalgic, warm light
a foggy harbor with fishing boats and seagulls, early morning, grey blue palette, calm
a stack of pancakes with syrup and berries, breakfast food photography, appetizing
a mermaid sitting on a rock in the ocean, long hair, sparkling scales, fantasy painting
a gothic vampire in a candlelit castle hall, velvet cloak, dark romantic, dramatic shadows
an elegant swan gliding on a pond at dawn, reflections, soft pink sky, tranquil beauty
a busy tokyo intersection at night, crowds, umbrellas, neon billboards, street photography
a scarecrow in a pumpkin patch on an autumn evening, orange leaves, halloween, spooky
a glowing jellyfish shaped spaceship above a city, surreal, dreamlike, soft pastel colors
a portrait of a bearded man with glasses, black and white photography, strong contrast
a treasure chest full of gold coins and jewels in a cave, shining, adventure, detailed
a kitten playing with a ball of yarn, playful, fluffy fur, bright room, adorable moment
a great wave crashing against the shore, ukiyo e woodblock print, blue and white, classic
a windmill on a hill with a field of tulips in holland, spring, vibrant, postcard view
an observatory dome open to a starry sky with a large telescope, science, night, wonder
a rainy window with drops and blurred city lights behind, melancholy, cinematic bokeh
a hedgehog holding a strawberry, tiny and cute, macro photography, green background
a futuristic train station with glass ceilings and sleek trains, clean design, daylight
a campfire under the stars with friends telling stories, warm glow, night, camaraderie
a bronze sculpture of a running horse, dynamic pose, museum lighting, metallic texture
a foggy graveyard with crooked tombstones and a raven, gothic, eerie, dark fantasy art
a garden party with string lights and flowers, evening, elegant guests, warm ambience
)";
}

}  // namespace seedgrid
