// POST /v1/audit: the web form of `seedgrid audit`. In: {"image_id"} for an image of the caller's,
// or {"receipt": <receipt JSON>, "png": <base64 PNG>} for any receipt. Out: the verdict and each
// check with its evidence. The checks run on a thread of their own, one audit at a time (the
// noise and decode audits run the model); a second one meanwhile is told to retry.
#include <sodium.h>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "runtime/base/crypto/base64.hpp"
#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/crypto/sodium_init.hpp"
#include "runtime/base/image/png_file.hpp"
#include "runtime/base/verify/receipt.hpp"
#include "runtime/base/verify/receipt_check.hpp"
#include "runtime/gateway/audit_evidence.hpp"
#include "runtime/gateway/audit_slots.hpp"
#include "runtime/gateway/gateway_parts.hpp"
#include "runtime/gateway/json_reply.hpp"

namespace seedgrid::gateway {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// Audits re-render on the gateway's CPU: half its cores' worth at once, one per user.
AuditSlots g_audit_slots(std::max(1u, std::thread::hardware_concurrency() / 2));

std::string_view verdict_name(verify::CheckStatus s) {
  switch (s) {
    case verify::CheckStatus::pass:
      return "pass";
    case verify::CheckStatus::fail:
      return "fail";
    case verify::CheckStatus::grey:
      return "grey";
    case verify::CheckStatus::not_checked:
      return "inconclusive";
  }
  return "inconclusive";
}

std::optional<std::string> from_base64(std::string_view text) {
  auto bytes = bytes_of_base64(text, " \r\n");
  if (!bytes) return std::nullopt;
  return std::string(bytes->begin(), bytes->end());
}

}  // namespace

void audit_route(Gateway::Parts& parts, const HttpRequest& request, const Reply& reply,
                 const User& user) {
  auto body = parse_json_object(request.body);
  if (!body) return reply(error_reply(400, body.error().message, "ValidationError"));
  for (const auto& kv : *body)
    if (kv.key() != "image_id" && kv.key() != "receipt" && kv.key() != "png")
      return reply(
          error_reply(400, "unknown field \"" + std::string(kv.key()) + "\"", "UnknownField"));
  std::string receipt_text, png;
  if (const auto* id = body->if_contains("image_id")) {
    if (!id->is_string())
      return reply(error_reply(400, "field \"image_id\": expected a string", "ValidationError"));
    auto image = parts.book->image(std::string(id->as_string()), user.name);
    if (!image)
      return reply(error_reply(404, "no image " + std::string(id->as_string()), "ImageNotFound"));
    if (image->receipt_json.empty())
      return reply(error_reply(404, "the image has no receipt", "ReceiptNotFound"));
    receipt_text = image->receipt_json;
    auto encoded = encode_png(
        RgbImage{static_cast<int>(image->width), static_cast<int>(image->height), image->pixels},
        "");
    if (!encoded) return reply(error_reply(500, encoded.error().message, "EncodeFailed"));
    png.assign(encoded->begin(), encoded->end());
  } else {
    const auto* r = body->if_contains("receipt");
    const auto* p = body->if_contains("png");
    if (!r || !p || !p->is_string())
      return reply(error_reply(400,
                               "give \"image_id\", or \"receipt\" (the receipt JSON) and \"png\" "
                               "(the image, base64)",
                               "ValidationError"));
    receipt_text = r->is_string() ? std::string(r->as_string()) : json::serialize(*r);
    auto bytes = from_base64(p->as_string());
    if (!bytes) return reply(error_reply(400, "field \"png\": not base64", "ValidationError"));
    png = std::move(*bytes);
  }
  auto parsed = verify::parse_receipt(receipt_text);
  if (!parsed)
    return reply(error_reply(400, "the receipt: " + parsed.error().message, "ValidationError"));
  if (const std::string busy_why = g_audit_slots.take(user.name); !busy_why.empty()) {
    auto busy = error_reply(429, busy_why, "AuditBusy");
    busy.headers.emplace_back("Retry-After", "2");
    return reply(std::move(busy));
  }
  verify::ReceiptCheckOptions options;
  options.models_dir = parts.models_dir;
  options.threads = 1;
  options.requester = user.key;  // opens the receipts of the user's own private requests
  // A receipt carries no openings of a scripted job's passes: its check is the script run again
  // (with what it took).
  options.rerun_scripted = parts.rerun_scripted;
  if (parsed->job.spec.scripted()) options.full = true;
  std::thread([reply, receipt_text = std::move(receipt_text), png = std::move(png),
               image_file = parsed->image_file, options, user = user.name]() {
    ensure_sodium();
    std::uint8_t nonce[8];
    randombytes_buf(nonce, sizeof nonce);
    const fs::path dir = fs::temp_directory_path() / ("seedgrid-audit-" + to_hex(nonce));
    std::error_code ec;
    fs::create_directories(dir, ec);
    const fs::path image_name = fs::path(image_file).filename();
    std::ofstream(dir / "receipt.json", std::ios::binary) << receipt_text;
    std::ofstream(dir / (image_name.empty() ? fs::path("image.png") : image_name), std::ios::binary)
        << png;
    const auto report = verify::check_receipt((dir / "receipt.json").string(), options);
    fs::remove_all(dir, ec);
    json::array checks;
    for (const auto& line : report.lines)
      checks.push_back(json::object{
          {"name", line.check},
          {"status", verify::check_status_name(line.status)},
          {"passed", line.status == verify::CheckStatus::pass},
          {"evidence", evidence_for_client(line.evidence, dir.string(), options.models_dir)}});
    g_audit_slots.release(user);
    reply(json_reply(200, json::object{{"verdict", verdict_name(report.verdict())},
                                       {"summary", report.verdict_line()},
                                       {"checks", checks}}));
  }).detach();
}

}  // namespace seedgrid::gateway
