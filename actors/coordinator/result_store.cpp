#include "actors/coordinator/result_store.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "runtime/base/logging/log.hpp"

namespace seedgrid::coordinator {

namespace fs = std::filesystem;

Result<bool> ResultStore::contains(const Digest& hash) const {
  if (durability_ == storage::Durability::none) return held_.contains(hash);
  if (recent_.contains(hash)) return true;
  return journal_.has_result_image(hash);
}

Result<void> ResultStore::put(const Digest& hash, std::vector<std::uint8_t> pixels,
                              bool hash_checked) {
  if (!hash_checked && blake2b(pixels) != hash)
    return fail("result store: pixels do not hash to ", to_hex(hash));
  if (durability_ == storage::Durability::none) {
    held_.try_emplace(hash, std::move(pixels));
    return {};
  }
  if (recent_.contains(hash)) return {};  // stored already (the same bytes, by their name)
  if (auto w = journal_.put_result_image(hash, pixels); !w) return w;
  keep_recent(hash, std::move(pixels));
  return {};
}

void ResultStore::keep_recent(const Digest& hash, std::vector<std::uint8_t>&& pixels) {
  if (pixels.size() > recent_limit_ || recent_.contains(hash)) return;
  while (recent_bytes_ + pixels.size() > recent_limit_ && !recent_order_.empty()) {
    forget_recent(recent_order_.front());
  }
  recent_bytes_ += pixels.size();
  recent_.emplace(hash, std::move(pixels));
  recent_order_.push_back(hash);
}

void ResultStore::forget_recent(const Digest& hash) {
  auto it = recent_.find(hash);
  if (it == recent_.end()) return;
  recent_bytes_ -= it->second.size();
  recent_.erase(it);
  // From the newest end: a delivery takes an image stored moments before.
  recent_order_.erase(
      std::prev(std::find(recent_order_.rbegin(), recent_order_.rend(), hash).base()));
}

Result<std::vector<std::uint8_t>> ResultStore::get(const Digest& hash) const {
  if (durability_ == storage::Durability::none) {
    auto it = held_.find(hash);
    if (it == held_.end()) return fail("result store: no image ", to_hex(hash));
    return it->second;
  }
  if (auto it = recent_.find(hash); it != recent_.end()) return it->second;
  auto stored = journal_.find_result_image(hash);
  if (!stored) return pass_on(stored);
  if (!*stored) return fail("result store: no image ", to_hex(hash));
  if (blake2b(**stored) != hash)
    return fail("result store: the journal's image ", to_hex(hash),
                " does not hash to its name (corrupted)");
  return std::move(**stored);
}

Result<std::vector<std::uint8_t>> ResultStore::take(const Digest& hash) {
  auto it = recent_.find(hash);
  if (durability_ == storage::Durability::none || it == recent_.end()) return get(hash);
  recent_bytes_ -= it->second.size();
  std::vector<std::uint8_t> pixels = std::move(it->second);
  it->second.clear();  // forget_recent counts what is left: nothing
  forget_recent(hash);
  return pixels;
}

Result<void> ResultStore::remove(const Digest& hash, bool zero_pages) {
  if (durability_ == storage::Durability::none) {
    held_.erase(hash);
    return {};
  }
  forget_recent(hash);
  return journal_.delete_result_image(hash, zero_pages);
}

Result<std::size_t> ResultStore::keep_only(const std::set<Digest>& wanted) {
  std::vector<Digest> stored;
  if (durability_ == storage::Durability::none) {
    for (const auto& [hash, pixels] : held_) stored.push_back(hash);
  } else {
    auto listed = journal_.result_image_hashes();
    if (!listed) return pass_on(listed);
    stored = std::move(*listed);
  }
  std::size_t removed = 0;
  for (const Digest& hash : stored) {
    if (wanted.contains(hash)) continue;
    if (auto r = remove(hash); !r) return pass_on(r);
    ++removed;
  }
  return removed;
}

namespace {

Result<std::vector<std::uint8_t>> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return fail("cannot open ", path.string());
  const std::streamsize size = in.tellg();
  std::vector<std::uint8_t> bytes(size > 0 ? static_cast<std::size_t>(size) : 0);
  in.seekg(0);
  if (size < 0 || !in.read(reinterpret_cast<char*>(bytes.data()), size))
    return fail("cannot read ", path.string());
  return bytes;
}

}  // namespace

Result<ResultStore::FilesMoved> ResultStore::move_files_into_journal(const std::string& root) {
  FilesMoved out;
  std::error_code ec;
  if (durability_ == storage::Durability::none || !fs::is_directory(root, ec)) return out;
  // Two levels: <root>/<first 2 hex>/<hash hex>.rgb, and .rgb.tmp for images a crash left unsynced
  // (no committed result names those).
  std::vector<fs::path> done;
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    if (it.depth() < 1 || !it->is_regular_file(ec)) continue;
    const fs::path& path = it->path();
    if (path.extension() == ".tmp") {
      done.push_back(path);
      continue;
    }
    auto named = digest_from_hex(path.stem().string());
    auto pixels = read_file(path);
    if (path.extension() != ".rgb" || !named || !pixels || blake2b(*pixels) != *named) {
      ++out.left;
      continue;
    }
    if (auto w = journal_.put_result_image(*named, *pixels); !w) return pass_on(w);
    done.push_back(path);
    ++out.moved;
  }
  if (ec) return fail("result store: cannot list ", root, ": ", ec.message());
  if (auto c = journal_.commit(); !c) return pass_on(c);
  // Only once the journal holds them durably: a crash before this moves them again (one row).
  for (const fs::path& path : done)
    if (!fs::remove(path, ec) && ec)
      return fail("result store: cannot remove ", path.string(), ": ", ec.message());
  if (out.left == 0) {
    fs::remove_all(root, ec);
    if (ec) return fail("result store: cannot remove ", root, ": ", ec.message());
  }
  auto log = logging::logger("coordinator");
  if (out.moved > 0)
    log->info("moved {} result image(s) from {} into the journal", out.moved, root);
  if (out.left > 0)
    log->warn("{} file(s) in {} are not result images that hash to their names: left there",
              out.left, root);
  return out;
}

}  // namespace seedgrid::coordinator
