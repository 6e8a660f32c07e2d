// Private requests: once a request is done (its images were erased then, settlement.cpp) and no
// failed verdict on any of its jobs waits for its appeal window (appeals.cpp), its prompt and
// negative prompt are erased from the journal and from memory. Until then a referee may still
// have to re-render a job from them. What stays for the record: the request's id, digest and
// signature, the hashes of the two texts, the jobs' output hashes and commitments.
//
// Driven by the tick, like every window: an appeal window closes at a tick (expire_penalties),
// and the erasure follows in the same tick. A restart reloads every done private request whose
// prompt is still owed its erasure (Journal::load_requests), so none is forgotten, and the blanked
// journal row cannot bring a prompt back.
#include <sodium.h>

#include <set>
#include <string>
#include <vector>

#include "actors/coordinator/core_state.hpp"

namespace seedgrid::coordinator {

namespace {

bool owes_erasure(const RequestState& r) {
  return r.request.privacy == protocol::Privacy::private_images && r.phase == RequestPhase::done &&
         !r.erased;
}

// Overwrites the text's bytes before letting it go: a freed buffer would keep the prompt in the
// process's memory until something else happened to reuse it.
void wipe(std::string& text) {
  if (!text.empty()) sodium_memzero(text.data(), text.size());
  text.clear();
  text.shrink_to_fit();
}

void erase_prompt(CoreState& s, RequestState& r) {
  r.erased = ErasedPrompt{blake2b(r.request.prompt), blake2b(r.request.negative_prompt)};
  wipe(r.request.prompt);
  wipe(r.request.negative_prompt);
  // A scripted task's text parameters may say as much as its prompt.
  for (auto& p : r.request.params) wipe(p.value);
  r.request.params.clear();
  if (auto w = s.journal.erase_prompt(r.request.request_id, *r.erased); !w)
    s.record_fatal(w.error());
  // A journal written before commitments stood alone holds each as a sealed receipt naming the
  // prompt: written again, as the result alone.
  for (const auto& j : r.jobs)
    if (j.audit.commitment) s.save_verification(r, j);
}

}  // namespace

void erase_private_prompts(CoreState& s) {
  std::set<std::string> appealable;  // requests with a failed verdict in its appeal window
  for (const auto& [audit_id, p] : s.penalties) appealable.insert(p.job.request_id);
  std::vector<std::string> erased;
  for (auto& [id, r] : s.requests)
    if (owes_erasure(r) && !appealable.contains(id)) {
      erase_prompt(s, r);
      erased.push_back(id);
    }
  // Owing nothing now, they may leave memory like any done request (after the walk: it erases).
  for (const auto& id : erased)
    if (const RequestState* r = s.find_request(id)) s.keep_done(*r);
}

}  // namespace seedgrid::coordinator
