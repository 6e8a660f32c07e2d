#include "documented_detection.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

namespace seedgrid::testing {

namespace {

constexpr std::string_view kHeader = "| cheat | same class: noise / step / decode / full |";

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(' ');
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(' ') - b + 1);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string part;
  std::istringstream in(s);
  while (std::getline(in, part, sep)) out.push_back(trim(part));
  return out;
}

// "38 [62]" or "100".
Result<DetectionCell> parse_cell(const std::string& text) {
  DetectionCell c;
  int n = std::sscanf(text.c_str(), "%d [%d]", &c.fail, &c.grey);
  if (n < 1 || c.fail < 0 || c.grey < 0 || c.fail + c.grey > 100)
    return fail("bench/RESULTS.md: detection cell '", text,
                "' is not 'fail %' or 'fail % [grey %]'");
  return c;
}

Result<std::array<DetectionCell, 4>> parse_cells(const std::string& column) {
  const auto parts = split(column, '/');
  if (parts.size() != 4)
    return fail("bench/RESULTS.md: '", column, "' does not list noise / step / decode / full");
  std::array<DetectionCell, 4> out;
  for (std::size_t i = 0; i < 4; ++i) {
    auto c = parse_cell(parts[i]);
    if (!c) return pass_on(c);
    out[i] = *c;
  }
  return out;
}

}  // namespace

std::set<verify::FindingOutcome> DetectionCell::allowed() const {
  std::set<verify::FindingOutcome> out;
  if (pass() > 0) out.insert(verify::FindingOutcome::pass);
  if (grey > 0) out.insert(verify::FindingOutcome::grey);
  if (fail > 0) out.insert(verify::FindingOutcome::fail);
  return out;
}

Result<std::map<std::string, DetectionRow>> parse_detection_table(const std::string& markdown) {
  std::istringstream in(markdown);
  std::string line;
  while (std::getline(in, line) && line.rfind(kHeader, 0) != 0) {
  }
  if (in.eof())
    return fail("bench/RESULTS.md: no detection table (a line starting '", kHeader, "')");
  std::getline(in, line);  // | --- | --- | --- |
  std::map<std::string, DetectionRow> rows;
  while (std::getline(in, line) && line.rfind("| ", 0) == 0) {
    auto cols = split(line.substr(1, line.rfind('|') - 1), '|');
    if (cols.size() != 3)
      return fail("bench/RESULTS.md: detection row '", line, "' has not 3 columns");
    auto same = parse_cells(cols[1]);
    if (!same) return pass_on(same);
    auto cross = parse_cells(cols[2]);
    if (!cross) return pass_on(cross);
    if (!rows.emplace(cols[0], DetectionRow{*same, *cross}).second)
      return fail("bench/RESULTS.md: cheat '", cols[0], "' is listed twice");
  }
  return rows;
}

const std::map<std::string, DetectionRow>& documented_detection() {
  static const std::map<std::string, DetectionRow> rows = [] {
    const std::string path = std::string(SEEDGRID_SOURCE_DIR) + "/bench/RESULTS.md";
    std::ifstream f(path, std::ios::binary);
    std::stringstream text;
    text << f.rdbuf();
    auto parsed = parse_detection_table(text.str());
    if (!f || !parsed) {
      std::fprintf(stderr, "cannot read the detection table of %s: %s\n", path.c_str(),
                   parsed ? "unreadable" : parsed.error().message.c_str());
      std::abort();
    }
    return *parsed;
  }();
  return rows;
}

}  // namespace seedgrid::testing
