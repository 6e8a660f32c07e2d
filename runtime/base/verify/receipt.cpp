#include "runtime/base/verify/receipt.hpp"

#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <set>
#include <sstream>

#include <boost/json.hpp>

#include "runtime/base/crypto/base64.hpp"
#include "runtime/base/crypto/sealed_box.hpp"

namespace seedgrid::verify {

namespace json = boost::json;

static_assert(std::endian::native == std::endian::little,
              "receipts store the final latent as f32 little-endian bytes");

namespace {

// --- writing ---

json::object proof_json(const MerkleProof& p) {
  json::array siblings;
  for (const auto& s : p.siblings) siblings.emplace_back(to_hex(s));
  return {{"index", p.index}, {"leaf_count", p.leaf_count}, {"siblings", std::move(siblings)}};
}

// A sealed receipt's spec leaves out what the box holds.
// A scripted job's parameters as signed (sorted by name, each once): name -> value text.
json::object params_json(const protocol::TaskParams& params) {
  json::object o;
  for (const auto& p : params) o[p.name] = p.value;
  return o;
}

json::object spec_json(const protocol::JobSpec& s, bool sealed) {
  json::object o{{"model_id", s.model_id}, {"task_type", s.task_type}};
  if (!sealed) {
    o["prompt"] = s.prompt;
    o["negative_prompt"] = s.negative_prompt;
    o["seed"] = s.seed;
    if (s.scripted()) o["params"] = params_json(s.params);
  }
  if (s.scripted()) {
    // What the spec hash covers beyond the request: the script's id and the passes it priced.
    o["task_script"] = s.task_script;
    json::array passes;
    for (const auto& p : s.passes)
      passes.push_back(json::object{{"steps", p.steps}, {"pixels", p.pixels}});
    o["passes"] = std::move(passes);
  }
  for (auto& kv :
       json::object{{"steps", s.steps},
                    {"guidance", static_cast<double>(s.guidance)},  // a float is exact as a double
                    {"sampler", s.sampler},
                    {"karras", s.karras},
                    {"width", s.width},
                    {"height", s.height}})
    o[kv.key()] = kv.value();
  return o;
}

json::object result_json(const protocol::JobResult& r) {
  json::array shape;
  for (auto d : r.final_latent_shape) shape.emplace_back(d);
  const auto* latent_bytes = reinterpret_cast<const std::uint8_t*>(r.final_latent.data());
  return {{"job_id", r.job_id},
          {"attempt", r.attempt},
          {"worker", r.worker.hex()},
          {"spec_hash", to_hex(r.spec_hash)},
          {"model_id", r.model_id},
          {"width", r.width},
          {"height", r.height},
          {"output_hash", to_hex(r.output_hash)},
          {"trajectory_root", to_hex(r.trajectory_root)},
          {"determinism_class", r.determinism_class},
          {"render_ms", r.render_ms},
          {"batch_size", r.batch_size},
          {"sampler", r.sampler},
          {"karras", r.karras},
          {"steps", r.steps},
          {"guidance", static_cast<double>(r.guidance)},
          {"precision", r.precision},
          {"leaf_count", r.leaf_count},
          {"initial_proof", proof_json(r.initial_proof)},
          {"final_latent_shape", std::move(shape)},
          {"final_latent", base64_of({latent_bytes, r.final_latent.size() * sizeof(float)})},
          {"final_proof", proof_json(r.final_proof)},
          {"batch_proof", proof_json(r.batch_proof)},
          {"signature", to_hex(r.signature)}};
}

// --- reading ---

std::string kind_of(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "a number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "a value";
}

// Reads one object's fields by name, keeping the first problem with its JSON path; every key
// must be read (unknown keys are errors, as in node configs).
class Fields {
 public:
  Fields(const json::value& v, std::string path, std::optional<Error>& error)
      : path_(std::move(path)), error_(error) {
    object_ = v.if_object();
    if (!object_) problem(path_, "expected an object, got " + kind_of(v));
  }

  bool has(std::string_view key) const { return object_ && object_->if_contains(key); }

  std::string path_of(std::string_view key) const { return path_ + "." + std::string(key); }

