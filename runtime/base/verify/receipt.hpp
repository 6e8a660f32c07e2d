#pragma once
// A receipt: what a client keeps next to each delivered image so anyone can check it later without
// the network — the job it was rendered for, the worker's signed result (everything but the pixels,
// which are the PNG beside it), and the verdicts known at delivery. `seedgrid audit` re-checks the
// signature, the pixel hash and the spec hash, and with the model re-runs the noise and decode
// audits (receipt_check.hpp).
//
// On disk: JSON (to_json / parse_receipt), digests, keys and signatures in hex, the final latent as
// base64 of its f32 little-endian bytes. Convention: image NAME.png, receipt NAME.receipt.json.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/result.hpp"
#include "runtime/base/crypto/identity.hpp"
#include "runtime/base/protocol/job.hpp"
#include "runtime/base/protocol/job_result.hpp"

namespace seedgrid::verify {

inline constexpr std::string_view kReceiptFormat = "seedgrid/receipt/v1";

// A verdict known when the image was delivered: the coordinator's audit word ("passed",
// "not sampled", ...), or a validator's signed outcome ("pass", "grey", "fail").
struct ReceiptVerdict {
  std::string outcome;
  std::string validator;  // the validator's public key in hex; empty when not from a validator
  std::string detail;

  bool operator==(const ReceiptVerdict&) const = default;
};

// A private request's prompt, negative prompt and seed, sealed to the requester's key: the receipt
// can be kept, shared or published without them, and the requester's key opens them for an audit.
struct SealedFields {
  PublicKey to;
  std::vector<std::uint8_t> box;  // crypto_box_seal of {"prompt", "negative_prompt", "seed"}
};

struct ImageReceipt {
  protocol::Job job;           // id, request id, index, attempt, tier, every JobSpec field
  protocol::JobResult result;  // as signed; `pixels` is empty (they are in image_file)
  std::string image_file;      // the PNG's file name, relative to the receipt's folder
  std::vector<ReceiptVerdict> verdicts;
  // When set, job.spec's prompt, negative prompt and seed are empty here and live in the box.
  std::optional<SealedFields> sealed;
};

// Seals job.spec's prompt, negative prompt and seed to `requester` and blanks them.
Result<void> seal_private_fields(ImageReceipt& receipt, const PublicKey& requester);
// Puts them back with the requester's key; the error names the key that can.
Result<void> open_private_fields(ImageReceipt& receipt, const Identity& requester);

// The result's pixels are left out.
ImageReceipt receipt_of(const protocol::Job& job, const protocol::JobResult& result,
                   std::string image_file);

std::string to_json(const ImageReceipt& receipt);
// Errors name the JSON path of the offending value ("result.final_proof.siblings[2]: ...").
Result<ImageReceipt> parse_receipt(std::string_view json);

Result<void> write_receipt(const std::string& path, const ImageReceipt& receipt);
Result<ImageReceipt> read_receipt(const std::string& path);

// A worker's signed result alone, without its job or pixels, as JSON: the receipt's "result"
// object under a format name of its own. Journals before the binary commitment record
// (protocol::commitment_record, 2026-12) kept every delivered job's commitment this way, and such
// rows are still read; the writer stays so tests write that form exactly as those releases did.
inline constexpr std::string_view kCommitmentFormat = "seedgrid/commitment/v1";
std::string commitment_json(const protocol::JobResult& result);
Result<protocol::JobResult> parse_commitment(std::string_view json);

// The signed JobResult back, with the image's pixels, so protocol::result_signing_bytes and
// protocol::check_result apply to it as they did when it was delivered.
protocol::JobResult job_result_of(const ImageReceipt& receipt, std::vector<std::uint8_t> pixels);

}  // namespace seedgrid::verify
