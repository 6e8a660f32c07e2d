// `seedgrid ledger ...`: the treasury ledger from the command line — create it, move money,
// stake, close epochs and quote here; read balances, history and open holds, and verify a ledger
// with only its file and the treasury's public key, in ledger_reads.cpp.
#include <CLI/CLI.hpp>

#include <boost/json.hpp>
#include <sodium.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "actors/treasury/accounts.hpp"
#include "actors/treasury/ledger.hpp"
#include "actors/treasury/units.hpp"
#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/crypto/identity.hpp"
#include "runtime/base/crypto/sodium_init.hpp"
#include "runtime/base/storage/database.hpp"
#include "runtime/cli/command.hpp"
#include "runtime/cli/input_file.hpp"
#include "runtime/cli/ledger_options.hpp"

namespace seedgrid::cli {
namespace {

using namespace seedgrid::treasury;
using namespace seedgrid::cli::ledger_cli;

// The files a subcommand reads that are given: each there and readable, else a usage error like
// any other value that cannot be used (input_file.hpp). init creates its ledger and key; a
// PostgreSQL ledger is no file.
// A value that opens a JSON object (no file name starts with '{' by accident).
bool is_inline_json(std::string_view value) {
  const auto first = value.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && value[first] == '{';
}

int check_inputs(std::string_view command, const LedgerOptions& o) {
  std::vector<std::pair<std::string, const std::string*>> inputs;
  if (command != "init") {
    if (!o.db.empty() && storage::engine_of(o.db) == storage::Engine::sqlite)
      inputs.push_back({command == "verify" ? "DB" : "--db", &o.db});
    if (!o.key.empty()) inputs.push_back({"--key", &o.key});
  }
  if (!o.economics.empty() && !is_inline_json(o.economics))
    inputs.push_back({"--economics", &o.economics});
  for (const std::string& path : o.checkpoints) inputs.push_back({"--checkpoint", &path});
  for (const auto& [option, path] : inputs)
    if (auto ok = check_input(option, *path); !ok) {
      std::fprintf(stderr, "seedgrid ledger %.*s: %s\n", static_cast<int>(command.size()),
                   command.data(), ok.error().message.c_str());
      return kUsageError;
    }
  return 0;
}

// Economics in the shape of a node config's "treasury.economics" object: the scalar keys of
// treasury_config_keys() as integers, and "fee_tiers" as [{"stake_above_minimum", "fee_ppm"}].
// Keys the file leaves out keep their value in `base` (configure passes the config in force).
// A worker's ledger account is named by its key, which is what the coordinator pays and stakes.
constexpr const char* kWorkerAccountHelp =
    "worker:NODE_ID, the worker's full node id (64 hex digits: `seedgrid keygen --show --out "
    "KEY_FILE` prints it). The ledger knows workers by key, not by their configured name (the "
    "name `seedgrid status` shows is not in the ledger)";
constexpr const char* kValidatorAccountHelp =
    "validator:NODE_ID instead of --worker: bond a validator (the coordinator admits an unlisted "
    "validator with at least its validator_min_stake bonded; a lost appeal slashes it)";

// The account of --worker or --validator (exactly one). A bare 64-hex node id gets its prefix. A
// name that is not a node id is kept (the ledger takes any NAME) with a warning: the coordinator
// asks for the stake of "worker:<node id>" only, and the ledger has no way to map a name to a key.
Result<std::string> staker_of(const LedgerOptions& o, std::string_view command) {
  if (o.account.empty() == o.validator.empty())
    return fail("give one of --worker worker:NODE_ID or --validator validator:NODE_ID");
  const bool validator = !o.validator.empty();
  const std::string prefix = validator ? "validator:" : "worker:";
  std::string account = validator ? o.validator : o.account;
  const auto is_node_id = [](std::string_view s) {
    return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
  };
  if (is_node_id(account)) account = prefix + account;
  if (!account.starts_with(prefix))
    return fail("--", validator ? "validator" : "worker", " '", account, "' must be ", prefix,
                "NODE_ID");
  const std::string_view name = std::string_view(account).substr(prefix.size());
  if (!is_node_id(name))
    std::fprintf(stderr,
                 "seedgrid ledger %.*s: warning: '%.*s' is not a node id (64 lowercase hex "
                 "digits). The ledger knows nodes by key, not by their configured name, and the "
                 "coordinator asks for the stake of %sNODE_ID only, so this bond counts for no "
                 "node; `seedgrid keygen --show --out KEY_FILE` prints a node's id\n",
                 static_cast<int>(command.size()), command.data(),
                 static_cast<int>(name.size()), name.data(), prefix.c_str());
  return account;
}

// `--economics` takes the JSON object itself or the file holding it.
Result<TreasuryConfig> read_economics(const std::string& value, TreasuryConfig base = {}) {
  TreasuryConfig config = std::move(base);
  if (value.empty()) return config;
  const bool inline_json = is_inline_json(value);
  const std::string path = inline_json ? std::string("--economics") : value;
  std::stringstream text;
  if (inline_json) {
    text << value;
  } else {
    std::ifstream in(value);
    if (!in) return fail("cannot read economics file ", value);
    text << in.rdbuf();
  }
  boost::json::parse_options options;
  options.allow_comments = true;
  options.allow_trailing_commas = true;
  boost::system::error_code ec;
  const boost::json::value root = boost::json::parse(text.str(), ec, {}, options);
  if (ec) return fail(path, ": not valid JSON: ", ec.message());
  const boost::json::object* obj = root.if_object();
  if (!obj) return fail(path, ": expected a JSON object of economics keys");
  for (const auto& kv : *obj) {
    const std::string key(kv.key());
    if (key == "fee_tiers") {
      const boost::json::array* tiers = kv.value().if_array();
      if (!tiers) return fail(path, ": $.fee_tiers must be an array");
      config.fee_tiers.clear();
      for (std::size_t i = 0; i < tiers->size(); ++i) {
        const boost::json::object* t = (*tiers)[i].if_object();
        const std::string where = message_of("$.fee_tiers[", i, "]");
        if (!t || t->size() != 2 || !t->contains("stake_above_minimum") ||
            !t->contains("fee_ppm") || !t->at("stake_above_minimum").is_int64() ||
            !t->at("fee_ppm").is_int64())
          return fail(path, ": ", where,
                      " must be {\"stake_above_minimum\": integer, \"fee_ppm\": integer}");
        config.fee_tiers.push_back(
            {t->at("stake_above_minimum").as_int64(), t->at("fee_ppm").as_int64()});
      }
      continue;
    }
    if (!kv.value().is_int64()) return fail(path, ": $.", key, " must be an integer");
    if (auto r = set_config_value(config, key, kv.value().as_int64()); !r)
      return fail(path, ": $.", key, ": ", r.error().message);
  }
  if (auto r = validate(config); !r) return context(r.error(), path);
  return config;
}

std::int64_t now_or(std::int64_t at) {
  if (at >= 0) return at;
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A person's retry of the same command passes --idem; otherwise every invocation is a new
// operation.
std::string idem_or_new(const std::string& idem) {
  if (!idem.empty()) return idem;
  ensure_sodium();
  std::array<std::uint8_t, 16> nonce{};
  randombytes_buf(nonce.data(), nonce.size());
  return "cli/" + to_hex(nonce);
}

Result<Ledger> open_writable(const LedgerOptions& o) {
  auto id = Identity::load(o.key);
  if (!id) return pass_on(id);
  return Ledger::open_existing(o.db, *id);
}

void print_receipt(const JournalReceipt& r) {
  std::printf("%s entry %llu%s hash %s\n", r.op.c_str(), static_cast<unsigned long long>(r.seq),
              r.replayed ? " (already applied; nothing changed)" : "", to_hex(r.hash).c_str());
  for (const Posting& p : r.postings)
    std::printf("  %-40s %20s %s\n", p.account.c_str(), format_micros(p.amount).c_str(),
                std::string(asset_name(p.asset)).c_str());
}

int apply_and_print(const LedgerOptions& o, std::string_view command, const Operation& op) {
  auto ledger = open_writable(o);
  if (!ledger) return report(command, ledger.error());
  auto r = ledger->apply(op);
  if (!r) return report(command, r.error());
  std::printf("idempotency key %s\n", key_of(op).c_str());
  print_receipt(*r);
  return 0;
}

Result<Micros> amount_of(const LedgerOptions& o) {
  auto a = parse_micros(o.amount);
  if (!a) return context(a.error(), "--amount");
  return a;
}

int run_init(const LedgerOptions& o) {
  auto config = read_economics(o.economics);
  if (!config) return report("init", config.error());
  std::error_code ec;
  const bool file = storage::engine_of(o.db) == storage::Engine::sqlite;
  // A PostgreSQL database exists before its ledger does: a ledger is there once it opens.
  if (file ? std::filesystem::exists(o.db, ec) : Ledger::open_read_only(o.db).has_value())
    return report("init",
                  Error{message_of(o.db,
                                   " already exists; `seedgrid ledger configure` changes the "
                                   "economics of an existing ledger")});
  auto id = Identity::load_or_create(o.key);
  if (!id) return report("init", id.error());
  // As a node creates its data_dir: `--db data/treasury/ledger.sqlite` in a new folder just works.
  if (const auto folder = std::filesystem::path(o.db).parent_path(); file && !folder.empty())
    std::filesystem::create_directories(folder, ec);
  auto ledger = Ledger::open(o.db, *id, *config);
  if (!ledger) return report("init", ledger.error());
  std::printf("created ledger %s\ntreasury key %s (public key %s)\n", o.db.c_str(), o.key.c_str(),
              id->node_id().c_str());
  return 0;
}

int run_configure(const LedgerOptions& o) {
  auto ledger = open_writable(o);
  if (!ledger) return report("configure", ledger.error());
  // A patch: the keys the file names change, every other key keeps the value in force (the whole
  // economics used to be replaced, so setting one key reset the others to their defaults).
  auto config = read_economics(o.economics, ledger->config());
  if (!config) return report("configure", config.error());
  if (*config == ledger->config() && o.idem.empty()) {
    std::printf("economics unchanged\n%s", canonical_text(*config).c_str());
    return 0;
  }
  const Operation op = Configure{idem_or_new(o.idem), now_or(o.at), *config};
  auto r = ledger->apply(op);
  if (!r) return report("configure", r.error());
  std::printf("economics changed by entry %llu%s\nidempotency key %s\n%s",
              static_cast<unsigned long long>(r->seq),
              r->replayed ? " (already applied; nothing changed)" : "", key_of(op).c_str(),
              canonical_text(ledger->config()).c_str());
  return 0;
}

int run_quote(const LedgerOptions& o) {
  TreasuryConfig config;
  if (!o.db.empty()) {
    auto ledger = Ledger::open_read_only(o.db);
    if (!ledger) return report("quote", ledger.error());
    config = ledger->config();
  } else {
    auto read = read_economics(o.economics);
    if (!read) return report("quote", read.error());
    config = *read;
  }
  auto base = parse_fixed(o.base_render_seconds, 3);
  if (!base) return report("quote", Error{"--base-render-seconds: " + base.error().message});
  if (o.tier != "fast" && o.tier != "relaxed")
    return report("quote", Error{message_of("--tier '", o.tier, "' must be fast or relaxed")});
  const QuoteRequest request{.base_render_millis = *base,
                             .steps = o.steps,
                             .width = o.width,
                             .height = o.height,
                             .tier = o.tier == "fast" ? Tier::fast : Tier::relaxed,
                             .count = o.count,
                             .img2img = o.img2img,
                             .previews = o.previews};
  auto q = quote(config, request);
  if (!q) return report("quote", q.error());
  std::printf("render-seconds per image %s\n", format_fixed(q->render_millis_per_job, 3).c_str());
  std::printf("credits per image        %s\n", format_micros(q->per_job).c_str());
  std::printf("images                   %d\n", q->jobs);
  std::printf("credits total            %s\n", format_micros(q->total).c_str());
  std::printf("USD total                %s\n", format_micros(q->usd_micros_total).c_str());
  return 0;
}

// "worker:NAME,SPEED,SECONDS": speed in render-seconds per second (3 decimals), serving seconds.
Result<WorkerService> parse_worker(const std::string& text) {
  const auto a = text.find(','), b = text.rfind(',');
  if (a == std::string::npos || a == b)
    return fail("--worker '", text,
                "' must be worker:NAME,SPEED,SECONDS (speed in render-seconds/s)");
  auto speed = parse_fixed(text.substr(a + 1, b - a - 1), 3);
  if (!speed) return context(speed.error(), "--worker '", text, "' speed");
  auto seconds = parse_fixed(text.substr(b + 1), 0);
  if (!seconds) return context(seconds.error(), "--worker '", text, "' serving seconds");
  return WorkerService{text.substr(0, a), *speed, *seconds};
}

// "MODEL,creator:NAME,RENDER_SECONDS" (3 decimals).
Result<ModelUsage> parse_model(const std::string& text) {
  const auto a = text.find(','), b = text.rfind(',');
  if (a == std::string::npos || a == b)
    return fail("--model '", text, "' must be MODEL,creator:NAME,RENDER_SECONDS");
  auto rs = parse_fixed(text.substr(b + 1), 3);
  if (!rs) return context(rs.error(), "--model '", text, "' render-seconds");
  return ModelUsage{text.substr(0, a), text.substr(a + 1, b - a - 1), *rs};
}

int run_epoch(const LedgerOptions& o) {
  CloseEpoch op;
  op.key = o.idem.empty() ? message_of("epoch/", o.epoch) : o.idem;
  op.at = now_or(o.at);
  op.epoch = o.epoch;
  op.skip = o.skip;
  for (const std::string& w : o.workers) {
    auto parsed = parse_worker(w);
    if (!parsed) return report("epoch", parsed.error());
    op.workers.push_back(*parsed);
  }
  for (const std::string& m : o.models) {
    auto parsed = parse_model(m);
    if (!parsed) return report("epoch", parsed.error());
    op.models.push_back(*parsed);
  }
  return apply_and_print(o, "epoch", op);
}

// Each subcommand's --help shows its own use (it would inherit the ledger's balance example).
std::string subcommand_example(std::string_view name) {
  static const std::map<std::string_view, std::string_view> examples = {
      {"init", "--db data/treasury/ledger.sqlite --key keys/treasury.key"},
      {"configure",
       "--db data/treasury/ledger.sqlite --key keys/treasury.key "
       "--economics '{\"creator_royalty_ppm\": 50000}'"},
      {"deposit",
       "--db data/treasury/ledger.sqlite --key keys/treasury.key --account user:alice "
       "--amount 12.5 --idem order/1042"},
      {"transfer",
       "--db data/treasury/ledger.sqlite --key keys/treasury.key --from worker:NODE_ID "
       "--to user:alice --amount 5"},
      {"stake",
       "--db data/treasury/ledger.sqlite --key keys/treasury.key --worker worker:NODE_ID "
       "--amount 100"},
      {"unstake",
       "--db data/treasury/ledger.sqlite --key keys/treasury.key --worker "
       "worker:NODE_ID --amount 40"},
      {"withdraw",
       "--db data/treasury/ledger.sqlite --key keys/treasury.key --worker "
       "worker:NODE_ID"},
      {"quote", "--steps 30 --width 768 --height 768 --tier relaxed --count 4"},
      {"balance", "--db data/treasury/ledger.sqlite --account user:alice"},
      {"history", "--db data/treasury/ledger.sqlite --account user:alice --limit 50"},
      {"holds", "--db data/treasury/ledger.sqlite --coordinator COORDINATOR_NODE_ID"},
      {"epoch",
       "--db data/treasury/ledger.sqlite --key keys/treasury.key --epoch 0 "
       "--worker worker:NODE_ID,1.5,3600 --model MODEL_ID,creator:alice,100"},
      {"verify",
       "data/treasury/ledger.sqlite --pubkey TREASURY_PUBKEY --checkpoint "
       "data/coordinator/ledger-checkpoint.json"},
  };
  const auto it = examples.find(name);
  return it == examples.end() ? std::string() : std::string(it->second);
}

const CommandRegistration ledger{
    "ledger",
    "The treasury ledger: init, deposit, transfer, stake, quote, balance, history, holds, epoch, "
    "verify",
    [](CLI::App& app) -> CommandRun {
      set_example(app,
                  "seedgrid ledger balance --db data/treasury/ledger.sqlite --account user:alice");
      auto o = std::make_shared<LedgerOptions>();
      auto runs = std::make_shared<std::map<CLI::App*, std::function<int()>>>();
      app.require_subcommand(1);
      auto sub = [&](const char* name, const char* help,
                     std::function<int(const LedgerOptions&)> run) {
        CLI::App* s = app.add_subcommand(name, help);
        s->footer("Example:\n  seedgrid ledger " + std::string(name) + " " +
                  subcommand_example(name));
        runs->emplace(s, [o, run, name = std::string(name)] {
          if (int status = check_inputs(name, *o); status != 0) return status;
          return run(*o);
        });
        return s;
      };
      auto db = [&](CLI::App* s) {
        s->add_option("--db", o->db, "Ledger database: a file, or a postgresql:// URI")->required();
      };
      auto writer = [&](CLI::App* s) {
        db(s);
        s->add_option("--key", o->key, "Treasury key file (Ed25519, mode 0600)")->required();
        s->add_option("--idem", o->idem,
                      "Idempotency key (repeat it to retry safely; default: a new one)");
        s->add_option("--at", o->at, "Time of the operation in unix seconds (default: now)");
      };
      auto amount = [&](CLI::App* s) {
        s->add_option("--amount", o->amount, "Amount in units, up to 6 decimals (e.g. 12.5)")
            ->required();
      };

      CLI::App* init = sub("init", "Create a ledger and its treasury key", run_init);
      db(init);
      init->add_option("--key", o->key, "Treasury key file; created (mode 0600) if missing")
          ->required();
      init->add_option("--economics", o->economics,
                       "Economics keys: a JSON object, or a file holding one (default: built-in)");

      CLI::App* configure =
          sub("configure",
              "Change the named economics keys; the others keep their values (journaled, signed)",
              run_configure);
      writer(configure);
      configure
          ->add_option("--economics", o->economics,
                       "Economics keys to change (others are kept): a JSON object, or a file "
                       "holding one")
          ->required();

      CLI::App* deposit =
          sub("deposit", "Credit a purchase of credits to a user", [](const LedgerOptions& o) {
            auto a = amount_of(o);
            if (!a) return report("deposit", a.error());
            return apply_and_print(o, "deposit",
                                   Deposit{idem_or_new(o.idem), now_or(o.at), o.account, *a});
          });
      writer(deposit);
      deposit->add_option("--account", o->account, "user:NAME")->required();
      amount(deposit);

      CLI::App* transfer = sub("transfer", "Move tokens (or credits between non-user accounts)",
                               [](const LedgerOptions& o) {
                                 auto a = amount_of(o);
                                 if (!a) return report("transfer", a.error());
                                 auto asset = parse_asset(o.asset);
                                 if (!asset) return report("transfer", asset.error());
                                 return apply_and_print(o, "transfer",
                                                        Transfer{idem_or_new(o.idem), now_or(o.at),
                                                                 *asset, o.from, o.to, *a});
                               });
      writer(transfer);
      transfer->add_option("--from", o->from, "Paying account")->required();
      transfer->add_option("--to", o->to, "Receiving account")->required();
      transfer->add_option("--asset", o->asset, "tokens (default) or credits");
      amount(transfer);

      // --worker or --validator: the one that bonds (staker_of checks there is exactly one).
      auto staker = [&](CLI::App* s) {
        s->add_option("--worker", o->account, kWorkerAccountHelp);
        s->add_option("--validator", o->validator, kValidatorAccountHelp);
      };
      CLI::App* stake = sub("stake", "Bond a worker's or validator's tokens", [](const LedgerOptions& o) {
        auto who = staker_of(o, "stake");
        if (!who) return report("stake", who.error());
        auto a = amount_of(o);
        if (!a) return report("stake", a.error());
        return apply_and_print(o, "stake", Stake{idem_or_new(o.idem), now_or(o.at), *who, *a});
      });
      writer(stake);
      staker(stake);
      amount(stake);

      CLI::App* unstake =
          sub("unstake", "Start the cool-down of bonded tokens", [](const LedgerOptions& o) {
            auto who = staker_of(o, "unstake");
            if (!who) return report("unstake", who.error());
            auto a = amount_of(o);
            if (!a) return report("unstake", a.error());
            return apply_and_print(o, "unstake",
                                   Unstake{idem_or_new(o.idem), now_or(o.at), *who, *a});
          });
      writer(unstake);
      staker(unstake);
      amount(unstake);

      CLI::App* withdraw =
          sub("withdraw", "Return unbonded tokens whose cool-down has ended",
              [](const LedgerOptions& o) {
                auto who = staker_of(o, "withdraw");
                if (!who) return report("withdraw", who.error());
                return apply_and_print(o, "withdraw",
                                       Withdraw{idem_or_new(o.idem), now_or(o.at), *who});
              });
      writer(withdraw);
      staker(withdraw);

      CLI::App* quote_cmd = sub("quote", "Price a request", run_quote);
      quote_cmd->add_option("--db", o->db, "Use the economics in force in this ledger");
      quote_cmd->add_option("--economics", o->economics,
                            "Economics keys: a JSON object, or a file holding one");
      quote_cmd->add_option("--base-render-seconds", o->base_render_seconds,
                            "The model's base render-seconds (manifest; default 43.2, SD 1.x)");
      quote_cmd->add_option("--steps", o->steps, "Sampler steps (default 20)");
      quote_cmd->add_option("--width", o->width, "Width in pixels (default 512)");
      quote_cmd->add_option("--height", o->height, "Height in pixels (default 512)");
      quote_cmd->add_option("--tier", o->tier, "fast (default) or relaxed");
      quote_cmd->add_option("--count", o->count, "Images (default 1)");
      quote_cmd->add_flag("--img2img", o->img2img, "Image-to-image request");
      quote_cmd->add_flag("--previews", o->previews, "Stream previews");

      CLI::App* balance = sub(
          "balance", "Balances of an account, or of all with the conservation check", run_balance);
      db(balance);
      balance->add_option("--account", o->account, "Account id (default: every account)");

      CLI::App* history = sub("history", "Journal entries, newest first", run_history);
      db(history);
      history->add_option("--account", o->account, "Only entries touching this account");
      history->add_option("--limit", o->limit, "At most this many entries (default 20)");

      CLI::App* holds = sub(
          "holds", "Open escrow holds, oldest first, with the credits each still holds", run_holds);
      db(holds);
      holds->add_option("--coordinator", o->coordinator,
                        "Only the holds this coordinator ordered (its node id, 64 hex digits)");

      CLI::App* epoch = sub("epoch", "Close a reward epoch (mints tokens)", run_epoch);
      writer(epoch);
      epoch->add_option("--epoch", o->epoch, "Epoch number")->required();
      epoch->add_option("--worker", o->workers, "worker:NAME,SPEED,SECONDS (repeatable)");
      epoch->add_option("--model", o->models, "MODEL,creator:NAME,RENDER_SECONDS (repeatable)");
      epoch->add_flag("--skip", o->skip,
                      "Close this epoch even though the ones before it were not: they mint "
                      "nothing (journaled as skip=1); without it a gap is refused");

      CLI::App* verify = sub("verify",
                             "Check every hash, signature, balance and working table of a ledger, "
                             "and that it holds the heads the treasury published",
                             run_verify);
      verify->add_option("db", o->db, "Ledger database: a file, or a postgresql:// URI")->required();
      verify->add_option("--pubkey", o->pubkey, "The treasury's public key (64 hex digits)")
          ->required();
      verify->add_option("--checkpoint", o->checkpoints,
                         "A checkpoint the treasury signed (a coordinator's or validator's "
                         "DATA_DIR/ledger-checkpoint.json); the ledger must hold its entry "
                         "(repeatable)");
      verify->add_option("--expect-head", o->expect_heads,
                         "SEQ:HASH the ledger must hold, e.g. a head printed by an earlier verify "
                         "(repeatable)");

      return [runs] {
        for (auto& [s, run] : *runs)
          if (s->parsed()) return run();
        return 2;
      };
    }};

}  // namespace
}  // namespace seedgrid::cli
