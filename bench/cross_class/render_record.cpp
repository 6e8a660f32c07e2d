#include "bench/cross_class/render_record.hpp"

#include <cstring>
#include <fstream>
#include <sstream>

#include "models/samplers/sampler_kind.hpp"

namespace seedgrid::bench {
namespace {

std::vector<std::string> fields(const std::string& line) {
  std::vector<std::string> out;
  std::size_t at = 0;
  for (;;) {
    const std::size_t tab = line.find('\t', at);
    out.push_back(line.substr(at, tab == std::string::npos ? std::string::npos : tab - at));
    if (tab == std::string::npos) return out;
    at = tab + 1;
  }
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("cannot read ", path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Result<void> write_file(const std::string& path, const void* data, std::size_t bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
  if (!out) return fail("cannot write ", path);
  return {};
}

}  // namespace

Result<void> write_index(const RecordFolder& folder) {
  std::ostringstream s;
  s << "# class " << folder.determinism_class << "\tmodel " << folder.model_id << "\n";
  s << "job\tprompt\tseed\tsampler\tsteps\tguidance\twidth\theight\tC\th\tw\n";
  for (const auto& j : folder.jobs) {
    if (j.spec.prompt.find_first_of("\t\n") != std::string::npos)
      return fail("prompt of ", j.name, " has a tab or newline: '", j.spec.prompt, "'");
    s << j.name << '\t' << j.spec.prompt << '\t' << j.spec.seed << '\t'
      << sampler_kind_name(j.spec.sampler) << '\t' << j.spec.steps << '\t' << j.spec.guidance
      << '\t' << j.spec.width << '\t' << j.spec.height << '\t' << j.latent_shape[1] << '\t'
      << j.latent_shape[2] << '\t' << j.latent_shape[3] << '\n';
  }
  const std::string text = s.str();
  return write_file(folder.dir + "/renders.tsv", text.data(), text.size());
}

Result<RecordFolder> read_index(const std::string& dir) {
  const std::string path = dir + "/renders.tsv";
  auto text = read_file(path);
  if (!text) return pass_on(text);
  RecordFolder folder;
  folder.dir = dir;
  std::istringstream in(*text);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (number == 1) {
      const auto head = fields(line);
      if (head.size() != 2 || head[0].rfind("# class ", 0) != 0 || head[1].rfind("model ", 0) != 0)
        return fail(path, ":1: expected '# class <class>\\tmodel <id>', found '", line, "'");
      folder.determinism_class = head[0].substr(8);
      folder.model_id = head[1].substr(6);
      continue;
    }
    if (number == 2 || line.empty()) continue;
    const auto f = fields(line);
    if (f.size() != 11) return fail(path, ":", number, ": expected 11 fields, found ", f.size());
    RecordedJob j;
    j.name = f[0];
    j.spec.prompt = f[1];
    j.spec.negative_prompt.clear();
    try {
      j.spec.seed = std::stoull(f[2]);
      auto sampler = parse_sampler_kind(f[3]);
      if (!sampler) return fail(path, ":", number, ": ", sampler.error().message);
      j.spec.sampler = *sampler;
      j.spec.steps = std::stoi(f[4]);
      j.spec.guidance = std::stof(f[5]);
      j.spec.width = std::stoi(f[6]);
      j.spec.height = std::stoi(f[7]);
      j.latent_shape = {1, std::stoll(f[8]), std::stoll(f[9]), std::stoll(f[10])};
    } catch (const std::exception&) {
      return fail(path, ":", number, ": a number field does not parse: '", line, "'");
    }
    folder.jobs.push_back(std::move(j));
  }
  return folder;
}

Result<void> write_latents(const std::string& path, const std::vector<Tensor>& latents) {
  std::vector<float> all;
  for (const auto& t : latents) all.insert(all.end(), t.f32(), t.f32() + t.numel());
  return write_file(path, all.data(), all.size() * sizeof(float));
}

Result<std::vector<Tensor>> read_latents(const std::string& path, const Shape& shape) {
  auto bytes = read_file(path);
  if (!bytes) return pass_on(bytes);
  const std::size_t each = static_cast<std::size_t>(shape_numel(shape)) * sizeof(float);
  if (each == 0 || bytes->size() % each != 0)
    return fail(path, ": ", bytes->size(), " bytes is not a whole number of latents of ", each,
                " bytes");
  std::vector<Tensor> out;
  for (std::size_t at = 0; at < bytes->size(); at += each) {
    Tensor t = Tensor::host(shape);
    std::memcpy(t.f32(), bytes->data() + at, each);
    out.push_back(std::move(t));
  }
  return out;
}

Result<void> write_pixels(const std::string& path, const RgbImage& image) {
  return write_file(path, image.pixels.data(), image.pixels.size());
}

Result<RgbImage> read_pixels(const std::string& path, int width, int height) {
  auto bytes = read_file(path);
  if (!bytes) return pass_on(bytes);
  RgbImage image;
  image.width = width;
  image.height = height;
  if (bytes->size() != static_cast<std::size_t>(width) * height * 3)
    return fail(path, ": ", bytes->size(), " bytes, expected ", width, "x", height, "x3");
  image.pixels.assign(bytes->begin(), bytes->end());
  return image;
}

}  // namespace seedgrid::bench
