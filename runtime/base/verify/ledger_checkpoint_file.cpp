#include "runtime/base/verify/ledger_checkpoint_file.hpp"

#include <boost/json.hpp>
#include <charconv>

namespace seedgrid::verify {

using protocol::kCheckpointFormat;
using protocol::LedgerCheckpoint;

std::string checkpoint_json(const LedgerCheckpoint& c) {
  boost::json::object o;
  o["checkpoint"] = kCheckpointFormat;
  o["treasury"] = c.treasury.hex();
  o["seq"] = c.seq;
  o["head"] = to_hex(c.head);
  o["at"] = c.at;
  o["signature"] = to_hex(c.signature);
  return boost::json::serialize(o) + "\n";
}

Result<LedgerCheckpoint> parse_checkpoint_json(std::string_view text, std::string_view source) {
  boost::system::error_code ec;
  const boost::json::value root = boost::json::parse(text, ec);
  if (ec) return fail(source, ": not a ledger checkpoint (not valid JSON: ", ec.message(), ")");
  const boost::json::object* o = root.if_object();
  if (!o) return fail(source, ": not a ledger checkpoint (expected a JSON object)");
  auto string_field = [&](std::string_view key) -> Result<std::string_view> {
    const boost::json::value* v = o->if_contains(key);
    if (!v || !v->is_string()) return fail(source, ": $.", key, " must be a string");
    return std::string_view(v->get_string());
  };
  auto format = string_field("checkpoint");
  if (!format) return pass_on(format);
  if (*format != kCheckpointFormat)
    return fail(source, ": $.checkpoint is '", *format, "', this build reads ", kCheckpointFormat);
  for (const auto& kv : *o) {
    const std::string_view key = kv.key();
    if (key != "checkpoint" && key != "treasury" && key != "seq" && key != "head" && key != "at" &&
        key != "signature")
      return fail(source, ": $.", key, ": unknown key in a ledger checkpoint");
  }
  LedgerCheckpoint c;
  auto treasury = string_field("treasury");
  if (!treasury) return pass_on(treasury);
  auto key = PublicKey::from_hex(*treasury);
  if (!key) return context(key.error(), source, ": $.treasury");
  c.treasury = *key;
  const boost::json::value* seq = o->if_contains("seq");
  if (!seq || !(seq->is_uint64() || (seq->is_int64() && seq->get_int64() > 0)) ||
      (seq->is_uint64() && seq->get_uint64() == 0))
    return fail(source, ": $.seq must be a positive integer (a ledger entry)");
  c.seq = seq->is_uint64() ? seq->get_uint64() : static_cast<std::uint64_t>(seq->get_int64());
  auto head = string_field("head");
  if (!head) return pass_on(head);
  auto digest = digest_from_hex(*head);
  if (!digest) return context(digest.error(), source, ": $.head");
  c.head = *digest;
  const boost::json::value* at = o->if_contains("at");
  if (!at || !at->is_int64()) return fail(source, ": $.at must be an integer (unix seconds)");
  c.at = at->get_int64();
  auto signature = string_field("signature");
  if (!signature) return pass_on(signature);
  auto sig = signature_from_hex(*signature);
  if (!sig) return context(sig.error(), source, ": $.signature");
  c.signature = *sig;
  return c;
}

Result<ExpectedHead> parse_expected_head(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos)
    return fail("expected head '", text, "' is not SEQ:HASH (e.g. 42:<64 hex digits>)");
  const std::string_view seq_text = text.substr(0, colon);
  ExpectedHead out;
  const auto [end, ec] =
      std::from_chars(seq_text.data(), seq_text.data() + seq_text.size(), out.seq);
  if (ec != std::errc() || end != seq_text.data() + seq_text.size() || out.seq == 0)
    return fail("expected head '", text, "': '", seq_text,
                "' is not an entry number (a positive integer)");
  auto head = digest_from_hex(text.substr(colon + 1));
  if (!head) return context(head.error(), "expected head '", text, "'");
  out.head = *head;
  return out;
}

}  // namespace seedgrid::verify
