#pragma once
// Files and folders a command reads, named on its command line. One that is not there or cannot
// be read is a value that cannot be used, so a usage error (exit 2, kUsageError) in every
// command, as `node --config`, `audit RECEIPT` and `sim --virtual` always were; what a file that
// was read holds is the command's to judge (`task check` of a script that fails exits 1).
#include <string>
#include <string_view>

#include "models/result.hpp"

namespace seedgrid::cli {

// A file (or, with `folder_too`, a folder: a model) at `path` that this process can read; the
// error names the option (or argument) and the path, and says what is wrong.
Result<void> check_input(std::string_view option, const std::string& path, bool folder_too = false);

}  // namespace seedgrid::cli
