#pragma once
// The model id (model_id.hpp) hashes every weight byte: 2 GB for SD 1.5, seconds on each load,
// and every node start, audit and `seedgrid render` loads. The id is kept next to the checkpoint
// (`<file>.model-id` for a single file, `<folder>/.model-id` for a diffusers folder) with the size,
// modification time and inode of every weight file it was computed from; a load whose files all
// still match takes the id from there, any difference recomputes it and rewrites the cache.
//
// The stamp is what make and git's index trust to tell a file changed. A writer who preserves
// size, mtime and inode while changing bytes defeats it; such a writer can equally edit the cache,
// so the id proves to others only what the weights a node loaded hash to, which the validators'
// own copies and re-renders check. Writing the cache is best effort: a read-only folder means the
// id is computed each time, never an error.
#include <filesystem>
#include <optional>
#include <string>

namespace seedgrid {

// Where the cache of the checkpoint at `path` lives.
std::filesystem::path model_id_cache_path(const std::filesystem::path& checkpoint);

// The cached id, when the cache exists and every weight file still matches its stamp.
std::optional<std::string> cached_model_id(const std::filesystem::path& checkpoint);

// Records `model_id` for the checkpoint's weight files as they are now. Returns false (and leaves
// no partial file) when the cache cannot be written.
bool remember_model_id(const std::filesystem::path& checkpoint, const std::string& model_id);

}  // namespace seedgrid
