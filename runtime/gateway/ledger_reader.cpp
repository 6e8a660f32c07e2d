#include "runtime/gateway/ledger_reader.hpp"

#include "actors/treasury/ledger.hpp"

namespace seedgrid::gateway {

struct LedgerReader::State {
  std::mutex mutex;  // one SQLite connection
  std::string path;
  std::optional<treasury::Ledger> ledger;
};

Result<std::unique_ptr<LedgerReader>> LedgerReader::open(const std::string& path) {
  auto state = std::make_unique<State>();
  state->path = path;
  return std::unique_ptr<LedgerReader>(new LedgerReader(std::move(state)));
}

LedgerReader::LedgerReader(std::unique_ptr<State> state) : state_(std::move(state)) {}
LedgerReader::~LedgerReader() = default;

namespace {
// Opened on first use: the treasury creates the ledger when it starts, maybe after the gateway.
Result<treasury::Ledger*> ledger_of(LedgerReader::State& s) {
  if (!s.ledger) {
    auto opened = treasury::Ledger::open_read_only(s.path);
    if (!opened) return pass_on(opened);
    s.ledger.emplace(std::move(*opened));
  }
  return &*s.ledger;
}
}  // namespace

Result<std::int64_t> LedgerReader::balance(const std::string& account) {
  std::lock_guard lock(state_->mutex);
  auto ledger = ledger_of(*state_);
  if (!ledger) return pass_on(ledger);
  return (*ledger)->balance(account, treasury::Asset::credits);
}

Result<std::vector<LedgerLine>> LedgerReader::history(const std::string& account,
                                                      std::size_t limit) {
  std::lock_guard lock(state_->mutex);
  auto ledger = ledger_of(*state_);
  if (!ledger) return pass_on(ledger);
  auto entries = (*ledger)->history(account, limit);
  if (!entries) return pass_on(entries);
  std::vector<LedgerLine> out;
  for (const auto& e : *entries) {
    LedgerLine line{e.seq, e.at, e.op, e.key, 0};
    for (const auto& p : e.postings)
      if (p.account == account && p.asset == treasury::Asset::credits) line.amount += p.amount;
    out.push_back(std::move(line));
  }
  return out;
}

std::uint64_t LedgerReader::head_seq() {
  std::lock_guard lock(state_->mutex);
  auto ledger = ledger_of(*state_);
  return ledger ? (*ledger)->head_seq() : 0;
}

Result<PriceQuote> LedgerReader::quote(std::int64_t base_render_millis, std::uint32_t steps,
                                       std::uint32_t width, std::uint32_t height, bool relaxed,
                                       std::uint32_t count, std::int64_t pixel_steps) {
  std::lock_guard lock(state_->mutex);
  auto ledger = ledger_of(*state_);
  if (!ledger) return pass_on(ledger);
  treasury::QuoteRequest q;
  q.base_render_millis = base_render_millis;
  q.steps = static_cast<int>(steps);
  q.width = static_cast<int>(width);
  q.height = static_cast<int>(height);
  q.tier = relaxed ? treasury::Tier::relaxed : treasury::Tier::fast;
  q.count = static_cast<int>(count);
  q.pixel_steps = pixel_steps;
  auto quote = (*ledger)->quote(q);
  if (!quote) return pass_on(quote);
  return PriceQuote{quote->per_job, quote->total, quote->usd_micros_total};
}

}  // namespace seedgrid::gateway
