#include "runtime/cli/output_file.hpp"

#include <filesystem>

namespace seedgrid::cli {

namespace fs = std::filesystem;

Result<void> prepare_output_file(const std::string& out) {
  if (out.empty()) return fail("--out is empty: give the PNG file to write, e.g. --out image.png");
  std::error_code ec;
  if (fs::is_directory(out, ec))
    return fail("--out ", out, " is a folder: give a file in it, e.g. --out ",
                (fs::path(out) / "image.png").string());
  const fs::path file = fs::absolute(out, ec);
  if (ec) return fail("--out ", out, ": ", ec.message());
  const fs::path folder = file.parent_path();
  fs::create_directories(folder, ec);
  if (ec || !fs::is_directory(folder))
    return fail("cannot create the output folder ", folder.string(), ": ",
                ec ? ec.message() : std::string("not a directory"));
  return {};
}

}  // namespace seedgrid::cli
