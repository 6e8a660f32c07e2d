#include "actors/coordinator/result_checker.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <thread>

#include "runtime/base/protocol/inspect.hpp"

namespace seedgrid::coordinator {

namespace {

CheckedBatch check(const PublicKey& sender, const std::vector<protocol::JobResult>& results,
                   ImageLog* images) {
  CheckedBatch batch{protocol::check_results_integrity(results, sender), {}};
  batch.written.resize(results.size());
  if (!images) return batch;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& result = results[i];
    // Intact: the pixels hash to the result's output hash, the name the image log keeps.
    if (i >= batch.integrity.size() || !batch.integrity[i].ok() || result.pixels.empty()) continue;
    if (auto place = images->append_held(result.output_hash, result.pixels))
      batch.written[i] = *place;
  }
  return batch;
}

result_checker_actor::behavior_type checker(std::shared_ptr<ImageLog> images) {
  return {
      [images](integrity_atom, const PublicKey& sender, const CheckedResults& results) {
        return check(sender, *results, images.get());
      },
      [](request_signature_atom, const CheckedRequest& request) {
        return protocol::request_signature_valid(*request);
      },
  };
}

}  // namespace

ResultCheckers ResultCheckers::spawn(caf::local_actor* owner, std::shared_ptr<ImageLog> images,
                                     std::size_t max) {
  ResultCheckers c;
  c.images_ = images;
  const std::size_t n = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, max);
  for (std::size_t i = 0; i < n; ++i) {
    c.checkers_.push_back(owner->system().spawn(checker, images));
    owner->link_to(c.checkers_.back());
  }
  return c;
}

CheckedBatch ResultCheckers::check_here(const PublicKey& sender,
                                        const std::vector<protocol::JobResult>& results) const {
  return check(sender, results, images_.get());
}

const result_checker_actor& ResultCheckers::next() {
  const result_checker_actor& c = checkers_[next_];
  next_ = (next_ + 1) % checkers_.size();
  return c;
}

}  // namespace seedgrid::coordinator
