#pragma once
// The receipt a client keeps for a delivered image: the job as its request defines it, the
// worker's signed commitment, and the coordinator's audit word at delivery. A private request's
// prompt, negative prompt and seed are sealed to the request's payer, so the receipt can be shared
// (or sit in a gateway) without them; the payer's key opens them for `seedgrid audit --key`.
#include <string>

#include "runtime/base/protocol/client_event.hpp"
#include "runtime/base/protocol/request.hpp"
#include "runtime/base/verify/receipt.hpp"

namespace seedgrid::client {

// `e` is a result event; one without the worker's commitment (delivered after a coordinator
// restart) has no receipt, and the error says so.
Result<verify::ImageReceipt> delivered_receipt(const protocol::GenerateRequest& request,
                                          const protocol::ClientEvent& e, std::string image_file);

}  // namespace seedgrid::client
