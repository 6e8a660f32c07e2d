#include "actors/coordinator/journal_columns.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include <bit>
#include <cstring>

#include "runtime/base/crypto/base64.hpp"
#include "runtime/base/protocol/inspect.hpp"
#include "runtime/base/verify/receipt.hpp"

namespace seedgrid::coordinator::journal_columns {

std::span<const std::uint8_t> key_bytes(const PublicKey& k) { return k.bytes; }

std::optional<PublicKey> key_from_blob(const std::vector<std::uint8_t>& b) {
  if (b.size() != 32) return std::nullopt;
  PublicKey k;
  std::memcpy(k.bytes.data(), b.data(), 32);
  return k;
}

Digest digest_from_blob(const std::vector<std::uint8_t>& b) {
  Digest d{};
  if (b.size() == d.size()) std::memcpy(d.data(), b.data(), d.size());
  return d;
}

std::vector<std::uint8_t> keys_blob(const std::vector<PublicKey>& keys) {
  std::vector<std::uint8_t> out;
  for (const auto& k : keys) out.insert(out.end(), k.bytes.begin(), k.bytes.end());
  return out;
}

std::vector<PublicKey> keys_from_blob(const std::vector<std::uint8_t>& b) {
  std::vector<PublicKey> out;
  for (std::size_t i = 0; i + 32 <= b.size(); i += 32) {
    PublicKey k;
    std::memcpy(k.bytes.data(), b.data() + i, 32);
    out.push_back(k);
  }
  return out;
}

// An audit plan as 5 bytes an item: the kind, then the step little-endian.
std::vector<std::uint8_t> plan_blob(const std::vector<protocol::AuditItem>& plan) {
  std::vector<std::uint8_t> out;
  for (const auto& item : plan) {
    out.push_back(static_cast<std::uint8_t>(item.kind));
    for (int b = 0; b < 4; ++b) out.push_back(static_cast<std::uint8_t>(item.step >> (8 * b)));
  }
  return out;
}

std::vector<protocol::AuditItem> plan_from_blob(const std::vector<std::uint8_t>& b) {
  std::vector<protocol::AuditItem> out;
  for (std::size_t i = 0; i + 5 <= b.size(); i += 5) {
    protocol::AuditItem item;
    item.kind = static_cast<protocol::AuditKind>(b[i]);
    for (int k = 0; k < 4; ++k) item.step |= std::uint32_t{b[i + 1 + k]} << (8 * k);
    out.push_back(item);
  }
  return out;
}

// A commitment is stored as the receipt a client would get (runtime/base/verify/receipt.hpp): one
// encoding of the signed result, reused rather than invented twice. The pixels are in results/
// (content-addressed), so the image file named is a placeholder.
std::string receipt_text(const protocol::Job& job, const protocol::JobResult& result) {
  return verify::to_json(verify::receipt_of(job, result, "result.png"));
}

// Receipts name the prompt: they are sealed like the requests' prompts. Text written before the
// journal sealed anything reads back as it is.
Result<std::string> unsealed(const SecretBox& box, std::string text) {
  if (!SecretBox::is_sealed(text)) return text;
  return box.open(text);
}

// A verification row's commitment: the commitment record (protocol::commitment_record) in base64
// after a prefix of its own, as text because the column is TEXT (PostgreSQL's TEXT holds no
// bytes). Rows of older journals hold the JSON commitment (verify::commitment_json) or, older
// still, a whole receipt, sealed or in the clear; each form is told apart by how it starts.
constexpr std::string_view kCommitmentRecordPrefix = "sgrecord1:";

std::string commitment_text(const protocol::JobResult& result) {
  return std::string(kCommitmentRecordPrefix) + base64_of(protocol::commitment_record(result));
}

Result<protocol::JobResult> commitment_from_text(const SecretBox& box, std::string text) {
  if (text.starts_with(kCommitmentRecordPrefix)) {
    const auto bytes =
        bytes_of_base64(std::string_view(text).substr(kCommitmentRecordPrefix.size()));
    if (!bytes)
      return fail("a commitment record is not valid base64 after '", kCommitmentRecordPrefix, "'");
    return protocol::parse_commitment_record(*bytes);
  }
  if (!SecretBox::is_sealed(text) && text.find(verify::kCommitmentFormat) != std::string::npos)
    return verify::parse_commitment(text);
  auto opened = unsealed(box, std::move(text));
  if (!opened) return pass_on(opened);
  auto receipt = verify::parse_receipt(*opened);
  if (!receipt) return pass_on(receipt);
  return std::move(receipt->result);
}

// A failed verdict as the worker is told it (notices table), in the wire encoding: the signed
// verdict with its evidence, re-sent as it was. A row in an older wire layout does not read back;
// that notice is then not re-sent (the slash waits for the window as before).
std::vector<std::uint8_t> verdict_blob(protocol::Verdict v) {
  std::vector<char> buf;
  caf::binary_serializer sink(nullptr, buf);
  if (auto err = sink(v)) return {};
  return {buf.begin(), buf.end()};
}

std::optional<protocol::Verdict> verdict_from_blob(const std::vector<std::uint8_t>& b) {
  if (b.empty()) return std::nullopt;
  protocol::Verdict v;
  caf::binary_deserializer source(nullptr, reinterpret_cast<const char*>(b.data()), b.size());
  if (auto err = source(v)) return std::nullopt;
  if (source.remaining() != 0) return std::nullopt;
  return v;
}

// Reputation averages are stored as the bits of their doubles, so a restart restores them exactly.
std::int64_t bits_of(double v) { return std::bit_cast<std::int64_t>(v); }
double double_of(std::int64_t bits) { return std::bit_cast<double>(bits); }

}  // namespace seedgrid::coordinator::journal_columns
