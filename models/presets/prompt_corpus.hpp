#pragma once
// A small English corpus of image-prompt words, embedded so the preset tokenizer vocabularies are
// learned from the same text on every machine.
#include <string_view>

namespace seedgrid {

std::string_view prompt_corpus();

}  // namespace seedgrid
