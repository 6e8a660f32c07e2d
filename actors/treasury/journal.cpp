#include "actors/treasury/journal.hpp"

namespace seedgrid::treasury::journal {

std::string hold_account(std::int64_t hold_id) { return message_of(kHoldAccountPrefix, hold_id); }
std::string stake_account(std::string_view worker) { return message_of("stake:", worker); }
std::string unbonding_account(std::int64_t unbonding_id) {
  return message_of("unbonding:", unbonding_id);
}

namespace {
void update_text(Blake2b& h, std::string_view text) {
  h.update_u64(text.size());
  h.update(text);
}
}  // namespace

Digest entry_hash(std::uint64_t seq, const Digest& prev_hash, std::int64_t at, std::string_view op,
                  std::string_view key, std::string_view request,
                  std::span<const Posting> postings) {
  Blake2b h;
  update_text(h, "seedgrid/ledger/entry/v1");
  h.update_u64(seq);
  h.update(std::span<const std::uint8_t>(prev_hash));
  h.update_u64(static_cast<std::uint64_t>(at));
  update_text(h, op);
  update_text(h, key);
  update_text(h, request);
  h.update_u64(postings.size());
  for (const Posting& p : postings) {
    update_text(h, p.account);
    h.update_u64(static_cast<std::uint64_t>(p.asset));
    h.update_u64(static_cast<std::uint64_t>(p.amount));
  }
  return h.finish();
}

RequestText& RequestText::field(std::string_view name, std::string_view value) {
  text_.append(name);
  text_.push_back('=');
  for (char c : value) {
    if (c == '%')
      text_.append("%25");
    else if (c == '\n')
      text_.append("%0A");
    else
      text_.push_back(c);
  }
  text_.push_back('\n');
  return *this;
}

RequestText& RequestText::field(std::string_view name, std::int64_t value) {
  return field(name, std::string_view(std::to_string(value)));
}

Result<std::vector<std::pair<std::string, std::string>>> request_fields(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) return fail("request line '", line, "' has no '='");
    std::string value;
    for (std::size_t i = eq + 1; i < line.size(); ++i) {
      if (line.substr(i, 3) == "%25") {
        value.push_back('%');
        i += 2;
      } else if (line.substr(i, 3) == "%0A") {
        value.push_back('\n');
        i += 2;
      } else {
        value.push_back(line[i]);
      }
    }
    out.emplace_back(std::string(line.substr(0, eq)), std::move(value));
  }
  return out;
}

}  // namespace seedgrid::treasury::journal
