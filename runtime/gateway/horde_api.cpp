// AI Horde v2, the routes an image client uses, answered as the AI Horde API reference describes
// them (field names, status codes, the `apikey` header, errors as {"message", "rc"}); seedgrid's
// own facts ride along in extra fields ("seedgrid") that Horde clients ignore.
#include <sodium.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <optional>

#include "runtime/base/crypto/base64.hpp"
#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/crypto/sodium_init.hpp"
#include "runtime/base/image/webp_file.hpp"
#include "runtime/base/protocol/input_image.hpp"
#include "runtime/base/protocol/wire_number.hpp"
#include "runtime/gateway/gateway_parts.hpp"
#include "runtime/gateway/horde_samplers.hpp"
#include "runtime/gateway/input_images.hpp"
#include "runtime/gateway/json_reply.hpp"
#include "runtime/gateway/prompt_text.hpp"

namespace seedgrid::gateway {

namespace json = boost::json;

namespace {

constexpr std::string_view kGenerate = "/api/v2/generate/";
constexpr double kMicrosPerKudos = 1'000'000.0;  // one credit shows as one kudos

// A field of a Horde body; `errors` collects type problems as Horde's ValidationError does.
struct Reader {
  const json::object& o;
  std::string prefix;
  json::object& errors;

  const json::value* get(std::string_view key) const {
    auto it = o.find(key);
    return it == o.end() || it->value().is_null() ? nullptr : &it->value();
  }
  void bad(std::string_view key, std::string_view expected) {
    errors[prefix + std::string(key)] = "expected " + std::string(expected);
  }
  std::optional<std::string> string(std::string_view key) {
    const auto* v = get(key);
    if (!v) return std::nullopt;
    if (!v->is_string()) return bad(key, "a string"), std::nullopt;
    return std::string(v->as_string());
  }
  std::optional<double> number(std::string_view key) {
    const auto* v = get(key);
    if (!v) return std::nullopt;
    if (v->is_double()) return v->as_double();
    if (v->is_int64()) return static_cast<double>(v->as_int64());
    if (v->is_uint64()) return static_cast<double>(v->as_uint64());
    return bad(key, "a number"), std::nullopt;
  }
  // A number the signed request carries as a float: zero or a normal float (a larger one would
  // become an infinity, which the wire cannot carry: protocol/wire_number.hpp).
  std::optional<float> real(std::string_view key) {
    const auto n = number(key);
    if (!n) return std::nullopt;
    const auto f = static_cast<float>(*n);
    if (!protocol::wire_number_ok(f))
      return bad(key, "a number a float holds (0, or 1.2e-38 to 3.4e38 in magnitude)"),
             std::nullopt;
    return f;
  }
  std::optional<std::uint32_t> whole(std::string_view key, std::uint32_t lo, std::uint32_t hi) {
    const auto n = number(key);
    if (!n) return std::nullopt;
    if (*n != std::floor(*n) || *n < lo || *n > hi)
      return bad(key, "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]"),
             std::nullopt;
    return static_cast<std::uint32_t>(*n);
  }
  std::optional<bool> boolean(std::string_view key) {
    const auto* v = get(key);
    if (!v) return std::nullopt;
    if (!v->is_bool()) return bad(key, "true or false"), std::nullopt;
    return v->as_bool();
  }
};

std::uint64_t random_seed() {
  ensure_sodium();
  return randombytes_uniform(0xffffffffu);
}

bool inline_images(const RequestRecord& r) {
  const auto r2 = r.labels.find("r2");
  return r2 != r.labels.end() && r2->second != "true";
}

// The inline WebP of each image of the request that has none yet, encoded outside the book's
// lock (a 512x512 encode would stall every other route) and kept with the image.
void make_inline_webps(RequestBook& book, const std::string& id, const std::string& owner) {
  std::vector<ImageRecord> missing;
  book.read(id, owner, [&](const RequestRecord& r) {
    if (!inline_images(r)) return;
    for (const auto& [index, image] : r.images)
      if (!image.webp_base64) missing.push_back(image);
  });
  for (const auto& image : missing) {
    auto webp = encode_webp(
        RgbImage{static_cast<int>(image.width), static_cast<int>(image.height), image.pixels});
    if (webp) book.keep_webp(image.image_id, std::make_shared<const std::string>(base64_of(*webp)));
  }
}

// Horde's img2img and inpainting: the source image (and mask) become the task script's images
// (models/tasks img2img.lua, inpaint.lua) and denoising_strength its strength. The image is
// rendered at its own size; the reason for a refusal, or empty.
std::string add_source_images(protocol::GenerateRequest& g, const std::string& source,
                              const std::optional<std::string>& processing,
                              const std::optional<std::string>& mask_text,
                              std::optional<double> denoise, bool size_given) {
  const std::string how = processing.value_or("img2img");
  if (how != "img2img" && how != "inpainting")
    return "source_processing '" + how +
           "' is not available on seedgrid; use img2img or inpainting (or the /v1 API's "
           "outpaint task)";
  auto image = decode_upload(source, "source_image");
  if (!image) return image.error().message;
  if (size_given && (g.width != static_cast<std::uint32_t>(image->width) ||
                     g.height != static_cast<std::uint32_t>(image->height)))
    return "source_image is " + std::to_string(image->width) + "x" +
           std::to_string(image->height) + " but params.width x height ask for " +
           std::to_string(g.width) + "x" + std::to_string(g.height) +
           "; seedgrid renders at the source image's size: send it at the size you want, or "
           "leave width and height out";
  g.width = static_cast<std::uint32_t>(image->width);
  g.height = static_cast<std::uint32_t>(image->height);
  g.task_type = how == "img2img" ? "img2img" : "inpaint";
  protocol::attach_input_image(g, "init_image", std::move(*image));
  if (how == "inpainting") {
    if (!mask_text || mask_text->empty())
      return "inpainting needs source_mask (white where to render): seedgrid does not read a "
             "mask from the source image's alpha channel";
    auto mask = decode_upload(*mask_text, "source_mask");
    if (!mask) return mask.error().message;
    protocol::attach_input_image(g, "mask", std::move(*mask));
  }
  if (denoise) g.params.push_back({"strength", json::serialize(json::value(*denoise))});
  protocol::sort_task_params(g.params);
  return {};
}

// Horde's dry_run: what the request would cost, in kudos, and nothing submitted or charged. Priced
// as the coordinator will hold it (a scripted task by what its script declares for it).
HttpResponse dry_run_cost(Gateway::Parts& parts, const protocol::GenerateRequest& g,
                          const protocol::ModelEntry& model) {
  if (!parts.ledger)
    return error_reply(501, "this gateway does not run beside the treasury, so it cannot price a "
                            "dry run", "NoLedger");
  std::int64_t pixel_steps = 0;
  if (g.task_type != protocol::kTaskTxt2Img) {
    const auto snapshot = parts.network->snapshot();
    if (!snapshot.report)
      return error_reply(503, "no answer from the coordinator yet: " + snapshot.error,
                         "CoordinatorUnavailable");
    auto script_id = task_script_id(*snapshot.report, g.task_type);
    if (!script_id) return error_reply(400, script_id.error().message, "ValidationError");
    auto work = parts.task_costs->pixel_steps(*script_id, g);
    if (!work) return error_reply(400, work.error().message, "ValidationError");
    pixel_steps = *work;
  }
  if (auto refused = submit_refusal(parts, g, model))
    return error_reply(400, "the coordinator would refuse this request: " + *refused,
                       "ValidationError");
  auto q = parts.ledger->quote(model.base_render_milliseconds, g.steps, g.width, g.height,
                               g.tier == protocol::Tier::relaxed, g.count, pixel_steps);
  if (!q) return error_reply(400, q.error().message, "ValidationError");
  return json_reply(200, json::object{{"kudos", static_cast<double>(q->total) / kMicrosPerKudos}});
}

void async_generate(Gateway::Parts& parts, const HttpRequest& request, const Reply& reply) {
  auto user = authenticate(parts, request, reply);
  if (!user) return;
  auto body = parse_json_object(request.body);
  if (!body) return reply(error_reply(400, body.error().message, "ValidationError"));
  json::object errors;
  Reader top{*body, "", errors};
  const auto prompt = top.string("prompt");
  if (!prompt && !errors.contains("prompt")) errors["prompt"] = "required";
  json::object empty;
  const json::value* params_value = top.get("params");
  if (params_value && !params_value->is_object()) errors["params"] = "expected an object";
  const json::object& params =
      params_value && params_value->is_object() ? params_value->as_object() : empty;
  Reader p{params, "params.", errors};
  const auto sampler_name = p.string("sampler_name");
  const auto cfg = p.real("cfg_scale");
  const auto seed_text = p.string("seed");
  const auto width = p.whole("width", 8, 4096);
  const auto height = p.whole("height", 8, 4096);
  const auto steps = p.whole("steps", 1, 500);
  const auto n = p.whole("n", 1, 512);
  const auto karras = p.boolean("karras");
  const auto denoise = p.number("denoising_strength");
  const auto r2 = top.boolean("r2");
  const auto dry_run = top.boolean("dry_run");
  const auto source_image = top.string("source_image");
  const auto source_processing = top.string("source_processing");
  const auto source_mask = top.string("source_mask");
  std::string model_name;
  if (const auto* models = top.get("models")) {
    if (!models->is_array()) {
      errors["models"] = "expected an array of model names";
    } else if (!models->as_array().empty()) {
      const auto& first = models->as_array().front();
      if (!first.is_string())
        errors["models"] = "expected an array of model names";
      else
        model_name = std::string(first.as_string());
    }
  }
  if (!errors.empty()) {
    json::object out{{"message", "Input payload validation failed"},
                     {"rc", "ValidationError"},
                     {"errors", errors}};
    return reply(json_reply(400, out));
  }
  // The whole prompt, before its "###" split: the field and the position its client knows.
  if (auto refused = prompt_text_refusal(*prompt))
    return reply(json_reply(400, json::object{{"message", "field \"prompt\": " + *refused},
                                              {"rc", "ValidationError"},
                                              {"errors", json::object{{"prompt", *refused}}}}));
  std::string sampler = "euler_a";  // Horde's default, k_euler_a
  if (sampler_name) {
    auto ours = sampler_from_horde(*sampler_name);
    if (!ours)
      return reply(error_reply(400,
                               "sampler '" + *sampler_name +
                                   "' is not available on seedgrid; use " +
                                   std::string(horde_sampler_list()),
                               "SamplerNotAvailable"));
    sampler = *ours;
  }
  // Horde takes any string as a seed: a whole number is used as it is, "-1" (what clients send
  // for "random", after AUTOMATIC1111) or nothing draws one, any other text is hashed (strtoull
  // alone turned every negative and every number past 2^64 into one and the same seed).
  std::uint64_t seed = 0;
  const bool digits = seed_text && !seed_text->empty() &&
                      std::all_of(seed_text->begin(), seed_text->end(),
                                  [](char c) { return c >= '0' && c <= '9'; });
  errno = 0;
  const std::uint64_t parsed = digits ? std::strtoull(seed_text->c_str(), nullptr, 10) : 0;
  if (!seed_text || seed_text->empty() || *seed_text == "-1")
    seed = random_seed();
  else if (digits && errno != ERANGE)
    seed = parsed;
  else
    seed = first_word(blake2b(*seed_text)) & 0xffffffffULL;  // a word: its hash's first 4 bytes
  const std::uint32_t count = n.value_or(1);
  if (user->name == "anonymous" && count > parts.config.anonymous_max_count)
    return reply(error_reply(403,
                             "anonymous requests may ask for at most " +
                                 std::to_string(parts.config.anonymous_max_count) +
                                 " image(s); use an API key for more",
                             "AnonymousLimit"));
  auto model = resolve_model(parts, model_name, reply);
  if (!model) return;

  protocol::GenerateRequest g;
  g.request_id = new_request_id();
  g.model_id = model->model_id;
  const auto split = prompt->find("###");
  g.prompt = prompt->substr(0, split);
  if (split != std::string::npos) g.negative_prompt = prompt->substr(split + 3);
  g.seed = seed;
  g.steps = steps.value_or(30);
  g.guidance = cfg.value_or(7.5f);
  g.sampler = sampler;
  // Horde's default is Karras; DDIM has no Karras schedule, where Horde ignores the flag.
  g.karras = sampler != "ddim" && karras.value_or(true);
  g.width = width.value_or(512);
  g.height = height.value_or(512);
  g.count = count;
  if (source_image && !source_image->empty())
    if (auto refused = add_source_images(g, *source_image, source_processing, source_mask, denoise,
                                         width.has_value() || height.has_value());
        !refused.empty())
      return reply(error_reply(400, refused, "ValidationError"));
  if (dry_run.value_or(false)) return reply(dry_run_cost(parts, g, *model));
  protocol::sign_request(g, *user->key);
  const std::string id = g.request_id;
  parts.book->submit(
      std::move(g), user->name, user->key, model->name,
      [reply, id, inline_images = r2.has_value() && !*r2](const Result<protocol::SubmitAck>& ack) {
        if (!ack) {
          const auto [status, rc] = http_error_of(ack.error());
          return reply(error_reply(status, ack.error().message, rc));
        }
        json::object out{{"id", id},
                         {"kudos", static_cast<double>(ack->quoted) / kMicrosPerKudos},
                         {"message", ""},
                         {"warnings", json::array{}}};
        out["seedgrid"] =
            json::object{{"quoted", ack->quoted}, {"jobs", ack->jobs}, {"r2", !inline_images}};
        reply(json_reply(202, out));
      },
      {{"r2", r2.value_or(true) ? "true" : "false"}});
}

// Horde's check fields from a request's state.
json::object check_json(const RequestRecord& r) {
  std::uint32_t finished = 0, processing = 0, waiting = 0;
  for (auto s : r.jobs) {
    finished += s == JobState::done;
    processing += s == JobState::processing;
    waiting += s == JobState::waiting;
  }
  const bool faulted =
      r.phase == Phase::refused ||
      (r.phase == Phase::completed && r.completed.delivered == 0 && r.completed.failed > 0);
  std::uint32_t wait_time = r.eta_seconds();
  return {{"finished", finished},
          {"processing", processing},
          {"restarted", r.retries},
          {"waiting", r.finished() ? 0u : waiting},
          {"done", r.phase == Phase::completed},
          {"faulted", faulted},
          {"wait_time", wait_time},
          {"queue_position", r.queue_position},
          {"kudos", static_cast<double>(r.quoted) / kMicrosPerKudos},
          {"is_possible", r.phase != Phase::refused}};
}

json::object generation_json(const RequestRecord& r, const ImageRecord& image,
                             const std::string& base_url) {
  json::object g{{"worker_id", image.worker},
                 {"worker_name", "worker-" + image.worker.substr(0, 8)},
                 {"model", r.model_name},
                 {"state", "ok"},
                 {"seed", std::to_string(image.seed)},
                 {"id", image.image_id},
                 {"censored", false},
                 {"gen_metadata", json::array{}}};
  if (!inline_images(r)) {
    g["img"] = base_url + "/v1/images/" + image.image_id + ".webp";
  } else if (image.webp_base64) {
    g["img"] = *image.webp_base64;
  } else {
    g["img"] = "";
    g["state"] = "faulted";
  }
  json::value receipt = image.receipt ? *image.receipt : json::value(nullptr);
  g["seedgrid"] = json::object{{"audit", image.audit},
                               {"determinism_class", image.determinism_class},
                               {"output_hash", image.output_hash},
                               {"charged", image.money.charged},
                               {"worker_paid", image.money.worker_paid},
                               {"settlement", image.money.reference},
                               {"png", base_url + "/v1/images/" + image.image_id},
                               {"receipt", receipt}};
  return g;
}

// The configured public URL; else the Host the client named, when it is a host name (a forged
// one could put any text into the links), else the listen address.
std::string base_url_of(const Gateway::Parts& parts, const HttpRequest& request) {
  if (!parts.config.public_url.empty()) return parts.config.public_url;
  const auto host = request.header("host");
  const bool plain =
      !host.empty() && host.size() <= 255 && std::all_of(host.begin(), host.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
               c == '[' || c == ']';
      });
  if (plain) return "http://" + host;
  const auto& listen = parts.config.listen;  // port 0 (any free one) is not known here
  return "http://" + listen.host + (listen.port ? ":" + std::to_string(listen.port) : "");
}

// Horde's check answer, and with the generations its status answer, of one request.
void build_status(const RequestRecord& r, const std::string& base, bool with_generations,
                  json::object& out) {
  out = check_json(r);
  if (!with_generations) return;
  json::array generations;
  for (const auto& [index, image] : r.images)
    generations.push_back(generation_json(r, image, base));
  out["generations"] = std::move(generations);
  out["shared"] = false;
  json::object extra{
      {"request_id", r.id}, {"quoted", r.quoted}, {"cancel_requested", r.cancel_requested}};
  if (r.phase == Phase::refused)
    extra["refused"] =
        json::object{{"code", std::string(protocol::error_code_name(r.refusal.code))},
                     {"message", r.refusal.reason}};
  if (r.phase == Phase::completed)
    extra["completed"] = json::object{{"delivered", r.completed.delivered},
                                      {"failed", r.completed.failed},
                                      {"cancelled", r.completed.cancelled},
                                      {"charged", r.completed.total_charged},
                                      {"refunded", r.completed.refunded}};
  out["seedgrid"] = std::move(extra);
}

void check_or_status(Gateway::Parts& parts, const HttpRequest& request, const Reply& reply,
                     const std::string& id, bool with_generations) {
  // Horde's check needs no key: a client polls it with the id its submit returned (the id is the
  // capability, as on AI Horde), and it holds counts only, so any caller with the id reads it (a
  // key sent with it must still be known). The status, which carries the images, and a cancel
  // are the owner's.
  if (!with_generations && request.method != "DELETE") {
    std::optional<User> caller;
    if (!api_key_of(request).empty() && !(caller = authenticate(parts, request, reply))) return;
    json::object out;
    const bool found = parts.book->read_by_id(id, [&](const RequestRecord& r) {
      build_status(r, base_url_of(parts, request), false, out);
    });
    if (!found)
      return reply(caller ? request_not_found(parts, id, caller->name)
                          : error_reply(404, "no request " + id, "RequestNotFound"));
    return reply(json_reply(200, out));
  }
  auto user = authenticate(parts, request, reply);
  if (!user) return;
  if (request.method == "DELETE") parts.book->cancel(id, user->name);
  json::object out;
  std::string body;  // the answer when a cached one still holds
  const std::string base = base_url_of(parts, request);
  if (with_generations) make_inline_webps(*parts.book, id, user->name);
  const bool found = parts.book->read(id, user->name, [&](const RequestRecord& r) {
    std::string key;
    if (with_generations && r.finished()) {
      std::size_t inline_images = 0;
      for (const auto& [index, image] : r.images) inline_images += image.webp_base64 ? 1 : 0;
      key = base + "\n" + std::to_string(r.events.size()) + "\n" +
            std::to_string(inline_images) + "\n" + (r.cancel_requested ? "c" : "");
      if (key == r.answer_key) {
        body = r.answer_body;
        return;
      }
    }
    build_status(r, base, with_generations, out);
    if (!key.empty()) {
      r.answer_key = std::move(key);
      r.answer_body = json::serialize(out);
    }
  });
  if (!found) return reply(request_not_found(parts, id, user->name));
  if (!body.empty()) return reply(HttpResponse{200, "application/json", std::move(body), {}, {}});
  reply(json_reply(200, out));
}


void models(Gateway::Parts& parts, const Reply& reply) {
  const auto snapshot = parts.network->snapshot();
  json::array out;
  if (snapshot.report) {
    for (const auto& m : snapshot.report->models) {
      std::uint32_t count = 0;
      std::uint64_t speed = 0;
      for (const auto& n : snapshot.report->nodes) {
        if (n.role != protocol::Role::worker || !n.connected) continue;
        const auto& ms = n.capabilities.models;
        if (std::find(ms.begin(), ms.end(), m.model_id) == ms.end()) continue;
        ++count;
        speed += n.capabilities.pixel_steps_per_second;
      }
      out.push_back(json::object{
          {"name", m.name},
          {"count", count},
          {"performance", static_cast<double>(speed) / 1e6},
          {"queued", snapshot.report->jobs_queued},
          {"jobs", snapshot.report->jobs_queued + snapshot.report->jobs_running},
          {"eta", 0},
          {"type", "image"},
          {"seedgrid", json::object{{"model_id", m.model_id}, {"creator", m.creator}}}});
    }
  }
  reply(json_reply(200, out));
}

void workers(Gateway::Parts& parts, const Reply& reply) {
  const auto snapshot = parts.network->snapshot();
  json::array out;
  if (snapshot.report) {
    std::map<std::string, std::string> names;
    for (const auto& m : snapshot.report->models) names[m.model_id] = m.name;
    for (const auto& n : snapshot.report->nodes) {
      if (n.role != protocol::Role::worker) continue;
      json::array models;
      for (const auto& id : n.capabilities.models)
        models.push_back(json::value(names.count(id) ? names[id] : id));
      const std::string id = n.node.hex();
      out.push_back(json::object{
          {"type", "image"},
          // Its configured name as it signed it; an id-based one while it has not registered.
          {"name", n.name.empty() ? "worker-" + id.substr(0, 8) : n.name},
          {"id", id},
          {"online", n.connected},
          {"requests_fulfilled", n.jobs_done},
          {"kudos_rewards", 0},
          {"performance", std::to_string(n.capabilities.pixel_steps_per_second) + " pixel-steps/s"},
          {"threads", n.capabilities.max_inflight},
          {"uptime", n.connected_seconds},
          {"maintenance_mode", n.blacklisted},
          {"nsfw", false},
          {"trusted", n.reputation >= 0.5},
          {"models", models},
          {"seedgrid", json::object{{"reputation", n.reputation},
                                    {"determinism_class", n.capabilities.determinism_class},
                                    {"device", n.capabilities.device},
                                    {"fast_tier", n.fast_tier},
                                    {"audits_passed", n.audits_passed},
                                    {"audits_failed", n.audits_failed},
                                    {"audit_rate", n.audit_rate}}}});
    }
  }
  reply(json_reply(200, out));
}

void find_user(Gateway::Parts& parts, const HttpRequest& request, const Reply& reply) {
  auto user = authenticate(parts, request, reply);
  if (!user) return;
  double kudos = 0;
  json::object extra{{"account", user->account()}};
  if (parts.ledger) {
    if (auto b = parts.ledger->balance(user->account())) {
      kudos = static_cast<double>(*b) / kMicrosPerKudos;
      extra["balance"] = *b;
    }
  }
  const auto requests = parts.book->list(user->name);
  reply(json_reply(200,
                   json::object{{"username", user->name + "#" + user->key->node_id().substr(0, 8)},
                                {"id", 0},
                                {"kudos", kudos},
                                {"concurrency", parts.config.burst},
                                {"worker_count", 0},
                                {"usage", json::object{{"requests", requests.size()}}},
                                {"seedgrid", extra}}));
}

}  // namespace

