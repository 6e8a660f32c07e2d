#include "runtime/cli/input_file.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace seedgrid::cli {

namespace fs = std::filesystem;

Result<void> check_input(std::string_view option, const std::string& path, bool folder_too) {
  if (path.empty()) return fail(option, " is empty: give the path of what to read");
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (!fs::exists(status))
    return fail(option, " ", path, ": no such file", folder_too ? " or folder" : "",
                ec && ec != std::errc::no_such_file_or_directory ? " (" + ec.message() + ")"
                                                                 : std::string());
  const bool folder = fs::is_directory(status);
  if (folder && !folder_too) return fail(option, " ", path, " is a folder: give a file");
  if (!folder && !fs::is_regular_file(status))
    return fail(option, " ", path, " is neither a file nor a folder");
  // A folder is read through its entries: it must be listable as well as readable.
  if (::access(path.c_str(), folder ? R_OK | X_OK : R_OK) != 0)
    return fail(option, " ", path, ": cannot read it (", std::strerror(errno), ")");
  return {};
}

}  // namespace seedgrid::cli
