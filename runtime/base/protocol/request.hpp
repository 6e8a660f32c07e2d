#pragma once
// What a client asks for: `count` images of one prompt, one job per image (seed + index). The
// request is signed by the client's key, and that key is the payer: nobody can spend another
// account's credits by naming it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/crypto/identity.hpp"
#include "models/pipeline/rgb_image.hpp"

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
// Not a task type but a worker's capability: it runs task scripts, whichever the coordinator
// registered (it fetches each by id and checks the bytes), so the scripts need no worker config.
inline constexpr std::string_view kTaskScripts = "scripts";

// One parameter of a scripted task type, as text ("strength" = "0.3"); the coordinator and the
// worker parse it against the script's schema (runtime/base/task_script/task_schema.hpp).
struct TaskParam {
  std::string name;
  std::string value;

  bool operator==(const TaskParam&) const = default;
};
// A request's parameters: sorted by name, no name twice (the coordinator refuses others), so the
// signed bytes have one order. Empty for built-in task types.
using TaskParams = std::vector<TaskParam>;
// Sorts by name (what a client does before signing); duplicates stay for the coordinator to refuse.
void sort_task_params(TaskParams& params);

struct GenerateRequest {
  std::string request_id;  // chosen by the client, 1..64 of [A-Za-z0-9._-]; unique per payer
  std::string model_id;    // 64 hex digits: the hash of the weights
  std::string task_type{kTaskTxt2Img};  // or a task type registered by script at the coordinator
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
  TaskParams params;      // a scripted task's parameters (signed only when not empty)
  // The images its image parameters name by id (input_image.hpp): not signed themselves (the
  // ids in `params` are), kept by the coordinator apart from the request and fetched by id.
  std::vector<RgbImage> images;
  PublicKey payer;        // the client's key; its ledger account pays
  Signature signature{};  // by `payer` over request_signing_bytes()
};

// A client's later word about its request (attach to its events, cancel it), signed by the payer
// and bound to the coordinator it is sent to. `kind` is client_command_kind_name(): the name is
// what the signature covers.
//
// A command is good once: it carries a random nonce and an expiry (Unix time, ms), both signed.
// The coordinator refuses one past its expiry, one that expires further ahead than
// kClientCommandMaxLifetimeMs, and one whose nonce it has already seen (it keeps seen nonces until
// they expire). So a copied attach cannot be replayed later to receive someone's images, nor a
// copied cancel to stop a later run of the request.
//
// Requests (GenerateRequest) carry neither: a request is named by its id and its digest, so a
// replayed submission cannot charge or render anything twice; it is answered as the request it
// is. A re-submission re-sends a public request's finished images (public by the payer's choice);
// a private request's images go only to a fresh attach.
enum class ClientCommandKind : std::uint8_t { attach = 0, cancel = 1 };
std::string_view client_command_kind_name(ClientCommandKind k);  // "attach", "cancel"

// How long a command a client makes now stays good, and the most a coordinator accepts (room for
// clocks that disagree by a few minutes).
inline constexpr std::int64_t kClientCommandLifetimeMs = 60'000;
inline constexpr std::int64_t kClientCommandMaxLifetimeMs = 300'000;

struct ClientCommand {
  ClientCommandKind kind = ClientCommandKind::attach;  // signed as its name
  std::string request_id;
  PublicKey payer;
  Digest nonce{};                   // random, chosen by the client
  std::int64_t expires_unix_ms = 0;  // refused after this time
  Signature signature{};
};
// A command with a fresh nonce, good for kClientCommandLifetimeMs from `now_unix_ms`.
ClientCommand make_client_command(ClientCommandKind kind, std::string_view request_id,
                                  const PublicKey& coordinator, const Identity& client,
                                  std::int64_t now_unix_ms);
// The signature only (over every field, nonce and expiry included); freshness is the
// coordinator's to judge (actors/coordinator/seen_commands.hpp).
bool client_command_valid(const ClientCommand& c, const PublicKey& coordinator);
// Milliseconds since the Unix epoch by this machine's clock: what a command's expiry is told in.
std::int64_t unix_now_ms();

// The canonical encoding of every field but the signature (see canonical.hpp). Parameters are
// appended only when there are some, so a request without any signs the bytes it always did.
std::vector<std::uint8_t> request_signing_bytes(const GenerateRequest& r);
// Digest of the signed content: two submissions with the same id are the same request iff equal.
Digest request_digest(const GenerateRequest& r);
// Sets payer to the identity's key and signs.
void sign_request(GenerateRequest& r, const Identity& client);
bool request_signature_valid(const GenerateRequest& r);
// Whether request_signature_valid already passed for the request at hand (a busy coordinator
// checks it off its own thread).
enum class RequestSignature { unchecked, checked };

}  // namespace seedgrid::protocol
