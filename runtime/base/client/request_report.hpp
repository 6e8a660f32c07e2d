#pragma once
// What a person sees of a request on the command line (`seedgrid generate`, `seedgrid sim`):
// progress over all images (progress_meter.hpp; one updating line on a terminal, a line per 10%
// otherwise), a line per
// retry or failure, each delivered image written as DIR/<request id>-<index>.png with the
// "parameters" text other SD tools read, and a closing table of every image's worker, audit
// outcome and payment. Never prints the prompt.
#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "runtime/base/client/generate_session.hpp"
#include "runtime/base/client/progress_meter.hpp"

namespace seedgrid::client {

class RequestReport {
 public:
  RequestReport(const protocol::GenerateRequest& request, std::string model_name,
                std::string out_dir, std::FILE* out);

  void on_ack(const protocol::SubmitAck& ack);
  void on_event(const protocol::ClientEvent& event);
  // The closing table and totals.
  void finish(const SessionOutcome& outcome);

  // The first image that could not be written, if any.
  std::optional<std::string> write_error() const;

 private:
  struct ImageLine {
    PublicKey worker;
    std::string precision;  // the worker's signed storage precision ("-" without a commitment)
    std::string audit;
    protocol::PaymentReceipt receipt;
    std::string path;
    Digest hash{};
  };
  void progress_line();
  void print(const std::string& line);

  protocol::GenerateRequest request_;
  std::string model_name_;
  std::string out_dir_;
  std::FILE* out_;
  bool tty_;
  mutable std::mutex mutex_;
  ProgressMeter progress_;
  std::map<std::uint32_t, ImageLine> images_;
  std::optional<std::string> write_error_;
  int last_percent_ = -1;
  bool line_open_ = false;
};

// Micro-units as "12.345678".
std::string format_micros(std::int64_t micros);

}  // namespace seedgrid::client
