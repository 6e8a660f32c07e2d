#include "config/model_thresholds.hpp"

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/json_pretty.hpp"
#include "config/thresholds_fields.hpp"

namespace seedgrid::config {

namespace json = boost::json;

namespace detail {

void read_thresholds(const json::value& v, const std::string& path, ValidatorThresholds& t,
                     Problems& problems, const std::vector<std::string>& also) {
  Fields f(v, path, problems);
  f.number("step_pass", t.step_pass, 0.0, 1e9);
  f.number("step_fail", t.step_fail, 0.0, 1e9);
  f.number("psnr_pass", t.psnr_pass, 0.0, 1000.0);
  f.number("psnr_fail", t.psnr_fail, 0.0, 1000.0);
  f.number("ssim_pass", t.ssim_pass, -1.0, 1.0);
  f.number("ssim_fail", t.ssim_fail, -1.0, 1.0);
  for (const auto& key : also) f.raw(key);
  f.finish();
  if (t.step_fail < t.step_pass) problems.add(path + ".step_fail: must be at least step_pass");
  if (t.psnr_fail > t.psnr_pass) problems.add(path + ".psnr_fail: must be at most psnr_pass");
  if (t.ssim_fail > t.ssim_pass) problems.add(path + ".ssim_fail: must be at most ssim_pass");
}

}  // namespace detail

Result<std::optional<ValidatorThresholds>> read_model_thresholds(const std::string& model_path) {
  std::error_code ec;
  if (!std::filesystem::is_directory(model_path, ec)) return std::nullopt;
  const auto file = std::filesystem::path(model_path) / kModelThresholdsFile;
  if (!std::filesystem::exists(file, ec)) return std::nullopt;
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail("cannot read ", file.string());
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code parse_error;
  const json::value v = json::parse(text.str(), parse_error);
  if (parse_error) return fail(file.string(), ": not JSON (", parse_error.message(), ")");
  // Every field is required: a model's thresholds are all measured or none is.
  detail::Problems problems;
  for (const char* key : {"step_pass", "step_fail", "psnr_pass", "psnr_fail", "ssim_pass",
                          "ssim_fail"})
    if (!v.is_object() || !v.as_object().contains(key))
      problems.add(std::string("$.") + key + ": missing");
  ValidatorThresholds t;
  detail::read_thresholds(v, "$", t, problems, {"measured"});
  if (problems.any()) return fail(file.string(), ":\n", problems.joined());
  return t;
}

std::string model_thresholds_json(const ValidatorThresholds& t, const std::string& measured) {
  return pretty_json(json::object{{"step_pass", t.step_pass},
                                  {"step_fail", t.step_fail},
                                  {"psnr_pass", t.psnr_pass},
                                  {"psnr_fail", t.psnr_fail},
                                  {"ssim_pass", t.ssim_pass},
                                  {"ssim_fail", t.ssim_fail},
                                  {"measured", measured}});
}

}  // namespace seedgrid::config
