#include "runtime/gateway/studio_files.hpp"

#include <fstream>
#include <sstream>
#include <string>

#include "runtime/gateway/json_reply.hpp"

namespace seedgrid::gateway {

namespace fs = std::filesystem;

namespace {

std::string content_type_of(const fs::path& p) {
  const auto ext = p.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".json") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  return "application/octet-stream";
}

// `inner` lies below `outer` (both canonical): `outer`'s segments are a prefix of `inner`'s.
bool below(const fs::path& outer, const fs::path& inner) {
  auto o = outer.begin();
  auto i = inner.begin();
  for (; o != outer.end(); ++o, ++i)
    if (i == inner.end() || *o != *i) return false;
  return i != inner.end();
}

}  // namespace

std::optional<fs::path> studio_file(const fs::path& dir, std::string_view path) {
  if (path.empty() || path == "/") path = "/index.html";
  if (path.front() != '/') return std::nullopt;
  fs::path file = dir;
  std::size_t at = 1;
  for (;;) {
    const std::size_t end = path.find('/', at);
    const std::string_view name = path.substr(at, end == std::string_view::npos ? end : end - at);
    if (name.empty() || name == "." || name == ".." ||
        name.find('\0') != std::string_view::npos || name.find('\\') != std::string_view::npos)
      return std::nullopt;
    file /= std::string(name);
    if (end == std::string_view::npos) break;
    at = end + 1;
  }
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return std::nullopt;
  const fs::path root = fs::canonical(dir, ec);
  if (ec) return std::nullopt;
  const fs::path real = fs::canonical(file, ec);
  if (ec || !below(root, real)) return std::nullopt;
  return real;
}

HttpResponse studio_file_reply(const std::string& dir, const std::string& path) {
  if (dir.empty())
    return error_reply(404, "this gateway serves no web studio (no static_dir)", "NotFound");
  const std::string decoded = percent_decode(path);
  const auto file = studio_file(dir, decoded);
  if (!file) return error_reply(404, "no such file: " + decoded, "NotFound");
  std::ifstream in(*file, std::ios::binary);
  if (!in) return error_reply(404, "no such file: " + decoded, "NotFound");
  std::stringstream data;
  data << in.rdbuf();
  HttpResponse r;
  r.content_type = content_type_of(*file);
  r.body = data.str();
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

}  // namespace seedgrid::gateway
