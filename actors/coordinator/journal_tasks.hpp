#pragma once
// The journal's record of a scripted request's task: the script id and declared passes
// (request_tasks) and the request's signed parameters (request_params, values sealed as prompts
// are, since a parameter may be as private as a prompt). Written with the request and read back
// with it, so a restarted coordinator runs, prices and checks a scripted request as it accepted it.
// Both are immutable once accepted (the same rows are written again on every save of the request),
// but for a private request's parameters, erased with its prompt. The scripts themselves
// (task_scripts, by id) are kept too, and so are the images a request carried (request_inputs): a worker fetches a job's script by id from the coordinator,
// which must serve it even when its config no longer names that file (changed or removed since).
#include <optional>
#include <string>

#include "actors/coordinator/job_state.hpp"
#include "models/result.hpp"
#include "runtime/base/crypto/secret_box.hpp"
#include "runtime/base/storage/database.hpp"
#include "runtime/base/storage/statement.hpp"

namespace seedgrid::coordinator::journal_tasks {

// CREATE TABLE IF NOT EXISTS statements, run when the journal opens.
extern const std::string_view kSchema;

// The statements put and load run, prepared once when the journal opens (on PostgreSQL each
// preparation is a round trip to the server).
struct Statements {
  storage::Statement put_task, put_param, find_task, find_params, put_script, find_script,
      put_input, find_input, input_pixels;
};
Result<Statements> prepare(storage::Database& db);

// Nothing for a request without a task (a built-in task type, no parameters).
Result<void> put(Statements& st, const SecretBox& box, const RequestState& r);
// Sets r.request.params and r.task from the rows of r.request.request_id, if any.
Result<void> load(Statements& st, const SecretBox& box, RequestState& r);
Result<void> remove(storage::Database& db, const std::string& request_id);

// A script a request was accepted with, kept by id (an upsert of the same bytes), and read back
// for a worker that asks for it.
Result<void> put_script(Statements& st, const std::string& script_id,
                        const AcceptedScript& script);
Result<std::optional<AcceptedScript>> find_script(Statements& st, const std::string& script_id);
// The images a request carried (request_inputs), written once when it is accepted; a worker or
// validator fetches one by id. A private request's are erased with its prompt: the rows keep
// their size (the request's price reads it) and lose their pixels.
Result<void> put_inputs(Statements& st, const std::string& request_id,
                        const std::vector<RgbImage>& images);
Result<std::optional<RgbImage>> find_input(Statements& st, const std::string& image_id);
Result<void> erase_inputs(storage::Database& db, const std::string& request_id);
// The requests whose input images still have their pixels.
Result<std::vector<std::string>> requests_with_inputs(storage::Database& db);
// A private request's parameters, erased with its prompt (prompt_erasure.cpp): a text parameter
// may say as much as the prompt. The task row stays (a script id and passes say nothing private).
Result<void> erase_params(storage::Database& db, const std::string& request_id);

// "20x262144,10x1048576": a task's passes as the journal stores them, and back.
std::string passes_text(const std::vector<protocol::TaskPass>& passes);
Result<std::vector<protocol::TaskPass>> passes_of_text(std::string_view text);

}  // namespace seedgrid::coordinator::journal_tasks