bool horde_route(Gateway::Parts& parts, const HttpRequest& request, const Reply& reply) {
  const std::string& path = request.path;
  if (path.rfind("/api/v2/", 0) != 0) return false;
  // The methods were checked against route_table.cpp before any route ran.
  if (path == "/api/v2/generate/async") {
    async_generate(parts, request, reply);
    return true;
  }
  if (path.rfind(std::string(kGenerate) + "check/", 0) == 0) {
    check_or_status(parts, request, reply, path.substr(kGenerate.size() + 6), false);
    return true;
  }
  if (path.rfind(std::string(kGenerate) + "status/", 0) == 0) {
    check_or_status(parts, request, reply, path.substr(kGenerate.size() + 7), true);
    return true;
  }
  if (path == "/api/v2/status/heartbeat") {
    reply(json_reply(200, json::object{{"message", "OK"}, {"version", "seedgrid"}}));
    return true;
  }
  if (path == "/api/v2/status/models") {
    models(parts, reply);
    return true;
  }
  if (path == "/api/v2/workers") {
    workers(parts, reply);
    return true;
  }
  if (path == "/api/v2/find_user") {
    find_user(parts, request, reply);
    return true;
  }
  reply(error_reply(404, "no AI Horde route " + request.method_sent() + " " + path + " on seedgrid",
                    "NotFound"));
  return true;
}

}  // namespace seedgrid::gateway
