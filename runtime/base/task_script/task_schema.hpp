#pragma once
// What a task script declares about itself: its parameters (name, type, range or choices,
// default) and, for given parameters, the sampler passes it will run (steps and pixels of each),
// which is what pricing reads. Parameter values are checked against the schema before a script
// runs, with errors that name the parameter and the value.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "models/pipeline/rgb_image.hpp"
#include "models/result.hpp"

namespace seedgrid::task_script {

enum class ParamType { integer, number, string, boolean, image };

std::string_view param_type_name(ParamType type);  // "int", "number", "string", "bool", "image"
Result<ParamType> parse_param_type(std::string_view name);

using ParamValue = std::variant<std::int64_t, double, std::string, bool, RgbImage>;
// Ordered by name, so anything built from the values (a hash, a list) has one order.
using ParamValues = std::map<std::string, ParamValue>;

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::string;
  std::optional<double> min, max;           // int and number only, inclusive
  std::vector<std::string> choices;         // string only; empty means any string
  std::optional<ParamValue> default_value;  // none: the parameter is required (images always are)
  std::string help;
};

struct TaskSchema {
  std::string name;
  std::string description;
  std::vector<ParamSpec> params;  // in declaration order

  const ParamSpec* find(std::string_view name) const;
};

// One sampler pass the script declares it will run.
struct PassCost {
  std::int64_t steps = 0;   // sampler steps run
  std::int64_t pixels = 0;  // width * height of the image the pass's latent stands for

  bool operator==(const PassCost&) const = default;
};

// A schema's own consistency: names (identifiers, unique), ranges, choices and defaults.
Result<void> check_schema(const TaskSchema& schema);

// A command-line value ("steps=30") for a parameter of type int, number, string or bool; images
// are read from files by the caller.
Result<ParamValue> parse_param_text(const ParamSpec& spec, std::string_view text);

// `given` checked against the schema (no unknown name, each value of its type, in its range or
// choices) and completed with the defaults; an error names the parameter and the value.
Result<ParamValues> resolve_params(const TaskSchema& schema, const ParamValues& given);

// "30", "7.5", "\"a cat\"", "true", "image 64x64": a value as a person reads it.
std::string describe_value(const ParamValue& value);

}  // namespace seedgrid::task_script
