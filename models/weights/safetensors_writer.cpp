#include "models/weights/safetensors_writer.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "models/json/json_write.hpp"
#include "models/weights/safetensors_dtype.hpp"

namespace seedgrid {

namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

}  // namespace

Result<void> write_safetensors(const std::string& path, std::vector<TensorSpec> specs,
                               const std::function<Result<Tensor>(const TensorSpec&)>& produce,
                               const SafetensorsMetadata& metadata) {
  std::sort(specs.begin(), specs.end(),
            [](const TensorSpec& a, const TensorSpec& b) { return a.name < b.name; });
  for (std::size_t i = 1; i < specs.size(); ++i)
    if (specs[i].name == specs[i - 1].name)
      return fail("writing ", path, ": tensor \"", specs[i].name, "\" appears twice");

  json::Value header = json::Object{};
  if (!metadata.empty()) {
    json::Value meta = json::Object{};
    for (const auto& [k, v] : metadata) meta.set(k, v);
    header.set("__metadata__", std::move(meta));
  }
  std::int64_t offset = 0;
  for (const auto& s : specs) {
    json::Array shape;
    for (auto d : s.shape) shape.emplace_back(d);
    const auto bytes = shape_numel(s.shape) * static_cast<std::int64_t>(dtype_size(s.dtype));
    json::Value entry = json::Object{};
    entry.set("dtype", safetensors_dtype_name(s.dtype));
    entry.set("shape", std::move(shape));
    entry.set("data_offsets", json::Array{offset, offset + bytes});
    header.set(s.name, std::move(entry));
    offset += bytes;
  }
  std::string text = json::write(header);
  text.append((8 - text.size() % 8) % 8, ' ');

  const std::string partial = path + ".partial";
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(partial.c_str(), "wb"));
  if (!f) return fail("cannot create ", partial, ": ", std::strerror(errno));
  const auto write_error = [&](const char* what) {
    const int err = errno;
    f.reset();
    std::remove(partial.c_str());
    return fail("writing ", partial, " (", what, "): ", std::strerror(err));
  };
  unsigned char length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<unsigned char>(text.size() >> (8 * i));
  if (std::fwrite(length, 1, 8, f.get()) != 8 ||
      std::fwrite(text.data(), 1, text.size(), f.get()) != text.size())
    return write_error("header");
  for (const auto& s : specs) {
    auto t = produce(s);
    if (!t) {
      f.reset();
      std::remove(partial.c_str());
      return context(t.error(), "writing ", path);
    }
    if (t->dtype() != s.dtype || t->shape() != s.shape || t->device() != Device::cpu) {
      f.reset();
      std::remove(partial.c_str());
      return fail("writing ", path, ": tensor \"", s.name, "\" was produced as ", t->describe(),
                  ", expected ", dtype_name(s.dtype), shape_string(s.shape), " on cpu");
    }
    if (t->bytes() && std::fwrite(t->raw(), 1, t->bytes(), f.get()) != t->bytes())
      return write_error(s.name.c_str());
  }
  if (std::fflush(f.get()) != 0) return write_error("flush");
  f.reset();
  if (std::rename(partial.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(partial.c_str());
    return fail("cannot rename ", partial, " to ", path, ": ", std::strerror(err));
  }
  return {};
}

Result<void> write_safetensors(const std::string& path,
                               const std::map<std::string, Tensor>& tensors,
                               const SafetensorsMetadata& metadata) {
  std::vector<TensorSpec> specs;
  for (const auto& [name, t] : tensors) specs.push_back({name, t.dtype(), t.shape()});
  return write_safetensors(
      path, std::move(specs),
      [&](const TensorSpec& s) -> Result<Tensor> {
        const Tensor& t = tensors.at(s.name);
        if (t.device() != Device::cpu) return fail("tensor \"", s.name, "\" is not on the host");
        return t;
      },
      metadata);
}

}  // namespace seedgrid