  const json::value* raw(std::string_view key) {
    if (!object_) return nullptr;
    seen_.insert(std::string(key));
    const json::value* v = object_->if_contains(key);
    if (!v) problem(path_of(key), "missing");
    return v;
  }

  std::string str(std::string_view key) {
    const json::value* v = raw(key);
    if (!v) return {};
    if (!v->is_string()) return problem(path_of(key), "expected a string, got " + kind_of(*v)), "";
    return std::string(v->get_string());
  }

  bool boolean(std::string_view key) {
    const json::value* v = raw(key);
    if (!v) return false;
    if (!v->is_bool())
      return problem(path_of(key), "expected a boolean, got " + kind_of(*v)), false;
    return v->get_bool();
  }

  std::uint64_t u64(std::string_view key, std::uint64_t max = ~std::uint64_t{0}) {
    const json::value* v = raw(key);
    if (!v) return 0;
    std::uint64_t out = 0;
    if (v->is_uint64())
      out = v->get_uint64();
    else if (v->is_int64() && v->get_int64() >= 0)
      out = static_cast<std::uint64_t>(v->get_int64());
    else
      return problem(path_of(key), "expected a non-negative integer, got " + kind_of(*v)), 0;
    if (out > max)
      return problem(path_of(key),
                     "value " + std::to_string(out) + " is above " + std::to_string(max)),
             0;
    return out;
  }
  std::uint32_t u32(std::string_view key) {
    return static_cast<std::uint32_t>(u64(key, std::numeric_limits<std::uint32_t>::max()));
  }

  float f32(std::string_view key) {
    const json::value* v = raw(key);
    if (!v) return 0.0f;
    if (!v->is_number())
      return problem(path_of(key), "expected a number, got " + kind_of(*v)), 0.0f;
    return static_cast<float>(v->to_number<double>());
  }

  template <class Bytes>
  Bytes hex(std::string_view key) {
    Bytes out{};
    const std::string text = str(key);
    if (error_) return out;
    auto bytes = from_hex(text);
    if (!bytes) return problem(path_of(key), bytes.error().message), out;
    if (bytes->size() != out.size())
      return problem(path_of(key), "expected " + std::to_string(out.size() * 2) +
                                       " hex digits, got " + std::to_string(text.size())),
             out;
    std::memcpy(out.data(), bytes->data(), out.size());
    return out;
  }

  const json::array* array(std::string_view key) {
    const json::value* v = raw(key);
    if (!v) return nullptr;
    if (!v->is_array())
      return problem(path_of(key), "expected an array, got " + kind_of(*v)), nullptr;
    return &v->get_array();
  }

  // Call last: reports a key nobody asked for.
  void finish() {
    if (!object_ || error_) return;
    for (const auto& kv : *object_)
      if (!seen_.contains(std::string(kv.key()))) problem(path_of(kv.key()), "unknown key");
  }

  void problem(const std::string& path, const std::string& what) {
    if (!error_) error_ = Error{path + ": " + what};
  }

