#include "runtime/protocol/job_result.hpp"

#include "runtime/protocol/canonical.hpp"

namespace seedgrid::protocol {

Digest output_hash_of(const std::vector<std::uint8_t>& pixels) { return blake2b(pixels); }

Digest merkle_root(const std::vector<Digest>& leaves) {
  if (leaves.empty()) return blake2b(std::string_view{});
  std::vector<Digest> level = leaves;
  while (level.size() > 1) {
    std::vector<Digest> up;
    up.reserve((level.size() + 1) / 2);
    for (std::size_t i = 0; i + 1 < level.size(); i += 2) {
      Blake2b h;
      h.update("seedgrid/merkle-node/v1").update(level[i]).update(level[i + 1]);
      up.push_back(h.finish());
    }
    if (level.size() % 2 == 1) up.push_back(level.back());
    level = std::move(up);
  }
  return level.front();
}

std::vector<std::uint8_t> result_signing_bytes(const JobResult& r) {
  CanonicalWriter w("seedgrid/job-result/v1");
  w.str(r.job_id)
      .u32(r.attempt)
      .fixed(r.worker.bytes)
      .fixed(r.spec_hash)
      .str(r.model_id)
      .u32(r.width)
      .u32(r.height)
      .fixed(r.output_hash)
      .fixed(r.trajectory_root)
      .str(r.determinism_class)
      .u64(r.render_ms)
      .u32(r.batch_size);
  return w.encoded();
}

void sign_result(JobResult& r, const Identity& worker) {
  r.worker = worker.public_key();
  r.signature = worker.sign(result_signing_bytes(r));
}

Reply check_result(const JobResult& r, const PublicKey& registered_key, const Job& assigned) {
  if (r.worker != registered_key)
    return refuse(ErrorCode::bad_signature,
                  "result for " + r.job_id + " claims worker " + r.worker.hex() +
                      " but was sent by registered worker " + registered_key.hex());
  if (!verify_signature(registered_key, result_signing_bytes(r), r.signature))
    return refuse(ErrorCode::bad_signature,
                  "result for " + r.job_id + " has a signature that does not verify for worker " +
                      registered_key.hex());
  if (r.job_id != assigned.job_id || r.attempt != assigned.attempt)
    return refuse(ErrorCode::mismatch, "result for " + r.job_id + " attempt " +
                                           std::to_string(r.attempt) + " does not match job " +
                                           assigned.job_id + " attempt " +
                                           std::to_string(assigned.attempt));
  if (r.spec_hash != spec_hash(assigned.spec) || r.model_id != assigned.spec.model_id)
    return refuse(ErrorCode::mismatch,
                  "result for " + r.job_id + " was rendered from a different job spec or model");
  if (r.width != assigned.spec.width || r.height != assigned.spec.height ||
      r.pixels.size() != static_cast<std::size_t>(r.width) * r.height * 3)
    return refuse(ErrorCode::mismatch, "result for " + r.job_id + " has " +
                                           std::to_string(r.pixels.size()) + " bytes, expected " +
                                           std::to_string(assigned.spec.width) + "x" +
                                           std::to_string(assigned.spec.height) + " RGB8");
  if (r.output_hash != output_hash_of(r.pixels))
    return refuse(ErrorCode::mismatch, "result for " + r.job_id +
                                           " carries an output hash that is not the pixels' hash");
  return {};
}

}  // namespace seedgrid::protocol
