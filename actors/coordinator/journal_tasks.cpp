#include "actors/coordinator/journal_tasks.hpp"

#include <charconv>

#include "actors/coordinator/journal_columns.hpp"
#include "runtime/base/protocol/input_image.hpp"
#include "runtime/base/storage/engine_sql.hpp"

namespace seedgrid::coordinator::journal_tasks {

const std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS request_tasks(
  request_id TEXT PRIMARY KEY, script_id TEXT NOT NULL, passes TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS request_params(
  request_id TEXT NOT NULL, position INTEGER NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY(request_id, position));
CREATE TABLE IF NOT EXISTS task_scripts(
  script_id TEXT PRIMARY KEY, file_name TEXT NOT NULL, source TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS request_inputs(
  request_id TEXT NOT NULL, image_id TEXT NOT NULL, width INTEGER NOT NULL,
  height INTEGER NOT NULL, pixels BLOB NOT NULL, PRIMARY KEY(request_id, image_id));
CREATE INDEX IF NOT EXISTS request_inputs_by_image ON request_inputs(image_id);
)sql";

std::string passes_text(const std::vector<protocol::TaskPass>& passes) {
  std::string out;
  for (const auto& p : passes) {
    if (!out.empty()) out += ',';
    out += std::to_string(p.steps) + "x" + std::to_string(p.pixels);
  }
  return out;
}

Result<std::vector<protocol::TaskPass>> passes_of_text(std::string_view text) {
  std::vector<protocol::TaskPass> passes;
  const std::string_view whole = text;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    protocol::TaskPass pass;
    const std::size_t x = item.find('x');
    const char* end = item.data() + item.size();
    if (x == std::string_view::npos)
      return fail("journal: task pass '", item, "' is not STEPSxPIXELS");
    auto steps = std::from_chars(item.data(), item.data() + x, pass.steps);
    auto pixels = std::from_chars(item.data() + x + 1, end, pass.pixels);
    if (steps.ec != std::errc() || steps.ptr != item.data() + x || pixels.ec != std::errc() ||
        pixels.ptr != end)
      return fail("journal: task pass '", item, "' is not STEPSxPIXELS");
    passes.push_back(pass);
    if (comma == std::string_view::npos) break;
    text = text.substr(comma + 1);
    // "20x5," would otherwise read as one pass: a pass lost to a torn row must not go unseen.
    if (text.empty())
      return fail("journal: task passes '", whole, "' end in ',' where a STEPSxPIXELS pass is due");
  }
  return passes;
}

using storage::ResetAtExit;

Result<Statements> prepare(storage::Database& db) {
  auto put_task = db.prepare(
      storage::upsert_sql("request_tasks", {"request_id", "script_id", "passes"}, {"request_id"}));
  auto put_param = db.prepare(storage::upsert_sql(
      "request_params", {"request_id", "position", "name", "value"}, {"request_id", "position"}));
  auto find_task = db.prepare("SELECT script_id, passes FROM request_tasks WHERE request_id = ?");
  auto find_params =
      db.prepare("SELECT name, value FROM request_params WHERE request_id = ? ORDER BY position");
  auto put_script = db.prepare(
      storage::upsert_sql("task_scripts", {"script_id", "file_name", "source"}, {"script_id"}));
  auto find_script = db.prepare("SELECT file_name, source FROM task_scripts WHERE script_id = ?");
  auto put_input = db.prepare(
      storage::upsert_sql("request_inputs", {"request_id", "image_id", "width", "height", "pixels"},
                          {"request_id", "image_id"}));
  // Erased rows (a private request's, pixels emptied) keep their size for the price, not an image.
  auto find_input = db.prepare(
      "SELECT width, height, pixels FROM request_inputs WHERE image_id = ? AND width * height * 3 "
      "= LENGTH(pixels) LIMIT 1");
  auto input_pixels = db.prepare(
      "SELECT COALESCE(SUM(width * height), 0) FROM request_inputs WHERE request_id = ?");
  for (auto* q : {&put_task, &put_param, &find_task, &find_params, &put_script, &find_script,
                  &put_input, &find_input, &input_pixels})
    if (!*q) return pass_on(*q);
  return Statements{std::move(*put_task),    std::move(*put_param),  std::move(*find_task),
                    std::move(*find_params), std::move(*put_script), std::move(*find_script),
                    std::move(*put_input),   std::move(*find_input), std::move(*input_pixels)};
}

Result<void> put(Statements& st, const SecretBox& box, const RequestState& r) {
  const std::string& id = r.request.request_id;
  if (r.task)
    if (auto w = st.put_task.bind(1, id)
                     .bind(2, r.task->script_id)
                     .bind(3, passes_text(r.task->passes))
                     .run();
        !w) {
      st.put_task.reset();
      return w;
    }
  for (std::size_t i = 0; i < r.request.params.size(); ++i) {
    const auto& p = r.request.params[i];
    if (auto w = st.put_param.bind(1, id)
                     .bind(2, static_cast<std::int64_t>(i))
                     .bind(3, p.name)
                     .bind(4, box.seal(p.value))
                     .run();
        !w) {
      st.put_param.reset();
      return w;
    }
  }
  return {};
}

Result<void> load(Statements& st, const SecretBox& box, RequestState& r) {
  const std::string& id = r.request.request_id;
  {
    auto& task = st.find_task;
    const ResetAtExit done{task};
    task.bind(1, id);
    auto row = task.step();
    if (!row) return pass_on(row);
    if (*row) {
      auto passes = passes_of_text(task.column_text(1));
      if (!passes) return context(passes.error(), "request ", id);
      r.task = RequestTask{task.column_text(0), std::move(*passes), 0};
    }
  }
  if (r.task) {
    auto& sum = st.input_pixels;
    const ResetAtExit done{sum};
    sum.bind(1, id);
    auto row = sum.step();
    if (!row) return pass_on(row);
    if (*row) r.task->input_pixels = static_cast<std::uint64_t>(sum.column_int64(0));
  }
  auto& params = st.find_params;
  const ResetAtExit done{params};
  params.bind(1, id);
  r.request.params.clear();
  for (;;) {
    auto next = params.step();
    if (!next) return pass_on(next);
    if (!*next) break;
    auto value = journal_columns::unsealed(box, params.column_text(1));
    if (!value) return context(value.error(), "reading request ", id, "'s parameters");
    r.request.params.push_back({params.column_text(0), std::move(*value)});
  }
  return {};
}

Result<void> put_script(Statements& st, const std::string& script_id,
                        const AcceptedScript& script) {
  auto w = st.put_script.bind(1, script_id).bind(2, script.file_name).bind(3, script.source).run();
  if (!w) st.put_script.reset();
  return w;
}

Result<std::optional<AcceptedScript>> find_script(Statements& st, const std::string& script_id) {
  auto& q = st.find_script;
  const ResetAtExit done{q};
  q.bind(1, script_id);
  auto row = q.step();
  if (!row) return pass_on(row);
  if (!*row) return std::optional<AcceptedScript>{};
  return AcceptedScript{q.column_text(0), q.column_text(1)};
}

Result<void> put_inputs(Statements& st, const std::string& request_id,
                        const std::vector<RgbImage>& images) {
  for (const RgbImage& image : images) {
    auto w = st.put_input.bind(1, request_id)
                 .bind(2, protocol::input_image_id(image))
                 .bind(3, static_cast<std::int64_t>(image.width))
                 .bind(4, static_cast<std::int64_t>(image.height))
                 .bind_blob(5, image.pixels)
                 .run();
    if (!w) {
      st.put_input.reset();
      return w;
    }
  }
  return {};
}

Result<std::optional<RgbImage>> find_input(Statements& st, const std::string& image_id) {
  auto& q = st.find_input;
  const ResetAtExit done{q};
  q.bind(1, image_id);
  auto row = q.step();
  if (!row) return pass_on(row);
  if (!*row) return std::optional<RgbImage>{};
  return RgbImage{static_cast<int>(q.column_int64(0)), static_cast<int>(q.column_int64(1)),
                  q.column_blob(2)};
}

Result<void> erase_inputs(storage::Database& db, const std::string& request_id) {
  auto q = db.prepare("UPDATE request_inputs SET pixels = ? WHERE request_id = ?");
  if (!q) return pass_on(q);
  return q->bind_blob(1, std::span<const std::uint8_t>{}).bind(2, request_id).run();
}

Result<std::vector<std::string>> requests_with_inputs(storage::Database& db) {
  auto q = db.prepare(
      "SELECT DISTINCT request_id FROM request_inputs WHERE length(pixels) > 0 "
      "ORDER BY request_id");
  if (!q) return pass_on(q);
  std::vector<std::string> out;
  for (;;) {
    auto row = q->step();
    if (!row) return pass_on(row);
    if (!*row) return out;
    out.push_back(q->column_text(0));
  }
}

Result<void> remove(storage::Database& db, const std::string& request_id) {
  for (const char* sql : {"DELETE FROM request_tasks WHERE request_id = ?",
                          "DELETE FROM request_params WHERE request_id = ?",
                          "DELETE FROM request_inputs WHERE request_id = ?"}) {
    auto q = db.prepare(sql);
    if (!q) return pass_on(q);
    if (auto w = q->bind(1, request_id).run(); !w) return w;
  }
  return {};
}

Result<void> erase_params(storage::Database& db, const std::string& request_id) {
  auto q = db.prepare("DELETE FROM request_params WHERE request_id = ?");
  if (!q) return pass_on(q);
  return q->bind(1, request_id).run();
}

}  // namespace seedgrid::coordinator::journal_tasks
