#include "runtime/base/verify/model_index.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <vector>

#include "models/weights/checkpoint.hpp"

namespace seedgrid::verify {

namespace fs = std::filesystem;

namespace {

bool is_diffusers_folder(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec) &&
         (fs::exists(p / "model_index.json", ec) || fs::exists(p / "unet", ec));
}

// Checkpoints at most three levels down (DIR/sd15, DIR/community/sd15, ...), in name order; a
// diffusers folder is not searched inside.
void collect(const fs::path& dir, int depth, std::vector<fs::path>& out) {
  std::error_code ec;
  std::vector<fs::path> entries;
  for (const auto& e : fs::directory_iterator(dir, ec)) entries.push_back(e.path());
  std::sort(entries.begin(), entries.end());
  for (const auto& p : entries) {
    if (p.filename().string().starts_with(".")) continue;
    if (is_diffusers_folder(p)) {
      out.push_back(p);
    } else if (fs::is_regular_file(p, ec) && p.extension() == ".safetensors") {
      out.push_back(p);
    } else if (depth > 0 && fs::is_directory(p, ec)) {
      collect(p, depth - 1, out);
    }
  }
}

// Size and modification time of the files a checkpoint's id is computed from: a changed file
// changes this, and the entry is computed again.
std::string fingerprint(const fs::path& checkpoint) {
  std::error_code ec;
  std::uint64_t bytes = 0;
  std::int64_t newest = 0;
  auto add = [&](const fs::path& f) {
    bytes += fs::file_size(f, ec);
    newest = std::max<std::int64_t>(newest, fs::last_write_time(f, ec).time_since_epoch().count());
  };
  if (fs::is_directory(checkpoint, ec)) {
    for (const auto& e : fs::recursive_directory_iterator(checkpoint, ec))
      if (e.is_regular_file(ec) && e.path().extension() == ".safetensors") add(e.path());
  } else {
    add(checkpoint);
  }
  return std::to_string(bytes) + ":" + std::to_string(newest);
}

struct Entry {
  std::string fingerprint;
  std::string model_id;
  bool operator==(const Entry&) const = default;
};

// "relative path<TAB>fingerprint<TAB>model id" per line.
std::map<std::string, Entry> read_index(const fs::path& file) {
  std::map<std::string, Entry> index;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    const auto a = line.find('\t'), b = line.rfind('\t');
    if (a == std::string::npos || a == b) continue;
    index[line.substr(0, a)] = {line.substr(a + 1, b - a - 1), line.substr(b + 1)};
  }
  return index;
}

void write_index(const fs::path& file, const std::map<std::string, Entry>& index) {
  const fs::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp);
    for (const auto& [path, e] : index)
      out << path << '\t' << e.fingerprint << '\t' << e.model_id << '\n';
    if (!out) return;
  }
  std::error_code ec;
  fs::rename(tmp, file, ec);
}

}  // namespace

Result<std::string> find_model(const std::string& models_dir, const std::string& model_id) {
  const fs::path root(models_dir);
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return fail("--models-dir ", models_dir, " is not a folder");
  std::vector<fs::path> checkpoints;
  collect(root, 2, checkpoints);
  const fs::path index_file = root / kModelIndexFile;
  std::map<std::string, Entry> index = read_index(index_file);
  std::map<std::string, Entry> fresh;  // what the folder holds now
  std::vector<fs::path> unknown;
  std::optional<fs::path> found;
  for (const auto& c : checkpoints) {
    const std::string rel = fs::relative(c, root, ec).string();
    const std::string print = fingerprint(c);
    auto it = index.find(rel);
    if (it != index.end() && it->second.fingerprint == print) {
      fresh[rel] = it->second;
      if (!found && it->second.model_id == model_id) found = c;
    } else {
      unknown.push_back(c);
    }
  }
  // Only checkpoints the index does not know are hashed, and only until the one wanted is found.
  for (const auto& c : unknown) {
    if (found) break;
    auto checkpoint = load_checkpoint(c.string());
    if (!checkpoint) continue;
    fresh[fs::relative(c, root, ec).string()] = {fingerprint(c), checkpoint->model_id};
    if (checkpoint->model_id == model_id) found = c;
  }
  if (fresh != index) write_index(index_file, fresh);
  if (!found)
    return fail("no checkpoint under --models-dir ", models_dir, " (", checkpoints.size(),
                " found, subfolders included) is model ", model_id);
  return found->string();
}

}  // namespace seedgrid::verify
