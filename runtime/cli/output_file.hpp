#pragma once
// --out of the commands that write PNG files (render, task run): the file's folder is made before
// anything renders, so a path that cannot be written fails at once, not after minutes of work.
#include <string>

#include "models/result.hpp"

namespace seedgrid::cli {

// Makes the folder of the PNG file `out` names; an error says what is wrong with `out` (empty, a
// folder rather than a file, a folder that cannot be made).
Result<void> prepare_output_file(const std::string& out);

}  // namespace seedgrid::cli
