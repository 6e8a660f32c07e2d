#include "runtime/base/protocol/request.hpp"

#include <sodium.h>

#include <algorithm>
#include <chrono>

#include "runtime/base/crypto/sodium_init.hpp"
#include "runtime/base/protocol/canonical.hpp"

namespace seedgrid::protocol {

std::string_view tier_name(Tier t) { return t == Tier::fast ? "fast" : "relaxed"; }

std::optional<Tier> tier_from_name(std::string_view name) {
  if (name == "fast") return Tier::fast;
  if (name == "relaxed") return Tier::relaxed;
  return std::nullopt;
}

std::string_view privacy_name(Privacy p) {
  return p == Privacy::public_images ? "public" : "private";
}

namespace {
std::vector<std::uint8_t> command_signing_bytes(const ClientCommand& c,
                                                const PublicKey& coordinator) {
  CanonicalWriter w("seedgrid/client-command/v2");
  w.str(client_command_kind_name(c.kind))
      .str(c.request_id)
      .fixed(c.payer.bytes)
      .fixed(coordinator.bytes)
      .fixed(c.nonce)
      .u64(static_cast<std::uint64_t>(c.expires_unix_ms));
  return w.encoded();
}
}  // namespace

std::string_view client_command_kind_name(ClientCommandKind k) {
  switch (k) {
    case ClientCommandKind::attach:
      return "attach";
    case ClientCommandKind::cancel:
      return "cancel";
  }
  return "unknown";  // a byte off the wire that names no command
}

ClientCommand make_client_command(ClientCommandKind kind, std::string_view request_id,
                                  const PublicKey& coordinator, const Identity& client,
                                  std::int64_t now_unix_ms) {
  ensure_sodium();
  ClientCommand c;
  c.kind = kind;
  c.request_id = std::string(request_id);
  c.payer = client.public_key();
  randombytes_buf(c.nonce.data(), c.nonce.size());
  c.expires_unix_ms = now_unix_ms + kClientCommandLifetimeMs;
  c.signature = client.sign(command_signing_bytes(c, coordinator));
  return c;
}

bool client_command_valid(const ClientCommand& c, const PublicKey& coordinator) {
  return verify_signature(c.payer, command_signing_bytes(c, coordinator), c.signature);
}

std::int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void sort_task_params(TaskParams& params) {
  std::stable_sort(params.begin(), params.end(),
                   [](const TaskParam& a, const TaskParam& b) { return a.name < b.name; });
}

std::vector<std::uint8_t> request_signing_bytes(const GenerateRequest& r) {
  CanonicalWriter w("seedgrid/generate-request/v1");
  w.str(r.request_id)
      .str(r.model_id)
      .str(r.task_type)
      .str(r.prompt)
      .str(r.negative_prompt)
      .u64(r.seed)
      .u32(r.steps)
      .f32(r.guidance)
      .str(r.sampler)
      .boolean(r.karras)
      .u32(r.width)
      .u32(r.height)
      .u32(r.count)
      .u8(static_cast<std::uint8_t>(r.tier))
      .u8(static_cast<std::uint8_t>(r.privacy))
      .fixed(r.payer.bytes);
  if (!r.params.empty()) {
    w.u64(r.params.size());
    for (const auto& p : r.params) w.str(p.name).str(p.value);
  }
  return w.encoded();
}

Digest request_digest(const GenerateRequest& r) { return blake2b(request_signing_bytes(r)); }

void sign_request(GenerateRequest& r, const Identity& client) {
  r.payer = client.public_key();
  r.signature = client.sign(request_signing_bytes(r));
}

bool request_signature_valid(const GenerateRequest& r) {
  return verify_signature(r.payer, request_signing_bytes(r), r.signature);
}

}  // namespace seedgrid::protocol
