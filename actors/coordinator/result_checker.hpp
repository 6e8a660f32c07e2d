#pragma once
// Actors that run protocol::check_results_integrity (the Ed25519 verification of a batch's
// signature, the batch proofs and the hash of each result's pixels) for the coordinator, on
// other scheduler threads: those checks need only the result and its sender's key, and were the
// largest part of the coordinator's own time per job. The coordinator hands each batch to the next checker in turn
// and applies it when the answer comes back; a result that fails here is still applied, unchecked,
// so the core refuses it and charges the worker exactly as before.
//
// A checker also verifies a request's signature for a busy coordinator (an Ed25519
// verification: a third of the coordinator's own time on a one-job request).
//
// A checker also writes each intact result's pixels into the coordinator's image log (when its
// journal has one), so the coordinator's thread names the record rather than writing 12 KiB to
// 768 KiB per image itself (CoordinatorCore::offer_result_image).
#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include "actors/coordinator/image_log.hpp"
#include "runtime/base/protocol/job_result.hpp"
#include "runtime/base/protocol/request.hpp"

namespace seedgrid::coordinator {

using integrity_atom = caf::atom_constant<caf::atom("integrity")>;
using request_signature_atom = caf::atom_constant<caf::atom("reqsig")>;

// The results of one message (a worker's rendered batch), lent to a checker, never copied. The
// coordinator keeps them: once the checker has answered it reads them no more, and the coordinator
// moves each accepted result's pixels into its result store.
using CheckedResults = std::shared_ptr<const std::vector<protocol::JobResult>>;

// One integrity verdict per result, in order, and where each intact result's pixels were written
// (nothing when there is no image log, or the write failed: the coordinator writes them then).
struct CheckedBatch {
  std::vector<protocol::Reply> integrity;
  std::vector<std::optional<ImagePlace>> written;
};

// A submitted request, lent to a checker for its signature (true: it verifies).
using CheckedRequest = std::shared_ptr<const protocol::GenerateRequest>;

using result_checker_actor =
    caf::typed_actor<caf::replies_to<integrity_atom, PublicKey, CheckedResults>::with<CheckedBatch>,
                     caf::replies_to<request_signature_atom, CheckedRequest>::with<bool>>;

class ResultCheckers {
 public:
  ResultCheckers() = default;
  // One checker per hardware thread (at least one, at most `max`). They end with `owner`.
  // `images`: the coordinator journal's image log, if it has one.
  static ResultCheckers spawn(caf::local_actor* owner, std::shared_ptr<ImageLog> images,
                              std::size_t max = 8);
  // The checker for the next result, in turn.
  const result_checker_actor& next();
  // What a checker answers, worked out on the calling thread (a coordinator with nothing else to
  // do spares the two hand-overs between threads).
  CheckedBatch check_here(const PublicKey& sender,
                          const std::vector<protocol::JobResult>& results) const;

 private:
  std::vector<result_checker_actor> checkers_;
  std::shared_ptr<ImageLog> images_;
  std::size_t next_ = 0;
};

}  // namespace seedgrid::coordinator

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(seedgrid::coordinator::CheckedResults)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(seedgrid::coordinator::CheckedBatch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(seedgrid::coordinator::CheckedRequest)
