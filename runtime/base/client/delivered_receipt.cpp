#include "runtime/base/client/delivered_receipt.hpp"

#include "runtime/base/protocol/job.hpp"

namespace seedgrid::client {

Result<verify::ImageReceipt> delivered_receipt(const protocol::GenerateRequest& request,
                                          const protocol::ClientEvent& e, std::string image_file) {
  if (!e.commitment)
    return fail("image ", e.index, " of request ", request.request_id,
                " came without its worker's signed commitment (its coordinator restarted after "
                "the render), so no receipt can be made for it");
  protocol::Job job;
  job.request_id = request.request_id;
  job.index = e.index;
  job.job_id = protocol::job_id_of(request.request_id, e.index);
  job.attempt = e.attempt;
  job.tier = request.tier;
  job.spec = protocol::job_spec_of(request, e.index);
  job.spec.task_script = e.task_script;  // a scripted job's, as the coordinator priced it
  job.spec.passes = e.passes;
  auto receipt = verify::receipt_of(job, *e.commitment, std::move(image_file));
  receipt.verdicts.push_back({e.audit, "", ""});
  if (request.privacy == protocol::Privacy::private_images)
    if (auto sealed = verify::seal_private_fields(receipt, request.payer); !sealed)
      return pass_on(sealed);
  return receipt;
}

}  // namespace seedgrid::client