 private:
  const json::object* object_ = nullptr;
  std::string path_;
  std::optional<Error>& error_;
  std::set<std::string> seen_;
};

MerkleProof read_proof(Fields& parent, std::string_view key, std::optional<Error>& error) {
  MerkleProof p;
  const json::value* v = parent.raw(key);
  if (!v) return p;
  Fields f(*v, parent.path_of(key), error);
  p.index = f.u32("index");
  p.leaf_count = f.u32("leaf_count");
  if (const json::array* siblings = f.array("siblings")) {
    for (std::size_t i = 0; i < siblings->size() && !error; ++i) {
      const std::string path = f.path_of("siblings") + "[" + std::to_string(i) + "]";
      const json::value& s = (*siblings)[i];
      if (!s.is_string()) {
        f.problem(path, "expected a hex digest, got " + kind_of(s));
        break;
      }
      auto d = digest_from_hex(s.get_string());
      if (!d) {
        f.problem(path, d.error().message);
        break;
      }
      p.siblings.push_back(*d);
    }
  }
  f.finish();
  return p;
}

protocol::TaskParams read_params(Fields& f) {
  protocol::TaskParams params;
  const json::value* v = f.raw("params");
  if (v == nullptr) return params;
  if (!v->is_object()) return f.problem(f.path_of("params"), "expected an object"), params;
  for (const auto& kv : v->get_object()) {
    if (!kv.value().is_string())
      return f.problem(f.path_of("params") + "." + std::string(kv.key()), "expected a string"),
             params;
    params.push_back({std::string(kv.key()), std::string(kv.value().get_string())});
  }
  protocol::sort_task_params(params);
  return params;
}

protocol::JobSpec read_spec(const json::value& v, const std::string& path, bool sealed,
                            std::optional<Error>& error) {
  protocol::JobSpec s;
  Fields f(v, path, error);
  s.model_id = f.str("model_id");
  s.task_type = f.str("task_type");
  if (!sealed) {
    s.prompt = f.str("prompt");
    s.negative_prompt = f.str("negative_prompt");
    s.seed = f.u64("seed");
  }
  s.steps = f.u32("steps");
  s.guidance = f.f32("guidance");
  s.sampler = f.str("sampler");
  s.karras = f.boolean("karras");
  s.width = f.u32("width");
  s.height = f.u32("height");
  if (f.has("task_script")) {
    s.task_script = f.str("task_script");
    if (!sealed) s.params = read_params(f);
    if (const json::array* passes = f.array("passes"))
      for (std::size_t i = 0; i < passes->size() && !error; ++i) {
        Fields pass((*passes)[i], f.path_of("passes") + "[" + std::to_string(i) + "]", error);
        const std::uint32_t steps = pass.u32("steps");
        const std::uint64_t pixels = pass.u64("pixels");
        pass.finish();
        s.passes.push_back({steps, pixels});
      }
  }
  f.finish();
  return s;
}

protocol::Job read_job(const json::value& v, const std::string& path, bool sealed,
                       std::optional<Error>& error) {
  protocol::Job j;
  Fields f(v, path, error);
  j.job_id = f.str("job_id");
  j.request_id = f.str("request_id");
  j.index = f.u32("index");
  j.attempt = f.u32("attempt");
  const std::string tier = f.str("tier");
  if (!error) {
    if (auto t = protocol::tier_from_name(tier))
      j.tier = *t;
    else
      f.problem(f.path_of("tier"), "unknown tier '" + tier + "' (expected fast or relaxed)");
  }
  if (const json::value* spec = f.raw("spec"))
    j.spec = read_spec(*spec, f.path_of("spec"), sealed, error);
  f.finish();
  return j;
}

std::vector<std::uint8_t> read_base64(Fields& f, std::string_view key,
                                      std::optional<Error>& error) {
  const std::string text = f.str(key);
  if (error) return {};
  auto bytes = bytes_of_base64(text);
  if (!bytes) return f.problem(f.path_of(key), "not valid base64"), std::vector<std::uint8_t>{};
  return std::move(*bytes);
}

SealedFields read_sealed(const json::value& v, const std::string& path,
                         std::optional<Error>& error) {
  SealedFields s;
  Fields f(v, path, error);
  s.to.bytes = f.hex<std::array<std::uint8_t, 32>>("to");
  s.box = read_base64(f, "box", error);
  (void)f.array("holds");  // what the box holds, for a person reading the receipt
  f.finish();
  return s;
}

void read_latent(Fields& f, protocol::JobResult& r, std::optional<Error>& error) {
  const auto bytes = read_base64(f, "final_latent", error);
  if (error) return;
  const std::size_t length = bytes.size();
  if (length % sizeof(float) != 0)
    return f.problem(f.path_of("final_latent"),
                     std::to_string(length) + " bytes is not a whole number of f32 values");
  r.final_latent.resize(length / sizeof(float));
  std::memcpy(r.final_latent.data(), bytes.data(), length);
}

protocol::JobResult read_result(const json::value& v, const std::string& path,
                                std::optional<Error>& error) {
  protocol::JobResult r;
  Fields f(v, path, error);
  r.job_id = f.str("job_id");
  r.attempt = f.u32("attempt");
  r.worker.bytes = f.hex<std::array<std::uint8_t, 32>>("worker");
  r.spec_hash = f.hex<Digest>("spec_hash");
  r.model_id = f.str("model_id");
  r.width = f.u32("width");
  r.height = f.u32("height");
  r.output_hash = f.hex<Digest>("output_hash");
  r.trajectory_root = f.hex<Digest>("trajectory_root");
  r.determinism_class = f.str("determinism_class");
  r.render_ms = f.u64("render_ms");
  r.batch_size = f.u32("batch_size");
  r.sampler = f.str("sampler");
  r.karras = f.boolean("karras");
  r.steps = f.u32("steps");
  r.guidance = f.f32("guidance");
  r.precision = f.str("precision");
  r.leaf_count = f.u32("leaf_count");
  r.initial_proof = read_proof(f, "initial_proof", error);
  if (const json::array* shape = f.array("final_latent_shape")) {
    for (std::size_t i = 0; i < shape->size() && !error; ++i) {
      const json::value& d = (*shape)[i];
      if (!d.is_int64() && !d.is_uint64()) {
        f.problem(f.path_of("final_latent_shape") + "[" + std::to_string(i) + "]",
                  "expected an integer, got " + kind_of(d));
        break;
      }
      r.final_latent_shape.push_back(d.is_int64() ? d.get_int64()
                                                  : static_cast<std::int64_t>(d.get_uint64()));
    }
  }
  read_latent(f, r, error);
  r.final_proof = read_proof(f, "final_proof", error);
  // Receipts of earlier releases carry a signature over the result alone, and no batch proof.
  if (f.has("batch_proof")) r.batch_proof = read_proof(f, "batch_proof", error);
  r.signature = f.hex<Signature>("signature");
  f.finish();
  return r;
}

std::vector<ReceiptVerdict> read_verdicts(Fields& parent, std::optional<Error>& error) {
  std::vector<ReceiptVerdict> out;
  const json::array* items = parent.array("verdicts");
  if (!items) return out;
  for (std::size_t i = 0; i < items->size() && !error; ++i) {
    Fields f((*items)[i], parent.path_of("verdicts") + "[" + std::to_string(i) + "]", error);
    ReceiptVerdict v;
    v.outcome = f.str("outcome");
    v.validator = f.str("validator");
    v.detail = f.str("detail");
    f.finish();
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace

ImageReceipt receipt_of(const protocol::Job& job, const protocol::JobResult& result,
                        std::string image_file) {
  return ImageReceipt{job, protocol::without_pixels(result), std::move(image_file), {}};
}

std::string to_json(const ImageReceipt& receipt) {
  const protocol::Job& j = receipt.job;
  json::array verdicts;
  for (const auto& v : receipt.verdicts)
    verdicts.emplace_back(
        json::object{{"outcome", v.outcome}, {"validator", v.validator}, {"detail", v.detail}});
  json::object doc{{"format", kReceiptFormat},
                   {"image_file", receipt.image_file},
                   {"job",
                    {{"job_id", j.job_id},
                     {"request_id", j.request_id},
                     {"index", j.index},
                     {"attempt", j.attempt},
                     {"tier", protocol::tier_name(j.tier)},
                     {"spec", spec_json(j.spec, receipt.sealed.has_value())}}},
                   {"result", result_json(receipt.result)},
                   {"verdicts", std::move(verdicts)}};
  if (receipt.sealed)
    doc["sealed"] = json::object{{"to", receipt.sealed->to.hex()},
                                 {"holds", json::array{"prompt", "negative_prompt", "seed"}},
                                 {"box", base64_of(receipt.sealed->box)}};
  return json::serialize(doc) + "\n";
}

Result<ImageReceipt> parse_receipt(std::string_view text) {
  boost::system::error_code ec;
  const json::value doc = json::parse(text, ec);
  if (ec) return fail("receipt: not valid JSON: ", ec.message());
  std::optional<Error> error;
  ImageReceipt r;
  Fields f(doc, "$", error);
  const std::string format = f.str("format");
  if (!error && format != kReceiptFormat)
    f.problem("$.format", "'" + format + "' is not " + std::string(kReceiptFormat));
  r.image_file = f.str("image_file");
  if (!error && (r.image_file.empty() || r.image_file == "." || r.image_file == ".." ||
                 r.image_file.find_first_of("/\\") != std::string::npos))
    f.problem("$.image_file", "'" + r.image_file + "' is not a file name in the receipt's folder");
  if (f.has("sealed")) r.sealed = read_sealed(*f.raw("sealed"), "$.sealed", error);
  if (const json::value* job = f.raw("job"))
    r.job = read_job(*job, "$.job", r.sealed.has_value(), error);
  if (const json::value* result = f.raw("result"))
    r.result = read_result(*result, "$.result", error);
  r.verdicts = read_verdicts(f, error);
  f.finish();
  if (error) return fail("receipt: ", error->message);
  return r;
}

std::string commitment_json(const protocol::JobResult& result) {
  return json::serialize(
      json::object{{"format", kCommitmentFormat}, {"result", result_json(result)}});
}

Result<protocol::JobResult> parse_commitment(std::string_view text) {
  boost::system::error_code ec;
  const json::value doc = json::parse(text, ec);
  if (ec) return fail("commitment: not valid JSON: ", ec.message());
  std::optional<Error> error;
  protocol::JobResult result;
  Fields f(doc, "$", error);
  const std::string format = f.str("format");
  if (!error && format != kCommitmentFormat)
    f.problem("$.format", "'" + format + "' is not " + std::string(kCommitmentFormat));
  if (const json::value* r = f.raw("result")) result = read_result(*r, "$.result", error);
  f.finish();
  if (error) return fail("commitment: ", error->message);
  return result;
}

Result<void> write_receipt(const std::string& path, const ImageReceipt& receipt) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return fail("cannot write receipt ", path);
  out << to_json(receipt);
  out.close();
  if (!out) return fail("cannot write receipt ", path);
  return {};
}

Result<ImageReceipt> read_receipt(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("cannot read receipt ", path);
  std::ostringstream text;
  text << in.rdbuf();
  auto r = parse_receipt(text.str());
  if (!r) return context(r.error(), path);
  return r;
}

Result<void> seal_private_fields(ImageReceipt& receipt, const PublicKey& requester) {
  protocol::JobSpec& s = receipt.job.spec;
  json::object sealed{
      {"prompt", s.prompt}, {"negative_prompt", s.negative_prompt}, {"seed", s.seed}};
  // A scripted task's text parameters may say as much as its prompt.
  if (s.scripted()) sealed["params"] = params_json(s.params);
  const std::string fields = json::serialize(sealed);
  auto box = seal_to(requester, fields);
  if (!box) return context(box.error(), "sealing the receipt of job ", receipt.job.job_id);
  receipt.sealed = SealedFields{requester, std::move(*box)};
  s.prompt.clear();
  s.negative_prompt.clear();
  s.seed = 0;
  s.params.clear();
  return {};
}

Result<void> open_private_fields(ImageReceipt& receipt, const Identity& requester) {
  if (!receipt.sealed) return {};
  if (receipt.sealed->to != requester.public_key())
    return fail("the receipt of job ", receipt.job.job_id,
                " is of a private request: its prompt and seed are sealed to key ",
                receipt.sealed->to.hex(), ", not to ", requester.node_id(),
                "; give the key that signed the request");
  auto text = requester.open_sealed(receipt.sealed->box);
  if (!text) return context(text.error(), "the receipt of job ", receipt.job.job_id);
  boost::system::error_code ec;
  const json::value v = json::parse(*text, ec);  // Fields keeps a pointer into it
  if (ec) return fail("the receipt's sealed fields are not JSON: ", ec.message());
  std::optional<Error> error;
  Fields f(v, "$.sealed.box", error);
  protocol::JobSpec& s = receipt.job.spec;
  s.prompt = f.str("prompt");
  s.negative_prompt = f.str("negative_prompt");
  s.seed = f.u64("seed");
  if (s.scripted()) s.params = read_params(f);
  f.finish();
  if (error) return fail("the receipt's sealed fields: ", error->message);
  receipt.sealed.reset();
  return {};
}

protocol::JobResult job_result_of(const ImageReceipt& receipt, std::vector<std::uint8_t> pixels) {
  protocol::JobResult r = receipt.result;
  r.pixels = std::move(pixels);
  return r;
}

}  // namespace seedgrid::verify
