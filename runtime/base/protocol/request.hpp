#pragma once
// What a client asks for: `count` images of one prompt, one job per image (seed + index). The
// request is signed by the client's key, and that key is the payer: nobody can spend another
// account's credits by naming it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/crypto/identity.hpp"

namespace seedgrid::protocol {

// fast: dispatched first, on staked workers; relaxed: cheaper, dispatched when fast work is done.
enum class Tier : std::uint8_t { fast = 0, relaxed = 1 };
// private: the coordinator forgets the images once they are delivered.
enum class Privacy : std::uint8_t { public_images = 0, private_images = 1 };

std::string_view tier_name(Tier t);  // "fast", "relaxed"
std::optional<Tier> tier_from_name(std::string_view name);
std::string_view privacy_name(Privacy p);  // "public", "private"

// Task types: txt2img renders with the compute core. instant returns a deterministic pattern from
// the job spec without rendering: it exists to measure dispatch overhead and is accepted only by
// coordinators and workers whose config enables benchmark tasks.
inline constexpr std::string_view kTaskTxt2Img = "txt2img";
inline constexpr std::string_view kTaskInstant = "instant";

struct GenerateRequest {
  std::string request_id;  // chosen by the client, 1..64 of [A-Za-z0-9._-]; unique per payer
  std::string model_id;    // 64 hex digits: the hash of the weights
  std::string task_type{kTaskTxt2Img};
  std::string prompt;
  std::string negative_prompt;
  std::uint64_t seed = 0;  // image i renders with seed + i (mod 2^64)
  std::uint32_t steps = 20;
  float guidance = 7.5f;
  std::string sampler = "euler";  // euler, euler_a, ddim, dpmpp_2m
  bool karras = false;
  std::uint32_t width = 512;
  std::uint32_t height = 512;
  std::uint32_t count = 1;
  Tier tier = Tier::fast;
  Privacy privacy = Privacy::public_images;
  PublicKey payer;        // the client's key; its ledger account pays
  Signature signature{};  // by `payer` over request_signing_bytes()
};

// A client's later word about its request (attach to its events, cancel it), signed by the payer
// and bound to the coordinator it is sent to. `kind` is client_command_kind_name(): the name is
// what the signature covers.
enum class ClientCommandKind : std::uint8_t { attach = 0, cancel = 1 };
std::string_view client_command_kind_name(ClientCommandKind k);  // "attach", "cancel"
std::optional<ClientCommandKind> parse_client_command_kind(std::string_view name);

struct ClientCommand {
  std::string kind;
  std::string request_id;
  PublicKey payer;
  Signature signature{};
};
ClientCommand make_client_command(std::string_view kind, std::string_view request_id,
                                  const PublicKey& coordinator, const Identity& client);
bool client_command_valid(const ClientCommand& c, const PublicKey& coordinator);

// The canonical encoding of every field but the signature (see canonical.hpp).
std::vector<std::uint8_t> request_signing_bytes(const GenerateRequest& r);
// Digest of the signed content: two submissions with the same id are the same request iff equal.
Digest request_digest(const GenerateRequest& r);
// Sets payer to the identity's key and signs.
void sign_request(GenerateRequest& r, const Identity& client);
bool request_signature_valid(const GenerateRequest& r);

}  // namespace seedgrid::protocol
