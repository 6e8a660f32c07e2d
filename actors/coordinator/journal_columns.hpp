#pragma once
// How the coordinator's journal writes values into its columns and reads them back: keys, digests,
// audit plans, commitments (the commitment record; a penalty's as a sealed receipt) and verdicts
// (in the wire encoding). Only journal*.cpp use these; the encodings are the journal's file
// format, so they never change meaning: a new form is added, and the older ones still read.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "models/result.hpp"
#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/crypto/identity.hpp"
#include "runtime/base/crypto/secret_box.hpp"
#include "runtime/base/protocol/audit.hpp"
#include "runtime/base/protocol/job.hpp"
#include "runtime/base/protocol/job_result.hpp"

namespace seedgrid::coordinator::journal_columns {

std::span<const std::uint8_t> key_bytes(const PublicKey& k);
std::optional<PublicKey> key_from_blob(const std::vector<std::uint8_t>& b);
Digest digest_from_blob(const std::vector<std::uint8_t>& b);
std::vector<std::uint8_t> keys_blob(const std::vector<PublicKey>& keys);
std::vector<PublicKey> keys_from_blob(const std::vector<std::uint8_t>& b);
std::vector<std::uint8_t> plan_blob(const std::vector<protocol::AuditItem>& plan);
std::vector<protocol::AuditItem> plan_from_blob(const std::vector<std::uint8_t>& b);
std::string receipt_text(const protocol::Job& job, const protocol::JobResult& result);
Result<std::string> unsealed(const SecretBox& box, std::string text);
std::string commitment_text(const protocol::JobResult& result);
Result<protocol::JobResult> commitment_from_text(const SecretBox& box, std::string text);
std::vector<std::uint8_t> verdict_blob(protocol::Verdict v);
std::optional<protocol::Verdict> verdict_from_blob(const std::vector<std::uint8_t>& b);
std::int64_t bits_of(double v);
double double_of(std::int64_t bits);

}  // namespace seedgrid::coordinator::journal_columns
