// Holds a crash left without a request. A hold order leaves for the treasury as its request's
// commit starts (effect_delivery.cpp), so the treasury places it while the journal syncs the
// request; a crash between the two leaves a hold that no journal knows, for a client that was
// never answered. Once per start the coordinator asks the treasury for the open holds it ordered
// and releases those whose request it does not know. The treasury refuses to hold a released
// hold's request again (treasury_actor_desk.cpp), so a client retrying that id is told to choose
// a new one, and until the release is applied this coordinator refuses the id itself
// (requests.cpp).
#include "actors/coordinator/core_state.hpp"

namespace seedgrid::coordinator {

void ask_open_holds(CoreState& s, std::int64_t now_ms, Outbox& out, bool now) {
  if (s.hold_sweep != CoreState::HoldSweep::due || (!now && now_ms < s.hold_sweep_at_ms)) return;
  s.hold_sweep = CoreState::HoldSweep::asked;
  out.add(AskOpenHolds{s.key().hex()});
}

void CoordinatorCore::on_open_holds(const protocol::OpenHoldsReply& reply, std::int64_t now_ms,
                                    Outbox& out) {
  CoreState& s = *state_;
  if (s.hold_sweep != CoreState::HoldSweep::asked) return;
  if (!reply.ok) return open_holds_unknown(now_ms);
  for (const protocol::HeldRequest& h : reply.holds) {
    // In memory: a request this run took (its hold order may have left before its commit), or
    // one the journal resumed; either settles or releases its own hold.
    if (s.find_request(h.request_id) != nullptr) continue;
    auto journaled = s.journal.knows_request(h.request_id);
    if (!journaled) {
      s.record_fatal(journaled.error());
      return;
    }
    if (*journaled) continue;  // done and let go from memory: its hold was released
    place_order(s, release_order(h.request_id, h.hold_id), out);
  }
  s.hold_sweep = CoreState::HoldSweep::done;
}

void CoordinatorCore::open_holds_unknown(std::int64_t now_ms) {
  CoreState& s = *state_;
  if (s.hold_sweep != CoreState::HoldSweep::asked) return;
  s.hold_sweep = CoreState::HoldSweep::due;
  s.hold_sweep_at_ms = now_ms + s.options.order_retry_ms;
}

}  // namespace seedgrid::coordinator
