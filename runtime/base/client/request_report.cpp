#include "runtime/base/client/request_report.hpp"

#include <unistd.h>

#include <filesystem>

#include "models/pipeline/generation_spec.hpp"
#include "runtime/base/image/generation_parameters.hpp"
#include "runtime/base/image/png_file.hpp"
#include "runtime/base/protocol/job.hpp"
#include "runtime/base/client/delivered_receipt.hpp"
#include "runtime/base/verify/receipt.hpp"

namespace seedgrid::client {

namespace {

std::string short_id(const PublicKey& k) { return k.hex().substr(0, 12); }

}  // namespace

std::string format_micros(std::int64_t micros) {
  const bool negative = micros < 0;
  const std::uint64_t v =
      negative ? static_cast<std::uint64_t>(-micros) : static_cast<std::uint64_t>(micros);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s%llu.%06llu", negative ? "-" : "",
                static_cast<unsigned long long>(v / 1'000'000),
                static_cast<unsigned long long>(v % 1'000'000));
  return buf;
}

RequestReport::RequestReport(const protocol::GenerateRequest& request, std::string model_name,
                             std::string out_dir, std::FILE* out)
    : request_(request),
      model_name_(std::move(model_name)),
      out_dir_(std::move(out_dir)),
      out_(out),
      tty_(isatty(fileno(out)) != 0),
      progress_(request.count, request.steps) {}

void RequestReport::print(const std::string& line) {
  if (line_open_) std::fputc('\n', out_);
  line_open_ = false;
  std::fprintf(out_, "%s\n", line.c_str());
  std::fflush(out_);
}

void RequestReport::progress_line() {
  const int percent = progress_.percent();
  char line[160];
  std::snprintf(line, sizeof line, "progress %3d%%  %u/%u images", percent,
                progress_.images_delivered(), request_.count);
  if (tty_) {
    std::fprintf(out_, "\r%s", line);
    std::fflush(out_);
    line_open_ = true;
  } else if (percent / 10 != last_percent_ / 10) {
    print(line);
  }
  last_percent_ = percent;
}

void RequestReport::on_ack(const protocol::SubmitAck& ack) {
  std::lock_guard lock(mutex_);
  print("request " + ack.request_id + " accepted: " + std::to_string(ack.jobs) + " image(s), " +
        format_micros(ack.quoted) + " credits held" + (ack.resumed ? " (resumed)" : ""));
  if (ack.prompt_erased)
    print("the coordinator erased this private request's prompt once its audit and appeal windows "
          "closed, and its images at delivery: only its outcome is left to report");
}

void RequestReport::on_event(const protocol::ClientEvent& e) {
  std::lock_guard lock(mutex_);
  using protocol::EventKind;
  switch (e.kind) {
    case EventKind::queued:
      print("queued behind " + std::to_string(e.position) + " job(s)");
      break;
    case EventKind::progress:
      progress_.step(e.index, e.step);
      progress_line();
      break;
    case EventKind::retry:
      print("image " + std::to_string(e.index) + " retry after attempt " +
            std::to_string(e.attempt) + ": " + std::string(protocol::error_code_name(e.code)) +
            " (" + std::to_string(static_cast<unsigned>(e.code)) + ") " + e.reason);
      break;
    case EventKind::failed:
    case EventKind::cancelled:
      print("image " +
            (e.index == protocol::kAllJobs ? std::string("*") : std::to_string(e.index)) + " " +
            std::string(protocol::event_kind_name(e.kind)) + ": " +
            std::string(protocol::error_code_name(e.code)) + " (" +
            std::to_string(static_cast<unsigned>(e.code)) + ") " + e.reason);
      break;
    case EventKind::result: {
      const std::string precision = e.commitment ? e.commitment->precision : "-";
      ImageLine line{e.worker, precision, e.audit, e.receipt, "", e.output_hash};
      if (!out_dir_.empty()) {
        const auto path = std::filesystem::path(out_dir_) /
                          (request_.request_id + "-" + std::to_string(e.index) + ".png");
        GenerationSpec spec;
        spec.prompt = request_.prompt;
        spec.negative_prompt = request_.negative_prompt;
        spec.seed = request_.seed + e.index;
        spec.steps = static_cast<int>(request_.steps);
        spec.guidance = request_.guidance;
        if (auto k = parse_sampler_kind(request_.sampler)) spec.sampler = *k;
        spec.karras = request_.karras;
        spec.width = static_cast<int>(e.width);
        spec.height = static_cast<int>(e.height);
        RgbImage image{static_cast<int>(e.width), static_cast<int>(e.height), e.pixels};
        auto written =
            write_png(path.string(), image,
                      format_generation_parameters(spec, request_.model_id, model_name_));
        if (written && e.commitment) {
          // The receipt beside the PNG: the job and the worker's signed commitment, so anyone can
          // re-check the image later (`seedgrid audit NAME.receipt.json`).
          auto receipt = delivered_receipt(request_, e, path.filename().string());
          auto receipt_path = path;
          receipt_path.replace_extension(".receipt.json");
          written = receipt ? verify::write_receipt(receipt_path.string(), *receipt)
                            : Result<void>(std::unexpected(receipt.error()));
        }
        if (written) {
          line.path = path.string();
        } else if (!write_error_) {
          write_error_ = written.error().message;
          print("cannot write image " + std::to_string(e.index) + ": " + written.error().message);
        }
      }
      images_[e.index] = std::move(line);
      progress_.delivered(e.index);
      progress_line();
      break;
    }
    case EventKind::paid:  // after its result: the table at the end shows what each image cost
      if (auto it = images_.find(e.index); it != images_.end()) it->second.receipt = e.receipt;
      break;
    case EventKind::completed:
    case EventKind::assigned:
    case EventKind::started:
      break;
  }
}

void RequestReport::finish(const SessionOutcome& outcome) {
  std::lock_guard lock(mutex_);
  if (!outcome.reply.ok()) {
    print("refused: " + std::string(protocol::error_code_name(outcome.reply.code)) + " (" +
          std::to_string(static_cast<unsigned>(outcome.reply.code)) + ") " + outcome.reply.reason);
    // The command to follow the request again was printed before it was sent: say it has nothing
    // to follow.
    print(
        "nothing was charged, and there is no request to follow: fix what the refusal names "
        "and submit again");
    return;
  }
  print("");
  print(
      "image  worker        prec  audit        charged      worker got   creator got  fee          "
      "file");
  for (const auto& [index, l] : images_) {
    char row[512];
    std::snprintf(
        row, sizeof row, "%5u  %-12s  %-4s  %-11s  %-11s  %-11s  %-11s  %-11s  %s", index,
        short_id(l.worker).c_str(), l.precision.c_str(), l.audit.c_str(),
        format_micros(l.receipt.charged).c_str(),
        format_micros(l.receipt.worker_paid).c_str(), format_micros(l.receipt.creator_paid).c_str(),
        format_micros(l.receipt.platform_fee + l.receipt.burned).c_str(),
        l.path.empty() ? "-" : l.path.c_str());
    print(row);
  }
  const auto& c = outcome.completed;
  print("completed: " + std::to_string(c.delivered) + " delivered, " + std::to_string(c.failed) +
        " failed, " + std::to_string(c.cancelled) + " cancelled; charged " +
        format_micros(c.total_charged) + " credits, refunded " + format_micros(c.refunded));
}

std::optional<std::string> RequestReport::write_error() const {
  std::lock_guard lock(mutex_);
  return write_error_;
}

}  // namespace seedgrid::client
