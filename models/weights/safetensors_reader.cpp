#include "models/weights/safetensors_reader.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>

#include "models/json/config_reader.hpp"
#include "models/json/json_parse.hpp"
#include "models/weights/mapped_file.hpp"
#include "models/weights/safetensors_dtype.hpp"

namespace seedgrid {

namespace {

// The safetensors reference implementation refuses headers above 100 MB.
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;

std::optional<std::uint64_t> read_offset(const json::Value& v) {
  if (!v.is_integer() || v.as_int() < 0) return std::nullopt;
  return static_cast<std::uint64_t>(v.as_int());
}

Result<SafetensorsEntry> parse_entry(const std::string& path, const std::string& name,
                                     const json::Value& info, std::uint64_t data_bytes) {
  const auto bad = [&](auto&&... parts) {
    return fail(path, ": tensor \"", name, "\": ", std::forward<decltype(parts)>(parts)...);
  };
  if (!info.is_object()) return bad("entry must be an object, found ", json::brief(info));
  for (const auto& [key, value] : info.as_object()) {
    if (key != "dtype" && key != "shape" && key != "data_offsets")
      return bad("unexpected key \"", key, "\" in the entry");
  }
  const json::Value* dtype = info.find("dtype");
  const json::Value* shape = info.find("shape");
  const json::Value* offsets = info.find("data_offsets");
  if (!dtype || !shape || !offsets)
    return bad("entry lacks ", !dtype ? "\"dtype\"" : !shape ? "\"shape\"" : "\"data_offsets\"");
  if (!dtype->is_string()) return bad("\"dtype\" must be a string, found ", json::brief(*dtype));

  SafetensorsEntry e;
  e.name = name;
  e.dtype = dtype->as_string();
  const auto element = safetensors_element_size(e.dtype);
  if (!element) return bad("unknown dtype \"", e.dtype, "\"");

  if (!shape->is_array()) return bad("\"shape\" must be a list, found ", json::brief(*shape));
  std::uint64_t numel = 1;
  for (const json::Value& d : shape->as_array()) {
    if (!d.is_integer() || d.as_int() < 0)
      return bad("\"shape\" must hold non-negative integers, found ", json::brief(*shape));
    const auto n = static_cast<std::uint64_t>(d.as_int());
    if (n != 0 && numel > std::numeric_limits<std::uint64_t>::max() / n)
      return bad("shape ", json::brief(*shape), " has too many elements");
    numel *= n;
    e.shape.push_back(d.as_int());
  }
  if (numel > std::numeric_limits<std::uint64_t>::max() / *element)
    return bad("shape ", json::brief(*shape), " has too many elements");

  if (!offsets->is_array() || offsets->as_array().size() != 2 ||
      !read_offset(offsets->as_array()[0]) || !read_offset(offsets->as_array()[1]))
    return bad("\"data_offsets\" must be [begin, end] with non-negative integers, found ",
               json::brief(*offsets));
  e.data_begin = *read_offset(offsets->as_array()[0]);
  e.data_end = *read_offset(offsets->as_array()[1]);
  if (e.data_end < e.data_begin)
    return bad("data_offsets [", e.data_begin, ", ", e.data_end, "] end before they begin");
  if (e.data_end > data_bytes)
    return bad("data_offsets [", e.data_begin, ", ", e.data_end, "] run past the end of the data (",
               data_bytes, " bytes): the file is truncated or the header is wrong");
  const std::uint64_t expected = numel * *element;
  if (e.data_end - e.data_begin != expected)
    return bad("data_offsets [", e.data_begin, ", ", e.data_end, "] span ",
               e.data_end - e.data_begin, " bytes, but ", e.dtype, shape_string(e.shape), " needs ",
               expected);
  return e;
}

}  // namespace

const SafetensorsEntry* SafetensorsFile::find(std::string_view name) const {
  auto it =
      std::lower_bound(entries.begin(), entries.end(), name,
                       [](const SafetensorsEntry& e, std::string_view n) { return e.name < n; });
  return it != entries.end() && it->name == name ? &*it : nullptr;
}

Result<SafetensorsFile> read_safetensors(const std::string& path,
                                         const SafetensorsReadOptions& options) {
  auto mapped = MappedFile::open(path);
  if (!mapped) return pass_on(mapped);
  const std::shared_ptr<MappedFile> file = std::move(*mapped);
  const std::uint64_t size = file->size();
  if (size < 8)
    return fail(path, ": not a safetensors file: ", size,
                " bytes, too short for the 8-byte header length");
  std::uint64_t header_bytes = 0;
  for (int i = 7; i >= 0; --i)
    header_bytes = (header_bytes << 8) | std::to_integer<std::uint64_t>(file->data()[i]);
  if (header_bytes > size - 8)
    return fail(path, ": header length ", header_bytes, " runs past the end of the file (", size,
                " bytes): not a safetensors file, or truncated");
  if (header_bytes > kMaxHeaderBytes)
    return fail(path, ": header length ", header_bytes, " is larger than the 100 MB limit");
  if (header_bytes < 2) return fail(path, ": header length ", header_bytes, " is too small");

  const std::string_view header(reinterpret_cast<const char*>(file->data() + 8), header_bytes);
  auto root = json::parse(header, path + " (JSON header)");
  if (!root) return pass_on(root);
  if (!root->is_object())
    return fail(path, ": header must be a JSON object, found ", json::kind_name(root->kind()));

  const std::uint64_t data_bytes = size - 8 - header_bytes;
  std::byte* data = file->data() + 8 + header_bytes;

  SafetensorsFile out;
  out.path = path;
  for (const auto& [name, info] : root->as_object()) {
    if (name == "__metadata__") {
      if (!info.is_object())
        return fail(path, ": __metadata__ must be an object of strings, found ", json::brief(info));
      for (const auto& [k, v] : info.as_object()) {
        if (!v.is_string())
          return fail(path, ": __metadata__ value of \"", k, "\" must be a string, found ",
                      json::brief(v));
        out.metadata.emplace_back(k, v.as_string());
      }
      continue;
    }
    auto entry = parse_entry(path, name, info, data_bytes);
    if (!entry) return pass_on(entry);
    out.entries.push_back(std::move(*entry));
  }

  // Overlaps: sorted by where they begin, each tensor must end before the next begins.
  std::vector<const SafetensorsEntry*> by_offset;
  for (const auto& e : out.entries)
    if (e.data_end > e.data_begin) by_offset.push_back(&e);
  std::sort(
      by_offset.begin(), by_offset.end(), [](const SafetensorsEntry* a, const SafetensorsEntry* b) {
        return a->data_begin != b->data_begin ? a->data_begin < b->data_begin : a->name < b->name;
      });
  for (std::size_t i = 1; i < by_offset.size(); ++i) {
    const SafetensorsEntry& prev = *by_offset[i - 1];
    const SafetensorsEntry& cur = *by_offset[i];
    if (cur.data_begin < prev.data_end)
      return fail(path, ": tensor \"", cur.name, "\" (bytes [", cur.data_begin, ", ", cur.data_end,
                  ")) overlaps tensor \"", prev.name, "\" (bytes [", prev.data_begin, ", ",
                  prev.data_end, "))");
  }

  for (auto& e : out.entries) {
    const auto dtype = dtype_from_safetensors(e.dtype);
    if (!dtype) {
      if (options.skip_other_dtypes && options.skip_other_dtypes(e.name)) continue;
      return fail(path, ": tensor \"", e.name, "\" has dtype ", e.dtype,
                  "; seedgrid loads only F32, F16 and BF16 weights");
    }
    const std::size_t bytes = static_cast<std::size_t>(e.data_end - e.data_begin);
    std::byte* p = data + e.data_begin;
    std::shared_ptr<Buffer> buffer;
    if (reinterpret_cast<std::uintptr_t>(p) % dtype_size(*dtype) == 0) {
      buffer = std::make_shared<HostBuffer>(p, bytes, file);
    } else {
      // A misaligned tensor (the format does not promise alignment): copy it out.
      auto owned = std::make_shared<HostBuffer>(bytes);
      if (bytes) std::memcpy(owned->data(), p, bytes);
      buffer = std::move(owned);
    }
    e.tensor = Tensor(e.shape, *dtype, std::move(buffer));
  }
  std::sort(out.entries.begin(), out.entries.end(),
            [](const SafetensorsEntry& a, const SafetensorsEntry& b) { return a.name < b.name; });
  return out;
}

}  // namespace seedgrid
