#include "runtime/base/image/generation_parameters.hpp"

#include <cstdio>

namespace seedgrid {

namespace {

constexpr std::string_view kNegativePrefix = "Negative prompt: ";

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string quoted_if_needed(std::string_view v) {
  if (v.find_first_of(",:\"") == std::string_view::npos) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out + "\"";
}

// A quoted value starting at text[at] (a '"'); returns the unquoted value and moves `at` past it.
Result<std::string> read_quoted(std::string_view text, std::size_t& at) {
  std::string out;
  for (std::size_t i = at + 1; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      const char next = text[++i];
      out.push_back(next == 'n' ? '\n' : next);
    } else if (text[i] == '"') {
      at = i + 1;
      return out;
    } else {
      out.push_back(text[i]);
    }
  }
  return fail("generation parameters: an unterminated quoted value");
}

Result<std::vector<std::pair<std::string, std::string>>> parse_fields(std::string_view line) {
  std::vector<std::pair<std::string, std::string>> fields;
  std::size_t at = 0;
  while (at < line.size()) {
    const std::size_t colon = line.find(": ", at);
    if (colon == std::string_view::npos)
      return fail("generation parameters: '", std::string(line.substr(at)),
                  "' is not 'Key: value'");
    std::string key(line.substr(at, colon - at));
    at = colon + 2;
    std::string value;
    if (at < line.size() && line[at] == '"') {
      auto q = read_quoted(line, at);
      if (!q) return pass_on(q);
      value = std::move(*q);
    } else {
      const std::size_t comma = line.find(", ", at);
      value = std::string(
          line.substr(at, comma == std::string_view::npos ? std::string_view::npos : comma - at));
      at = comma == std::string_view::npos ? line.size() : comma;
    }
    if (at < line.size()) {
      if (line.substr(at, 2) != ", ")
        return fail("generation parameters: expected ', ' after the value of '", key, "'");
      at += 2;
    }
    fields.emplace_back(std::move(key), std::move(value));
  }
  return fields;
}

}  // namespace

std::string format_generation_parameters(const GenerationSpec& spec, std::string_view model_id,
                                         std::string_view model_name) {
  std::string out = spec.prompt;
  if (!spec.negative_prompt.empty())
    out += "\n" + std::string(kNegativePrefix) + spec.negative_prompt;
  out += "\nSteps: " + std::to_string(spec.steps);
  out += ", Sampler: " + std::string(sampler_display_name(spec.sampler));
  if (spec.karras) out += ", Schedule type: Karras";
  out += ", CFG scale: " + number(spec.guidance);
  out += ", Seed: " + std::to_string(spec.seed);
  out += ", Size: " + std::to_string(spec.width) + "x" + std::to_string(spec.height);
  out += ", Model hash: " + std::string(model_id.substr(0, 10));
  out += ", Model: " + quoted_if_needed(model_name);
  if (spec.init_image) out += ", Denoising strength: " + number(spec.strength);
  return out;
}

const std::string* GenerationParameters::find(std::string_view key) const {
  for (const auto& [k, v] : fields)
    if (k == key) return &v;
  return nullptr;
}

Result<GenerationParameters> parse_generation_parameters(std::string_view text) {
  const std::size_t last_newline = text.rfind('\n');
  if (last_newline == std::string_view::npos)
    return fail("generation parameters have no 'Steps: ...' line");
  auto fields = parse_fields(text.substr(last_newline + 1));
  if (!fields) return pass_on(fields);
  GenerationParameters p;
  p.fields = std::move(*fields);
  const std::string_view head = text.substr(0, last_newline);
  const std::size_t negative = head.find("\n" + std::string(kNegativePrefix));
  if (negative != std::string_view::npos) {
    p.prompt = std::string(head.substr(0, negative));
    p.negative_prompt = std::string(head.substr(negative + 1 + kNegativePrefix.size()));
  } else if (head.starts_with(kNegativePrefix)) {
    p.negative_prompt = std::string(head.substr(kNegativePrefix.size()));
  } else {
    p.prompt = std::string(head);
  }
  return p;
}

}  // namespace seedgrid
