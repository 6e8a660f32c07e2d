#include "models/weights/model_id_cache.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

namespace seedgrid {

namespace {

namespace fs = std::filesystem;

constexpr const char* kHeader = "seedgrid model-id cache v1";

// The files the id depends on and the folder their paths are relative to: a folder's weights and
// configs, or a single file and its sidecar configs.
std::optional<std::pair<fs::path, std::vector<fs::path>>> weight_files(const fs::path& checkpoint) {
  std::error_code ec;
  std::vector<fs::path> files;
  if (!fs::is_directory(checkpoint, ec)) {
    files.push_back(checkpoint);
    fs::path sidecar = checkpoint;
    sidecar += ".json";
    if (fs::is_regular_file(sidecar, ec)) files.push_back(sidecar);
    return std::pair{checkpoint.parent_path(), files};
  }
  for (fs::recursive_directory_iterator it(checkpoint, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const auto ext = it->path().extension();
    if (ext == ".safetensors" || ext == ".json") files.push_back(it->path());
  }
  if (ec) return std::nullopt;
  return std::pair{checkpoint, files};
}

// One line per file the id depends on: "file <size> <mtime ns> <inode> <path relative to the
// checkpoint's folder>", in path order.
std::optional<std::vector<std::string>> stamps(const fs::path& checkpoint) {
  const auto found = weight_files(checkpoint);
  if (!found) return std::nullopt;
  const auto& [base, unordered] = *found;
  std::vector<fs::path> files = unordered;
  std::sort(files.begin(), files.end(), [&](const fs::path& a, const fs::path& b) {
    return a.lexically_relative(base) < b.lexically_relative(base);
  });
  std::vector<std::string> lines;
  for (const auto& f : files) {
    struct stat st {};
    if (::stat(f.c_str(), &st) != 0) return std::nullopt;
    const std::int64_t mtime_ns =
        static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    std::ostringstream line;
    line << "file " << static_cast<std::uint64_t>(st.st_size) << ' ' << mtime_ns << ' '
         << static_cast<std::uint64_t>(st.st_ino) << ' ' << f.lexically_relative(base).string();
    lines.push_back(line.str());
  }
  return lines;
}

// A file written in the last two seconds could be written again within the same mtime tick (the
// kernel's clock, milliseconds) with other bytes of the same size, and the stamp would not tell:
// git calls such an entry "racily clean". Its id is not cached until the file is older.
bool recently_modified(const fs::path& checkpoint) {
  const auto found = weight_files(checkpoint);
  if (!found) return true;
  const auto now = fs::file_time_type::clock::now();
  for (const auto& f : found->second) {
    std::error_code ec;
    const auto t = fs::last_write_time(f, ec);
    if (ec || now - t < std::chrono::seconds(2)) return true;
  }
  return false;
}

bool is_model_id(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

fs::path model_id_cache_path(const fs::path& checkpoint) {
  std::error_code ec;
  if (fs::is_directory(checkpoint, ec)) return checkpoint / ".model-id";
  fs::path p = checkpoint;
  p += ".model-id";
  return p;
}

std::optional<std::string> cached_model_id(const fs::path& checkpoint) {
  std::ifstream in(model_id_cache_path(checkpoint));
  if (!in) return std::nullopt;
  std::string header, id_line;
  if (!std::getline(in, header) || header != kHeader) return std::nullopt;
  if (!std::getline(in, id_line) || id_line.rfind("id ", 0) != 0) return std::nullopt;
  const std::string id = id_line.substr(3);
  if (!is_model_id(id)) return std::nullopt;
  std::vector<std::string> recorded;
  for (std::string line; std::getline(in, line);) recorded.push_back(line);
  const auto now = stamps(checkpoint);
  if (!now || recorded.empty() || *now != recorded) return std::nullopt;
  return id;
}

bool remember_model_id(const fs::path& checkpoint, const std::string& model_id) {
  if (!is_model_id(model_id)) return false;
  const auto now = stamps(checkpoint);
  if (!now || recently_modified(checkpoint)) return false;
  const fs::path target = model_id_cache_path(checkpoint);
  fs::path temp = target;
  temp += ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    if (!out) return false;
    out << kHeader << "\nid " << model_id << '\n';
    for (const auto& line : *now) out << line << '\n';
    out.flush();
    if (!out) {
      std::error_code ec;
      fs::remove(temp, ec);
      return false;
    }
  }
  std::error_code renamed;
  fs::rename(temp, target, renamed);  // atomic: a reader sees the old cache or the new, never half
  if (renamed) {
    std::error_code ignored;
    fs::remove(temp, ignored);
  }
  return !renamed;
}

}  // namespace seedgrid
