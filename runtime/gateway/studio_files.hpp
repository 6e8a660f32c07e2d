#pragma once
// The web studio's files, served from the gateway's static_dir: "/" is index.html. A request path
// names a file only through plain names below that folder, and only a regular file is served.
#include <filesystem>
#include <optional>
#include <string_view>

#include "runtime/gateway/http_message.hpp"

namespace seedgrid::gateway {

// The file under `dir` a (percent-decoded) request path names, or nothing: every segment after
// the leading "/" must be a plain name (no empty, "." or ".." segment: "//etc/passwd" would
// otherwise join as an absolute path and replace the folder), the file must be regular (a FIFO
// or a device would be read without end), and it must still lie below `dir` once links are
// followed.
std::optional<std::filesystem::path> studio_file(const std::filesystem::path& dir,
                                                 std::string_view path);

// The answer to GET `path` (raw, percent-encoded) for a gateway whose studio is in `dir`
// (empty: no studio).
HttpResponse studio_file_reply(const std::string& dir, const std::string& path);

}  // namespace seedgrid::gateway
