#include "runtime/base/storage/data_dir_lock.hpp"

#include <filesystem>

namespace seedgrid::storage {

Result<ProcessLock> lock_data_dir(const std::string& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return fail("cannot create data_dir ", data_dir, ": ", ec.message());
  return ProcessLock::acquire((std::filesystem::path(data_dir) / "LOCK").string(),
                              "data_dir " + data_dir,
                              "stop that node first, or give this one its own data_dir");
}

}  // namespace seedgrid::storage
