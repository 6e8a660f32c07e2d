// Protocol messages as CAF's binary deserializer reads them off the wire (BASP payloads): the
// first byte picks a message type (or a whole type-erased caf::message, as a node receives it),
// the rest is its serialized form. What deserializes must serialize back to bytes that
// deserialize to the same bytes again.
//
// `<replay binary> --write-seeds DIR` writes one seed per type from example messages.
#include <caf/all.hpp>

#include <filesystem>
#include <fstream>
#include <tuple>

#include "runtime/base/protocol/caf_types.hpp"
#include "runtime/base/protocol/inspect.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace seedgrid;
using namespace seedgrid::protocol;

namespace {

using Messages = std::tuple<Reply, GenerateRequest, ClientCommand, Job, JobStarted, JobProgress,
                            JobFailure, JobResult, Challenge, Registration, RegistrationAck,
                            AuditTask, Verdict, Appeal, OpeningRequest, Opening, ClientEvent,
                            SubmitAck, StatusReport, PriceInputs, LedgerOrder, LedgerReceipt,
                            QuoteReply, StakeReply, LedgerCheckpoint, OpenHoldsReply>;
constexpr std::size_t kTypes = std::tuple_size_v<Messages>;

// The message types registered as in every node (built in place: a CAF 0.17 config must not be
// copied or moved).
caf::actor_system_config& system_config() {
  static caf::actor_system_config config;
  static const bool registered =
      (add_message_types(config), config.set("scheduler.max-threads", 1), true);
  (void)registered;
  return config;
}

// Never destroyed: CAF 0.17's own globals may be gone by the time static destructors run.
caf::actor_system& system() {
  static caf::actor_system* sys = new caf::actor_system{system_config()};
  return *sys;
}

template <class T>
std::vector<char> serialized(T& value) {
  std::vector<char> out;
  caf::binary_serializer sink{static_cast<caf::execution_unit*>(nullptr), out};
  SEEDGRID_FUZZ_CHECK(!sink(value));
  return out;
}

template <class T>
void round_trip(const char* data, std::size_t size) {
  T value;
  caf::binary_deserializer source{static_cast<caf::execution_unit*>(nullptr), data, size};
  if (source(value)) return;  // refused: fine, as long as nothing broke on the way
  std::vector<char> bytes = serialized(value);
  T again;
  caf::binary_deserializer second{static_cast<caf::execution_unit*>(nullptr), bytes};
  SEEDGRID_FUZZ_CHECK(!second(again));
  SEEDGRID_FUZZ_CHECK(serialized(again) == bytes);
}

void whole_message(const char* data, std::size_t size) {
  caf::message msg;
  caf::binary_deserializer source{system(), data, size};
  if (source(msg)) return;
  std::vector<char> bytes;
  caf::binary_serializer sink{system(), bytes};
  SEEDGRID_FUZZ_CHECK(!sink(msg));
}

template <std::size_t... I>
void dispatch(std::size_t type, const char* data, std::size_t size, std::index_sequence<I...>) {
  ((type == I ? round_trip<std::tuple_element_t<I, Messages>>(data, size) : void()), ...);
}

template <class T>
void write_seed(const std::filesystem::path& dir, std::size_t index, T value) {
  std::vector<char> bytes{static_cast<char>(index)};
  const std::vector<char> body = serialized(value);
  bytes.insert(bytes.end(), body.begin(), body.end());
  std::ofstream(dir / ("type-" + std::to_string(index)), std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto* body = reinterpret_cast<const char*>(data + 1);
  const std::size_t type = data[0] % (kTypes + 1);
  if (type == kTypes)
    whole_message(body, size - 1);
  else
    dispatch(type, body, size - 1, std::make_index_sequence<kTypes>{});
  return 0;
}

extern "C" int seedgrid_fuzz_write_seeds(const char* out) {
  const std::filesystem::path dir(out);
  std::filesystem::create_directories(dir);
  const Identity key = Identity::from_seed({});
  Messages examples;
  std::get<GenerateRequest>(examples).request_id = "r1";
  std::get<GenerateRequest>(examples).prompt = "a lighthouse on a cliff";
  std::get<GenerateRequest>(examples).steps = 4;
  std::get<Job>(examples).job_id = "r1/0";
  std::get<Job>(examples).spec.prompt = "a lighthouse";
  std::get<JobResult>(examples).job_id = "r1/0";
  std::get<JobResult>(examples).pixels = {1, 2, 3, 4};
  std::get<JobResult>(examples).final_latent = {0.5f, -1.0f};
  std::get<JobResult>(examples).final_latent_shape = {1, 2};
  std::get<JobResult>(examples).final_proof.siblings.resize(2);
  std::get<Opening>(examples).error = "none";
  std::get<StatusReport>(examples).nodes.resize(1);
  std::get<LedgerOrder>(examples).key = "settle/r1/0/1";
  std::get<LedgerOrder>(examples).coordinator = key.public_key().hex();
  std::get<OpenHoldsReply>(examples).ok = true;
  std::get<OpenHoldsReply>(examples).holds = {{7, "r1"}, {9, "r2"}};
  std::get<LedgerCheckpoint>(examples) = sign_checkpoint(key, 7, Digest{}, 1'700'000'000);
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (write_seed(dir, I, std::get<I>(examples)), ...);
  }
  (std::make_index_sequence<kTypes>{});
  // A whole message as a node sends it: (atom, LedgerOrder).
  std::vector<char> bytes;
  caf::binary_serializer sink{system(), bytes};
  auto msg = caf::make_message(caf::atom("ledger"), std::get<LedgerOrder>(examples));
  SEEDGRID_FUZZ_CHECK(!sink(msg));
  bytes.insert(bytes.begin(), static_cast<char>(kTypes));
  std::ofstream(dir / "whole-message", std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return 0;
}
