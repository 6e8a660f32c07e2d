#pragma once
// What the coordinator asks of the treasury node and what it answers. One order type covers every
// money movement of a request's life (hold, settle, pay-cancelled, refund, release, slash); the
// treasury actor maps it onto one ledger operation with the order's idempotency key, so an order
// re-sent after a crash or a lost reply is applied once.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/base/protocol/request.hpp"

namespace seedgrid::protocol {

enum class LedgerOrderKind : std::uint8_t {
  hold = 0,           // escrow the full quote of a request
  settle = 1,         // a delivered job: pay worker, creator, platform from the hold
  pay_cancelled = 2,  // a cancelled job: pay the completed steps
  refund = 3,         // a failed job: its price back to the payer
  release = 4,        // the request is over: the rest of the hold back to the payer
  slash = 5,          // a failed audit: slash the worker, refund the payer, bounty the validator
};
std::string_view ledger_order_kind_name(LedgerOrderKind k);

// Inputs of a price: the model's base render time and the request's shape.
struct PriceInputs {
  std::int64_t base_render_millis = 0;
  std::uint32_t steps = 0;
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  Tier tier = Tier::fast;
  std::uint32_t count = 1;
  // Pixels times steps of one job, summed over its sampler passes (a scripted task may run
  // several); 0: steps x width x height. Priced with the same render-second rules.
  std::uint64_t pixel_steps = 0;
};

struct LedgerOrder {
  LedgerOrderKind kind = LedgerOrderKind::hold;
  std::string key;         // idempotency key, e.g. "settle/<job id>/<attempt>"
  std::string payer;       // hold: account id of the payer
  std::string request_id;  // hold
  PriceInputs price;       // hold
  // hold: the key (hex) of the coordinator that orders it, so that coordinator alone releases it
  // if a crash kept its request out of that coordinator's journal (OpenHoldsReply).
  std::string coordinator;
  std::int64_t hold_id = 0;
  std::string job_id;
  std::string worker;  // account ids
  std::string creator;
  std::string validator;              // slash
  std::string verdict_id;             // slash
  std::uint32_t completed_steps = 0;  // pay_cancelled
};

// What an order did, in micro-units (credits unless noted). `ok` false: refused; nothing changed.
struct LedgerReceipt {
  bool ok = false;
  std::string error;
  bool insufficient_funds = false;  // a hold the payer could not cover
  bool hold_released = false;       // a hold whose key's hold was released: the request id is spent
  std::uint64_t seq = 0;            // journal entry
  bool replayed = false;            // the key had been applied before
  std::int64_t hold_id = 0;
  std::int64_t held = 0;  // hold: amount moved into escrow
  std::int64_t per_job = 0;
  std::int64_t worker_paid = 0;
  std::int64_t creator_paid = 0;
  std::int64_t platform_fee = 0;
  std::int64_t burned = 0;
  std::int64_t payer_refunded = 0;
  std::int64_t tokens_slashed = 0;    // slash: micro-tokens taken from the worker's stake
  std::int64_t validator_bounty = 0;  // slash: micro-tokens to the validator
};

struct QuoteReply {
  bool ok = false;
  std::string error;
  std::int64_t per_job = 0;
  std::int64_t total = 0;
  std::int64_t render_millis_per_job = 0;
};

// A worker's stake as the treasury sees it (decides whether it may serve the fast tier).
struct StakeReply {
  bool ok = false;
  std::string error;
  std::int64_t bonded = 0;
  bool serves_fast = false;
};

// A hold still open (not released), and the request it escrows.
struct HeldRequest {
  std::int64_t hold_id = 0;
  std::string request_id;
};

// The open holds one coordinator ordered (open_holds_atom), oldest first. A coordinator asks once
// at start: a hold order leaves as the request's commit starts, so a crash can leave a hold whose
// request its journal never took, and it releases those.
struct OpenHoldsReply {
  bool ok = false;
  std::string error;
  std::vector<HeldRequest> holds;
};

}  // namespace seedgrid::protocol
