#include "runtime/base/protocol/treasury_messages.hpp"

namespace seedgrid::protocol {

std::string_view ledger_order_kind_name(LedgerOrderKind k) {
  switch (k) {
    case LedgerOrderKind::hold:
      return "hold";
    case LedgerOrderKind::settle:
      return "settle";
    case LedgerOrderKind::pay_cancelled:
      return "pay_cancelled";
    case LedgerOrderKind::refund:
      return "refund";
    case LedgerOrderKind::release:
      return "release";
    case LedgerOrderKind::slash:
      return "slash";
  }
  return "unknown";
}

}  // namespace seedgrid::protocol
