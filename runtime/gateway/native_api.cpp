// The native API, /v1: every parameter a seedgrid request has, strict about unknown fields, with
// events as Server-Sent Events and images as PNG (with their "parameters" text) and receipts.
#include <sodium.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "models/pipeline/generation_spec.hpp"
#include "models/samplers/sampler_kind.hpp"
#include "runtime/base/crypto/sodium_init.hpp"
#include "runtime/base/image/generation_parameters.hpp"
#include "runtime/base/image/png_file.hpp"
#include "runtime/base/image/webp_file.hpp"
#include "runtime/base/protocol/input_image.hpp"
#include "runtime/base/protocol/wire_number.hpp"
#include "runtime/gateway/event_stream.hpp"
#include "runtime/gateway/gateway_parts.hpp"
#include "runtime/gateway/input_images.hpp"
#include "runtime/gateway/json_reply.hpp"
#include "runtime/gateway/native_request_view.hpp"
#include "runtime/gateway/prompt_text.hpp"

namespace seedgrid::gateway {

namespace json = boost::json;

namespace {

const std::set<std::string> kCreateFields = {
    "prompt", "negative_prompt", "model", "seed", "steps",   "cfg",       "sampler",   "karras",
    "width",  "height",          "count", "tier", "private", "task_type", "request_id",
    "params", "input_images"};

// Typed reads of a /v1 body; the first problem names the field.
struct Strict {
  const json::object& o;
  std::string error;
  const json::value* get(const char* key) {
    auto it = o.find(key);
    return it == o.end() ? nullptr : &it->value();
  }
  void bad(const char* key, const char* expected, const json::value& v) {
    if (error.empty())
      error = std::string("field \"") + key + "\": expected " + expected + ", got " +
              json::serialize(v);
  }
  void str(const char* key, std::string& out) {
    if (auto* v = get(key)) {
      if (v->is_string())
        out = std::string(v->as_string());
      else
        bad(key, "a string", *v);
    }
  }
  void boolean(const char* key, bool& out) {
    if (auto* v = get(key)) {
      if (v->is_bool())
        out = v->as_bool();
      else
        bad(key, "true or false", *v);
    }
  }
  template <class N>
  void whole(const char* key, N& out, std::uint64_t max) {
    if (auto* v = get(key)) {
      if (v->is_int64() && v->as_int64() >= 0 && static_cast<std::uint64_t>(v->as_int64()) <= max)
        out = static_cast<N>(v->as_int64());
      else if (v->is_uint64() && v->as_uint64() <= max)
        out = static_cast<N>(v->as_uint64());
      else
        bad(key, ("an integer in [0, " + std::to_string(max) + "]").c_str(), *v);
    }
  }
  // A scripted task's parameters: {"scale": 2, "denoise": 0.5, "style": "ink"}, each carried as
  // the signed text the coordinator parses against the script's schema.
  void params(protocol::TaskParams& out) {
    auto* v = get("params");
    if (v == nullptr) return;
    if (!v->is_object()) return bad("params", "an object of parameter values", *v);
    for (const auto& kv : v->as_object()) {
      const auto& value = kv.value();
      std::string text;
      if (value.is_string())
        text = std::string(value.as_string());
      else if (value.is_bool())
        text = value.as_bool() ? "true" : "false";
      else if (value.is_number())
        text = json::serialize(value);
      else if (error.empty())
        error = "field \"params." + std::string(kv.key()) +
                "\": expected a string, a number or true/false, got " + json::serialize(value);
      out.push_back({std::string(kv.key()), std::move(text)});
    }
    protocol::sort_task_params(out);
  }
  // Carried as a float in the signed request: zero or a normal float (a larger number would become
  // an infinity, which the wire cannot carry: protocol/wire_number.hpp).
  void number(const char* key, float& out) {
    if (auto* v = get(key)) {
      const float f = v->is_number() ? static_cast<float>(v->to_number<double>()) : 0.0f;
      if (v->is_number() && protocol::wire_number_ok(f))
        out = f;
      else
        bad(key, "a number a float holds (0, or 1.2e-38 to 3.4e38 in magnitude)", *v);
    }
  }
};

bool wants_event_stream(const HttpRequest& request) {
  std::string accept = request.header("accept");
  for (auto& c : accept) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return accept.find("text/event-stream") != std::string::npos;
}

void create(Gateway::Parts& parts, const HttpRequest& request, const Reply& reply,
            const User& user) {
  auto body = parse_json_object(request.body);
  if (!body) return reply(error_reply(400, body.error().message, "ValidationError"));
  for (const auto& kv : *body)
    if (!kCreateFields.count(std::string(kv.key())))
      return reply(
          error_reply(400, "unknown field \"" + std::string(kv.key()) + "\"", "UnknownField"));
  Strict s{*body, {}};
  protocol::GenerateRequest g;
  std::string model, tier = "fast";
  bool private_images = false;
  std::optional<std::uint64_t> seed;
  s.str("prompt", g.prompt);
  s.str("negative_prompt", g.negative_prompt);
  s.str("model", model);
  if (s.get("seed")) {
    std::uint64_t v = 0;
    s.whole("seed", v, UINT64_MAX);
    seed = v;
  }
  s.whole("steps", g.steps, 10'000);
  s.number("cfg", g.guidance);
  s.str("sampler", g.sampler);
  s.boolean("karras", g.karras);
  s.whole("width", g.width, 65'535);
  s.whole("height", g.height, 65'535);
  s.whole("count", g.count, 100'000);
  s.str("tier", tier);
  s.boolean("private", private_images);
  s.str("task_type", g.task_type);
  s.params(g.params);
  s.str("request_id", g.request_id);
  if (!s.error.empty()) return reply(error_reply(400, s.error, "ValidationError"));
  for (const auto& [field, text] :
       {std::pair{"prompt", &g.prompt}, {"negative_prompt", &g.negative_prompt}})
    if (auto refused = prompt_text_refusal(*text))
      return reply(
          error_reply(400, std::string("field \"") + field + "\": " + *refused, "ValidationError"));
  // A scripted task's images: {"init_image": "<base64 PNG>", "mask": "..."} ("images" is what a
  // request renders), each named in the
  // parameters by its id; the size defaults to init_image's, as `generate --init-image` does.
  if (const auto* images = s.get("input_images")) {
    if (!images->is_object())
      return reply(error_reply(400, "field \"input_images\": expected an object of base64 images",
                               "ValidationError"));
    for (const auto& kv : images->as_object()) {
      const std::string field = "input_images." + std::string(kv.key());
      if (!kv.value().is_string())
        return reply(error_reply(400, "field \"" + field + "\": expected base64 text",
                                 "ValidationError"));
      auto image = decode_upload(kv.value().as_string(), field);
      if (!image) return reply(error_reply(400, image.error().message, "ValidationError"));
      if (kv.key() == "init_image") {
        if (!s.get("width")) g.width = static_cast<std::uint32_t>(image->width);
        if (!s.get("height")) g.height = static_cast<std::uint32_t>(image->height);
      }
      protocol::attach_input_image(g, std::string(kv.key()), std::move(*image));
    }
    protocol::sort_task_params(g.params);
  }
  if (!s.get("prompt"))
    return reply(error_reply(400, "field \"prompt\" is required", "ValidationError"));
  const auto t = protocol::tier_from_name(tier);
  if (!t)
    return reply(
        error_reply(400, "field \"tier\": expected \"fast\" or \"relaxed\", got \"" + tier + "\"",
                    "ValidationError"));
  if (user.name == "anonymous" && g.count > parts.config.anonymous_max_count)
    return reply(error_reply(403,
                             "anonymous requests may ask for at most " +
                                 std::to_string(parts.config.anonymous_max_count) + " image(s)",
                             "AnonymousLimit"));
  auto entry = resolve_model(parts, model, reply);
  if (!entry) return;
  g.model_id = entry->model_id;
  g.tier = *t;
  g.privacy = private_images ? protocol::Privacy::private_images : protocol::Privacy::public_images;
  if (g.request_id.empty()) g.request_id = new_request_id();
  if (seed) {
    g.seed = *seed;
  } else {
    ensure_sodium();
    g.seed = randombytes_uniform(0xffffffffu);
  }
  protocol::sign_request(g, *user.key);
  const std::string id = g.request_id;
  // A client that accepts an event stream gets the request's events on this very connection: it
  // saves the round trip and the second connection of a GET .../events, which is most of what the
  // gateway would add to a request's latency.
  const bool streamed = wants_event_stream(request);
  RequestBook& book = *parts.book;
  parts.book->submit(
      std::move(g), user.name, user.key, entry->name,
      [reply, id, streamed, &book, owner = user.name](const Result<protocol::SubmitAck>& ack) {
        if (!ack) {
          const auto [status, rc] = http_error_of(ack.error());
          auto r = error_reply(status, ack.error().message, rc);
          return reply(std::move(r));
        }
        if (streamed) {
          HttpResponse r;
          r.content_type = "text/event-stream";
          r.headers = {{"Location", "/v1/requests/" + id},
                       {"Seedgrid-Request-Id", id},
                       {"Seedgrid-Quoted", std::to_string(ack->quoted)},
                       {"Seedgrid-Jobs", std::to_string(ack->jobs)}};
          r.stream = sse_stream(book, id, owner, 0);
          return reply(std::move(r));
        }
        reply(json_reply(202, json::object{{"id", id},
                                           {"quoted", ack->quoted},
                                           {"jobs", ack->jobs},
                                           {"events", "/v1/requests/" + id + "/events"}}));
      });
}

// The image's request, read under the book's lock: its PNG with the "parameters" text.
void image(Gateway::Parts& parts, const HttpRequest& request, const Reply& reply,
           const std::string& rest) {
  // A public request's image: the id itself is the capability (as Horde's r2 links are), so it is
  // served whatever key comes with it (a client that sends its key with every call once got 404
  // for a link another user shared, which the same call without the key got). A private
  // request's image only to its owner's key.
  std::optional<User> user;
  if (!request.header("apikey").empty() || !request.header("authorization").empty() ||
      request.query.count("apikey")) {
    user = authenticate(parts, request, reply);
    if (!user) return;
  }
  std::string id = rest;
  std::string kind = "png";
  if (const auto slash = id.find('/'); slash != std::string::npos) {
    kind = id.substr(slash + 1);
    id = id.substr(0, slash);
  } else if (id.size() > 5 && id.substr(id.size() - 5) == ".webp") {
    kind = "webp";
    id = id.substr(0, id.size() - 5);
  } else if (id.size() > 4 && id.substr(id.size() - 4) == ".png") {
    id = id.substr(0, id.size() - 4);
  }
  std::optional<ImageRecord> im;
  protocol::GenerateRequest q;
  std::string model_name;
  const auto dash = id.rfind('-');
  if (dash != std::string::npos) {
    const std::string request_id = id.substr(0, dash);
    const std::string owner = parts.book->owner_of(request_id);
    auto look = [&](const RequestRecord& r) {
      const bool owners = user && user->name == owner;
      if (!owners && r.request.privacy == protocol::Privacy::private_images) return;
      q = r.request;
      model_name = r.model_name;
    };
    if (!owner.empty() && parts.book->read(request_id, owner, look) && !q.request_id.empty())
      im = parts.book->image(id, owner);
  }
  if (!im && user && dash != std::string::npos)
    if (auto why = parts.book->forgotten(id.substr(0, dash), user->name))
      return reply(error_reply(404, *why, "RequestExpired"));
  if (!im) return reply(error_reply(404, "no image " + id, "ImageNotFound"));
  if (kind == "receipt") {
    if (im->receipt_json.empty())
      return reply(error_reply(404,
                               "image " + id +
                                   " has no receipt (the coordinator restarted "
                                   "before delivering it)",
                               "ReceiptNotFound"));
    HttpResponse r;
    r.body = im->receipt_json;
    return reply(std::move(r));
  }
  const RgbImage pixels{static_cast<int>(im->width), static_cast<int>(im->height), im->pixels};
  if (kind == "webp") {
    auto webp = encode_webp(pixels);
    if (!webp) return reply(error_reply(500, webp.error().message, "EncodeFailed"));
    return reply(HttpResponse{200, "image/webp", std::string(webp->begin(), webp->end()), {}, {}});
  }
  if (kind != "png") return reply(error_reply(404, "no such image view: " + kind, "NotFound"));
  GenerationSpec spec;
  spec.prompt = q.prompt;
  spec.negative_prompt = q.negative_prompt;
  spec.seed = im->seed;
  spec.steps = static_cast<int>(q.steps);
  spec.guidance = q.guidance;
  if (auto k = parse_sampler_kind(q.sampler)) spec.sampler = *k;
  spec.karras = q.karras;
  spec.width = static_cast<int>(im->width);
  spec.height = static_cast<int>(im->height);
  auto png = encode_png(pixels, format_generation_parameters(spec, q.model_id, model_name));
  if (!png) return reply(error_reply(500, png.error().message, "EncodeFailed"));
  reply(HttpResponse{200, "image/png", std::string(png->begin(), png->end()), {}, {}});
}

void account(Gateway::Parts& parts, const Reply& reply, const User& user, bool history) {
  if (!parts.ledger)
    return reply(error_reply(501,
                             "this gateway does not run beside the treasury, so it cannot read "
                             "balances",
                             "NoLedger"));
  if (!history) {
    auto b = parts.ledger->balance(user.account());
    if (!b) return reply(error_reply(503, b.error().message, "LedgerUnavailable"));
    return reply(json_reply(200, json::object{{"user", user.name},
                                              {"account", user.account()},
                                              {"balance", *b},
                                              {"unit", "micro-credits"}}));
  }
  auto lines = parts.ledger->history(user.account(), 100);
  if (!lines) return reply(error_reply(503, lines.error().message, "LedgerUnavailable"));
  json::array out;
  for (const auto& l : *lines)
    out.push_back(json::object{
        {"seq", l.seq}, {"at", l.at}, {"op", l.op}, {"key", l.key}, {"amount", l.amount}});
  reply(json_reply(200, json::object{{"account", user.account()}, {"entries", out}}));
}

// The work per job of scripted task type `task` for a quote's parameters (`param.NAME=VALUE`) and
// image sizes (`image.NAME=WxH`), the other fields from the quote's own.
Result<std::int64_t> scripted_work(Gateway::Parts& parts, const HttpRequest& request,
                                   const std::string& task, std::uint32_t steps,
                                   std::uint32_t width, std::uint32_t height) {
  const auto snapshot = parts.network->snapshot();
  if (!snapshot.report) return fail("no answer from the coordinator yet: ", snapshot.error);
  TaskCostAsk ask;
  auto script_id = task_script_id(*snapshot.report, task);
  if (!script_id) return pass_on(script_id);
  ask.script_id = *script_id;
  ask.inputs.steps = steps;
  ask.inputs.width = width;
  ask.inputs.height = height;
  ask.inputs.guidance = 7.5f;
  ask.inputs.sampler = "euler";
  for (const auto& [key, value] : request.query) {
    if (key.rfind("param.", 0) == 0) {
      ask.inputs.params.push_back({key.substr(6), value});
    } else if (key.rfind("image.", 0) == 0) {
      int w = 0, h = 0;
      char tail = 0;
      if (std::sscanf(value.c_str(), "%dx%d%c", &w, &h, &tail) != 2)
        return fail(key, " must be WIDTHxHEIGHT (e.g. 512x512), got \"", value, "\"");
      ask.images[key.substr(6)] = {w, h};
    }
  }
  return parts.task_costs->pixel_steps(ask);
}

void network_status(Gateway::Parts& parts, const Reply& reply) {
  const auto snapshot = parts.network->snapshot();
  if (!snapshot.report)
    return reply(error_reply(503, "no answer from the coordinator yet: " + snapshot.error,
                             "CoordinatorUnavailable"));
  const auto& r = *snapshot.report;
  json::array nodes, models, task_types;
  for (const auto& t : r.task_types)
    task_types.push_back(json::object{
        {"name", t.name}, {"script_id", t.script_id}, {"description", t.description}});
  for (const auto& n : r.nodes)
    nodes.push_back(json::object{{"id", n.node.hex()},
                                 {"name", n.name},
                                 {"role", protocol::role_name(n.role)},
                                 {"connected", n.connected},
                                 {"blacklisted", n.blacklisted},
                                 {"fast_tier", n.fast_tier},
                                 {"reputation", n.reputation},
                                 {"determinism_class", n.capabilities.determinism_class},
                                 {"device", n.capabilities.device},
                                 {"pixel_steps_per_second", n.capabilities.pixel_steps_per_second},
                                 {"inflight", n.inflight},
                                 {"jobs_done", n.jobs_done},
                                 {"jobs_failed", n.jobs_failed},
                                 {"audits_passed", n.audits_passed},
                                 {"audits_failed", n.audits_failed},
                                 {"audit_rate", n.audit_rate}});
  for (const auto& m : r.models)
    models.push_back(json::object{{"id", m.model_id}, {"name", m.name}, {"creator", m.creator}});
  reply(json_reply(200, json::object{{"coordinator", r.coordinator.hex()},
                                     {"version", r.version},
                                     {"uptime_s", r.uptime_seconds},
                                     {"requests_active", r.requests_active},
                                     {"jobs_queued", r.jobs_queued},
                                     {"jobs_running", r.jobs_running},
                                     {"jobs_delivered", r.jobs_delivered},
                                     {"jobs_failed", r.jobs_failed},
                                     {"treasury_connected", r.treasury_connected},
                                     {"models", models},
                                     {"task_types", task_types},
                                     {"nodes", nodes}}));
}

}  // namespace

bool native_route(Gateway::Parts& parts, const HttpRequest& request, const Reply& reply) {
  const std::string& path = request.path;
  if (path.rfind("/v1/", 0) != 0) return false;
  // The methods were checked against route_table.cpp before any route ran.
  const auto& m = request.method;
  if (path.rfind("/v1/images/", 0) == 0) {
    image(parts, request, reply, path.substr(11));
    return true;
  }
  if (path == "/v1/status") {
    network_status(parts, reply);
    return true;
  }
  if (path == "/v1/quote") {
    // GET /v1/quote?model=&steps=&width=&height=&count=&tier=
    if (!parts.ledger)
      return reply(error_reply(501,
                               "this gateway does not run beside the treasury, so it cannot quote",
                               "NoLedger")),
             true;
    auto num = [&](const char* key, std::uint32_t fallback) -> std::optional<std::uint32_t> {
      auto it = request.query.find(key);
      if (it == request.query.end() || it->second.empty()) return fallback;
      char* end = nullptr;
      const auto v = std::strtoul(it->second.c_str(), &end, 10);
      if (!end || *end != '\0' || v > 1'000'000) return std::nullopt;
      return static_cast<std::uint32_t>(v);
    };
    const auto steps = num("steps", 20), width = num("width", 512), height = num("height", 512),
               count = num("count", 1);
    if (!steps || !width || !height || !count)
      return reply(error_reply(400, "steps, width, height and count must be whole numbers",
                               "ValidationError")),
             true;
    const auto tier = request.query.count("tier") ? request.query.at("tier") : std::string("fast");
    if (tier != "fast" && tier != "relaxed")
      return reply(error_reply(400, "tier must be fast or relaxed, got \"" + tier + "\"",
                               "ValidationError")),
             true;
    auto model =
        resolve_model(parts, request.query.count("model") ? request.query.at("model") : "", reply);
    if (!model) return true;
    // A scripted task type (&task=img2img&param.strength=0.6&image.init_image=64x64): priced by
    // what its script declares for those parameters, as the coordinator will price the request.
    std::int64_t pixel_steps = 0;
    if (auto task = request.query.find("task");
        task != request.query.end() && !task->second.empty() && task->second != "txt2img") {
      auto work = scripted_work(parts, request, task->second, *steps, *width, *height);
      if (!work) return reply(error_reply(400, work.error().message, "ValidationError")), true;
      pixel_steps = *work;
    }
    protocol::GenerateRequest priced;  // the fields a quote names; the rest are within limits
    priced.steps = *steps, priced.width = *width, priced.height = *height, priced.count = *count;
    if (auto refused = submit_refusal(parts, priced, *model))
      return reply(error_reply(400, "the coordinator would refuse this request: " + *refused,
                               "ValidationError")),
             true;
    auto q = parts.ledger->quote(model->base_render_milliseconds, *steps, *width, *height,
                                 tier == "relaxed", *count, pixel_steps);
    if (!q) return reply(error_reply(400, q.error().message, "ValidationError")), true;
    reply(json_reply(200, json::object{{"model", model->name},
                                       {"per_image", q->per_image},
                                       {"total", q->total},
                                       {"usd_micros_total", q->usd_micros_total},
                                       {"unit", "micro-credits"}}));
    return true;
  }
  if (path == "/v1/models") {
    const auto snapshot = parts.network->snapshot();
    json::array out;
    if (snapshot.report)
      for (const auto& mo : snapshot.report->models)
        out.push_back(
            json::object{{"id", mo.model_id}, {"name", mo.name}, {"creator", mo.creator}});
    reply(json_reply(200, json::object{{"models", out}}));
    return true;
  }
  auto user = authenticate(parts, request, reply);
  if (!user) return true;
  if (path == "/v1/audit") {
    audit_route(parts, request, reply, *user);
    return true;
  }
  if (path == "/v1/account") {
    account(parts, reply, *user, false);
    return true;
  }
  if (path == "/v1/account/history") {
    account(parts, reply, *user, true);
    return true;
  }
  if (path == "/v1/requests") {
    if (m == "POST") {
      create(parts, request, reply, *user);
      return true;
    }
    // Everyone who uses the anonymous key is the same user to the book: a list would show each
    // one the others' requests and prompts (an id, unguessable, is what reaches one's own).
    if (parts.anonymous && user->name == parts.anonymous->name)
      return reply(error_reply(403,
                               "the anonymous key is shared by everyone who uses it, so it lists "
                               "no requests; follow yours by the ids you were given, or ask the "
                               "operator for a key of your own",
                               "AnonymousList")),
             true;
    json::array out;
    for (const auto& id : parts.book->list(user->name))
      parts.book->read(id, user->name,
                       [&](const RequestRecord& r) { out.push_back(request_json(r)); });
    reply(json_reply(200, json::object{{"requests", out}}));
    return true;
  }
  if (path.rfind("/v1/requests/", 0) == 0) {
    std::string id = path.substr(13), action;
    if (const auto slash = id.find('/'); slash != std::string::npos) {
      action = id.substr(slash + 1);
      id = id.substr(0, slash);
    }
    if (action.empty() && m == "GET") {
      json::object out;
      if (!parts.book->read(id, user->name, [&](const RequestRecord& r) { out = request_json(r); }))
        return reply(request_not_found(parts, id, user->name)),
               true;
      reply(json_reply(200, out));
      return true;
    }
    if ((action.empty() && m == "DELETE") || (action == "cancel" && m == "POST")) {
      if (!parts.book->cancel(id, user->name))
        return reply(request_not_found(parts, id, user->name)),
               true;
      std::string finished;
      parts.book->read(id, user->name, [&](const RequestRecord& r) {
        if (r.finished()) finished = phase_name(r.phase);
      });
      if (!finished.empty())
        return reply(error_reply(
                   409, "request " + id + " is already " + finished + ": nothing is left to cancel",
                   "AlreadyFinished")),
               true;
      reply(json_reply(202, json::object{{"id", id}, {"cancel_requested", true}}));
      return true;
    }
    if (action == "events" && m == "GET") {
      std::uint64_t last = 0;
      std::string from = request.header("last-event-id");
      if (from.empty() && request.query.count("last_event_id"))
        from = request.query.at("last_event_id");
      if (!from.empty()) {
        // Digits only: strtoull alone takes "-1" (as the largest number, an empty stream) and
        // saturates past 2^64 - 1.
        const bool digits = from.size() <= 19 && std::all_of(from.begin(), from.end(), [](char c) {
                              return c >= '0' && c <= '9';
                            });
        if (!digits)
          return reply(error_reply(400,
                                   "Last-Event-ID must be an event id this stream sent (a whole "
                                   "number of at most 19 digits), got \"" +
                                       from.substr(0, 40) + "\"",
                                   "ValidationError")),
                 true;
        last = std::stoull(from);
      }
      bool known = parts.book->read(id, user->name, [](const RequestRecord&) {});
      if (!known)
        return reply(request_not_found(parts, id, user->name)),
               true;
      HttpResponse r;
      if (request.websocket) {
        r.websocket = true;
        r.stream = websocket_stream(*parts.book, id, user->name, last);
        return reply(std::move(r)), true;
      }
      r.content_type = "text/event-stream";
      r.stream = sse_stream(*parts.book, id, user->name, last);
      reply(std::move(r));
      return true;
    }
  }
  reply(error_reply(404, "no route " + m + " " + path, "NotFound"));
  return true;
}

}  // namespace seedgrid::gateway
