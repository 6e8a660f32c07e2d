#include "runtime/base/verify/receipt.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "models/backend/backend_choice.hpp"
#include "runtime/base/image/png_file.hpp"
#include "runtime/base/verify/committed_job.hpp"
#include "runtime/base/verify/model_index.hpp"
#include "runtime/base/verify/receipt_check.hpp"
#include "tests/unit/common/test_dir.hpp"
#include "tiny_render.hpp"

namespace seedgrid::verify {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

protocol::Job tiny_job(float guidance = 5.0f) {
  protocol::Job j;
  j.request_id = "req-1";
  j.index = 2;
  j.job_id = protocol::job_id_of(j.request_id, j.index);
  j.attempt = 1;
  j.tier = protocol::Tier::relaxed;
  j.spec.model_id = testing::tiny_model_id();
  j.spec.prompt = "a lighthouse at dusk, \"quoted\" and ünïcode";
  j.spec.negative_prompt = "blurry";
  j.spec.seed = 0xfedcba9876543210ull;  // above 2^63: must survive JSON
  j.spec.steps = 3;
  j.spec.guidance = guidance;
  j.spec.sampler = "euler";
  j.spec.width = 64;
  j.spec.height = 64;
  return j;
}

// What an honest worker returns for `job`, signed by `worker`.
protocol::JobResult honest_result(const protocol::Job& job, const Identity& worker) {
  auto spec = generation_spec_of(job.spec);
  EXPECT_TRUE(spec) << spec.error().message;
  const testing::HonestRender render = testing::honest_render(*spec);
  const Trajectory& t = render.trajectory;
  protocol::JobResult r;
  r.job_id = job.job_id;
  r.attempt = job.attempt;
  r.spec_hash = protocol::spec_hash(job.spec);
  r.model_id = job.spec.model_id;
  r.width = job.spec.width;
  r.height = job.spec.height;
  r.pixels = render.image.pixels;
  r.output_hash = protocol::output_hash_of(r.pixels);
  r.trajectory_root = t.root();
  r.determinism_class = render.job.determinism_class;
  r.render_ms = 1234;
  r.sampler = job.spec.sampler;
  r.karras = job.spec.karras;
  r.steps = job.spec.steps;
  r.guidance = job.spec.guidance;
  r.precision = "f32";
  r.leaf_count = t.leaf_count();
  r.initial_proof = merkle_proof(t.leaves(), 0);
  const Tensor& x_n = t.latent(t.leaf_count() - 1);
  r.final_latent_shape = x_n.shape();
  r.final_latent.assign(x_n.f32(), x_n.f32() + x_n.numel());
  r.final_proof = merkle_proof(t.leaves(), t.leaf_count() - 1);
  protocol::sign_result(r, worker);
  return r;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(ImageReceipt, RoundTripsEveryFieldAndTheSignatureStillVerifies) {
  const Identity worker = Identity::generate();
  const protocol::Job job = tiny_job(7.3f);  // not exact in decimal: must round-trip as a float
  const protocol::JobResult result = honest_result(job, worker);
  ImageReceipt receipt = receipt_of(job, result, "req-1-2.png");
  EXPECT_TRUE(receipt.result.pixels.empty());
  receipt.verdicts.push_back({"passed", "", "sampled by the coordinator"});
  receipt.verdicts.push_back({"pass", Identity::generate().node_id(), "noise, step 1, decode"});

  auto parsed = parse_receipt(to_json(receipt));
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->image_file, "req-1-2.png");
  EXPECT_EQ(parsed->job.job_id, job.job_id);
  EXPECT_EQ(parsed->job.request_id, job.request_id);
  EXPECT_EQ(parsed->job.index, job.index);
  EXPECT_EQ(parsed->job.attempt, job.attempt);
  EXPECT_EQ(parsed->job.tier, job.tier);
  EXPECT_EQ(parsed->job.spec, job.spec);
  EXPECT_EQ(parsed->verdicts, receipt.verdicts);
  const protocol::JobResult back = job_result_of(*parsed, result.pixels);
  EXPECT_EQ(protocol::result_signing_bytes(back), protocol::result_signing_bytes(result));
  EXPECT_EQ(back.signature, result.signature);
  EXPECT_EQ(back.final_latent, result.final_latent);
  EXPECT_EQ(back.initial_proof, result.initial_proof);
  EXPECT_EQ(back.final_proof, result.final_proof);
  EXPECT_EQ(back.pixels, result.pixels);
  EXPECT_TRUE(protocol::check_result(back, worker.public_key(), job).ok());
  // The encoding is canonical enough to be stable: the same receipt, the same text.
  EXPECT_EQ(to_json(*parsed), to_json(receipt));
}

// What the coordinator's journal keeps of a delivered job: the signed result alone, which reads
// back to a result that still verifies against its job, and names nothing of the prompt.
TEST(ImageReceipt, ACommitmentIsTheSignedResultAloneAndRoundTrips) {
  const Identity worker = Identity::generate();
  const protocol::Job job = tiny_job(7.3f);
  const protocol::JobResult result = honest_result(job, worker);
  const std::string text = commitment_json(result);
  EXPECT_EQ(text.find("lighthouse"), std::string::npos) << text;
  auto back = parse_commitment(text);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_TRUE(back->pixels.empty());
  back->pixels = result.pixels;
  EXPECT_EQ(protocol::result_signing_bytes(*back), protocol::result_signing_bytes(result));
  EXPECT_EQ(back->final_latent, result.final_latent);
  EXPECT_TRUE(protocol::check_result(*back, worker.public_key(), job).ok());

  auto receipt_instead = parse_commitment(to_json(receipt_of(job, result, "x.png")));
  ASSERT_FALSE(receipt_instead);
  EXPECT_NE(receipt_instead.error().message.find("$.format"), std::string::npos)
      << receipt_instead.error().message;
  auto torn = parse_commitment(text.substr(0, text.size() / 2));
  ASSERT_FALSE(torn);
  EXPECT_NE(torn.error().message.find("not valid JSON"), std::string::npos);
}

// A scripted job's spec holds the script's id, its parameters and the passes it was priced by:
// all of it is under the spec hash the worker signed, so the receipt keeps it (the parameters in
// the sealed box of a private request, as the prompt is).
TEST(ImageReceipt, AScriptedJobsScriptParametersAndPassesRoundTripAndSeal) {
  protocol::Job job = tiny_job();
  job.spec.task_type = "hires_fix";
  job.spec.task_script = std::string(64, 'c');
  job.spec.params = {{"denoise", "0.5"}, {"style", "ocelot-saffron"}};
  job.spec.passes = {{3, 32 * 32}, {2, 64 * 64}};
  protocol::JobResult result;
  result.job_id = job.job_id;
  result.spec_hash = protocol::spec_hash(job.spec);
  result.leaf_count = 7;
  const ImageReceipt receipt = receipt_of(job, result, "req-1-2.png");
  auto parsed = parse_receipt(to_json(receipt));
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->job.spec, job.spec);
  EXPECT_EQ(protocol::spec_hash(parsed->job.spec), result.spec_hash);

  const Identity requester = Identity::generate();
  ImageReceipt sealed = receipt;
  ASSERT_TRUE(seal_private_fields(sealed, requester.public_key()));
  const std::string text = to_json(sealed);
  EXPECT_EQ(text.find("ocelot"), std::string::npos) << text;
  auto opened = parse_receipt(text);
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_TRUE(opened->job.spec.params.empty());
  EXPECT_EQ(opened->job.spec.passes, job.spec.passes);
  ASSERT_TRUE(open_private_fields(*opened, requester));
  EXPECT_EQ(opened->job.spec, job.spec);
}

TEST(ImageReceipt, ParseErrorsNameTheJsonPath) {
  const Identity worker = Identity::generate();
  const protocol::Job job = tiny_job();
  const std::string good = to_json(receipt_of(job, honest_result(job, worker), "x.png"));
  struct Case {
    std::function<void(json::object&)> edit;
    std::string path;
  };
  const std::vector<Case> cases = {
      {[](json::object& o) { o["result"].as_object().erase("trajectory_root"); },
       "$.result.trajectory_root"},
      {[](json::object& o) { o["job"].as_object()["spec"].as_object()["steps"] = "three"; },
       "$.job.spec.steps"},
      {[](json::object& o) {
         o["result"].as_object()["final_proof"].as_object()["siblings"].as_array()[1] = "zz";
       },
       "$.result.final_proof.siblings[1]"},
      {[](json::object& o) { o["result"].as_object()["final_latent"] = "***"; },
       "$.result.final_latent"},
      {[](json::object& o) { o["result"].as_object()["signature"] = "abcd"; },
       "$.result.signature"},
      {[](json::object& o) { o["job"].as_object()["colour"] = 1; }, "$.job.colour"},
      {[](json::object& o) { o["job"].as_object()["tier"] = "urgent"; }, "$.job.tier"},
      {[](json::object& o) { o["format"] = "seedgrid/receipt/v0"; }, "$.format"},
      {[](json::object& o) { o["image_file"] = "../etc/passwd"; }, "$.image_file"},
      {[](json::object& o) {
         o["verdicts"].as_array().push_back(json::object{{"outcome", 1}});
       },
       "$.verdicts[0].outcome"},
  };
  for (const auto& c : cases) {
    json::value doc = json::parse(good);
    c.edit(doc.as_object());
    auto r = parse_receipt(json::serialize(doc));
    ASSERT_FALSE(r) << c.path;
    EXPECT_NE(r.error().message.find(c.path), std::string::npos) << r.error().message;
  }
  EXPECT_FALSE(parse_receipt("{not json"));
}

TEST(ImageReceipt, APrivateRequestsPromptAndSeedAreSealedToTheRequester) {
  const Identity worker = Identity::generate();
  const Identity requester = Identity::generate();
  const protocol::Job job = tiny_job();
  const protocol::JobResult result = honest_result(job, worker);
  ImageReceipt receipt = receipt_of(job, result, "req-1-2.png");
  ASSERT_TRUE(seal_private_fields(receipt, requester.public_key()));
  const std::string text = to_json(receipt);
  for (const std::string secret : {std::string("lighthouse"), std::string("blurry"),
                                   std::to_string(job.spec.seed)})
    EXPECT_EQ(text.find(secret), std::string::npos) << secret << " is in " << text;

  auto parsed = parse_receipt(text);
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_TRUE(parsed->sealed);
  EXPECT_TRUE(parsed->job.spec.prompt.empty());

  ImageReceipt other = *parsed;
  auto refused = open_private_fields(other, Identity::generate());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find(requester.node_id()), std::string::npos)
      << refused.error().message;

  ImageReceipt tampered = *parsed;
  tampered.sealed->box[tampered.sealed->box.size() / 2] ^= 1;
  EXPECT_FALSE(open_private_fields(tampered, requester));

  ASSERT_TRUE(open_private_fields(*parsed, requester));
  EXPECT_FALSE(parsed->sealed);
  EXPECT_EQ(parsed->job.spec, job.spec);
  EXPECT_TRUE(protocol::check_result(job_result_of(*parsed, result.pixels), worker.public_key(),
                                     parsed->job)
                  .ok());
}

// --- `seedgrid audit` end to end (the function behind the command) ---

class ReceiptCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    job_ = tiny_job();
    result_ = honest_result(job_, worker_);
    write(result_, RgbImage{64, 64, result_.pixels});
  }
  void write(const protocol::JobResult& result, const RgbImage& png) {
    ASSERT_TRUE(write_png((dir_.path() / "img.png").string(), png, ""));
    ASSERT_TRUE(write_receipt(receipt_path(), receipt_of(job_, result, "img.png")));
  }
  std::string receipt_path() const { return (dir_.path() / "img.receipt.json").string(); }
  ReceiptCheckOptions with_model() const {
    ReceiptCheckOptions o;
    o.model_path = testing::tiny_model_dir();
    o.threads = 1;
    return o;
  }
  static CheckStatus status_of(const ReceiptReport& r, const std::string& check) {
    for (const auto& l : r.lines)
      if (l.check == check) return l.status;
    ADD_FAILURE() << "no " << check << " line";
    return CheckStatus::not_checked;
  }
  static std::string dump(const ReceiptReport& r) {
    std::string s;
    for (const auto& l : r.lines) s += format_check_line(l) + "\n";
    return s + r.verdict_line();
  }

  Identity worker_ = Identity::generate();
  protocol::Job job_;
  protocol::JobResult result_;
  test::TestDir dir_;
};

TEST_F(ReceiptCheck, HonestReceiptPassesEveryCheck) {
  ReceiptCheckOptions o = with_model();
  o.full = true;
  const ReceiptReport r = check_receipt(receipt_path(), o);
  EXPECT_EQ(r.exit_status(), 0) << dump(r);
  for (const char* c : {"signature", "image", "spec", "commitment", "noise", "decode", "full"})
    EXPECT_EQ(status_of(r, c), CheckStatus::pass) << c << "\n" << dump(r);
  EXPECT_NE(r.verdict_line().find("PASS"), std::string::npos);
}

TEST_F(ReceiptCheck, ACheckerOfAnotherClassComparesWithinTheCalibratedTolerances) {
  ReceiptCheckOptions o = with_model();
  o.full = true;
  o.precision = "f16";  // the cpu-f16s class auditing a cpu-f32 receipt
  const ReceiptReport r = check_receipt(receipt_path(), o);
  EXPECT_EQ(r.exit_status(), 0) << dump(r);
  std::size_t cross_class_lines = 0;
  for (const auto& l : r.lines)
    if (l.check == "decode" || l.check == "full") {
      ++cross_class_lines;
      EXPECT_NE(l.evidence.find("classes differ"), std::string::npos) << format_check_line(l);
    }
  EXPECT_EQ(cross_class_lines, 2u) << "both the decode and the full check ran\n" << dump(r);
  o.precision = "f64";
  const ReceiptReport refused = check_receipt(receipt_path(), o);
  EXPECT_EQ(refused.exit_status(), 2) << dump(refused);
  EXPECT_NE(dump(refused).find("precision \"f64\" is not available on device \"cpu\""),
            std::string::npos)
      << dump(refused);
}

TEST_F(ReceiptCheck, APrivateReceiptIsCheckedOnlyWithTheRequestersKey) {
  const Identity requester = Identity::generate();
  ImageReceipt sealed = receipt_of(job_, result_, "img.png");
  ASSERT_TRUE(seal_private_fields(sealed, requester.public_key()));
  ASSERT_TRUE(write_receipt(receipt_path(), sealed));
  const ReceiptReport without = check_receipt(receipt_path(), with_model());
  EXPECT_EQ(without.exit_status(), 2) << dump(without);
  EXPECT_NE(dump(without).find("sealed to key " + requester.node_id()), std::string::npos)
      << dump(without);
  ReceiptCheckOptions o = with_model();
  o.requester = std::make_shared<const Identity>(requester);
  const ReceiptReport with = check_receipt(receipt_path(), o);
  EXPECT_EQ(with.exit_status(), 0) << dump(with);
  EXPECT_EQ(status_of(with, "spec"), CheckStatus::pass) << dump(with);
}

TEST_F(ReceiptCheck, ByDefaultItRunsInTheReceiptsOwnClassAndSaysSo) {
  const ReceiptReport r = check_receipt(receipt_path(), with_model());
  EXPECT_EQ(r.exit_status(), 0) << dump(r);
  EXPECT_EQ(status_of(r, "model"), CheckStatus::pass) << dump(r);
  EXPECT_NE(dump(r).find("audited on cpu f32 (class " + result_.determinism_class +
                         "): the receipt's own class, every comparison is bytewise"),
            std::string::npos)
      << dump(r);
}

TEST_F(ReceiptCheck, AReceiptFromADeviceThisMachineLacksIsAuditedOnTheCpuSayingSo) {
  if (open_backend({"cuda", "f16", 1})) GTEST_SKIP() << "this machine has a CUDA device";
  // A GPU worker's receipt: class cuda-..., precision f16.
  result_.determinism_class = "cuda-sm90-h200-f16-0123456789abcdef";
  result_.precision = "f16";
  protocol::sign_result(result_, worker_);
  write(result_, RgbImage{64, 64, result_.pixels});
  const ReceiptReport r = check_receipt(receipt_path(), with_model());
  const std::string text = dump(r);
  EXPECT_NE(text.find("the receipt's device cuda is not available here"), std::string::npos)
      << text;
  EXPECT_NE(text.find("audited on cpu f16"), std::string::npos) << text;  // its precision
  EXPECT_NE(text.find("the receipt's class is cuda-sm90-h200-f16-0123456789abcdef"),
            std::string::npos)
      << text;
}

TEST_F(ReceiptCheck, FindsTheModelByIdUnderAModelsDir) {
  ReceiptCheckOptions o;
  o.models_dir = fs::path(testing::tiny_model_dir()).parent_path().string();
  const ReceiptReport r = check_receipt(receipt_path(), o);
  EXPECT_EQ(r.exit_status(), 0) << dump(r);
  EXPECT_EQ(status_of(r, "decode"), CheckStatus::pass);
}

// Models in subfolders are found by id, and the id is remembered next to them so the next audit
// does not hash every checkpoint again.
TEST_F(ReceiptCheck, FindsTheModelInASubfolderAndIndexesIt) {
  const fs::path models = dir_.path() / "models";
  fs::create_directories(models / "community");
  fs::copy(testing::tiny_model_dir(), models / "community" / "tiny", fs::copy_options::recursive);
  std::ofstream(models / "not-a-model.safetensors") << "garbage";
  ReceiptCheckOptions o;
  o.models_dir = models.string();
  const ReceiptReport r = check_receipt(receipt_path(), o);
  EXPECT_EQ(r.exit_status(), 0) << dump(r);
  const std::string index = slurp(models / kModelIndexFile);
  EXPECT_NE(index.find("community/tiny\t"), std::string::npos) << index;
  EXPECT_NE(index.find(job_.spec.model_id), std::string::npos) << index;
  EXPECT_EQ(check_receipt(receipt_path(), o).exit_status(), 0);  // from the index
}

TEST_F(ReceiptCheck, WithoutTheModelItCannotCheckAndNamesTheModelId) {
  const ReceiptReport r = check_receipt(receipt_path(), {});
  EXPECT_EQ(r.exit_status(), 2) << dump(r);
  EXPECT_EQ(status_of(r, "signature"), CheckStatus::pass);
  EXPECT_EQ(status_of(r, "model"), CheckStatus::not_checked);
  EXPECT_NE(dump(r).find(job_.spec.model_id), std::string::npos) << dump(r);
  ReceiptCheckOptions empty_dir;
  empty_dir.models_dir = dir_.path().string();
  const ReceiptReport e = check_receipt(receipt_path(), empty_dir);
  EXPECT_EQ(e.exit_status(), 2);
  EXPECT_NE(dump(e).find(job_.spec.model_id), std::string::npos) << dump(e);
}

// An image edited after delivery is about the file, not the worker: the report says so, and the
// decode audit is not run against the edit (it used to FAIL, suggesting the worker cheated).
TEST_F(ReceiptCheck, APngEditedAfterDeliveryFailsAsChangedNotAsCheating) {
  RgbImage png{64, 64, result_.pixels};
  png.pixels[100] ^= 0x01;
  ASSERT_TRUE(write_png((dir_.path() / "img.png").string(), png, ""));
  const ReceiptReport r = check_receipt(receipt_path(), with_model());
  EXPECT_EQ(r.exit_status(), 1) << dump(r);
  EXPECT_EQ(status_of(r, "image"), CheckStatus::fail);
  EXPECT_EQ(status_of(r, "signature"), CheckStatus::pass);
  EXPECT_EQ(status_of(r, "noise"), CheckStatus::pass);
  EXPECT_EQ(status_of(r, "decode"), CheckStatus::not_checked) << dump(r);
  EXPECT_NE(dump(r).find("changed after delivery"), std::string::npos) << dump(r);
  EXPECT_NE(dump(r).find("says nothing against the worker"), std::string::npos) << dump(r);
  EXPECT_NE(r.verdict_line().find("changed after delivery"), std::string::npos) << r.verdict_line();
}

// Only the receipt's output_hash was edited (its last digit): the PNG is the delivered one. The
// signature fails, and the image line says the receipt does not match rather than blaming the
// PNG, with both hashes whole so the difference shows.
TEST_F(ReceiptCheck, AReceiptWhoseOutputHashWasEditedIsBlamedNotThePng) {
  json::value doc = json::parse(slurp(receipt_path()));
  std::string hash = json::value_to<std::string>(doc.at("result").at("output_hash"));
  ASSERT_EQ(hash.size(), 64u);
  hash.back() = hash.back() == '0' ? '1' : '0';
  doc.at("result").as_object()["output_hash"] = hash;
  std::ofstream(receipt_path()) << json::serialize(doc);
  const ReceiptReport r = check_receipt(receipt_path(), with_model());
  EXPECT_EQ(r.exit_status(), 1) << dump(r);
  EXPECT_EQ(status_of(r, "signature"), CheckStatus::fail) << dump(r);
  EXPECT_EQ(status_of(r, "image"), CheckStatus::fail) << dump(r);
  EXPECT_EQ(dump(r).find("changed after delivery"), std::string::npos) << dump(r);
  EXPECT_NE(dump(r).find("the receipt was altered after signing"), std::string::npos) << dump(r);
  EXPECT_NE(dump(r).find(hash), std::string::npos) << "the edited hash, whole\n" << dump(r);
  EXPECT_NE(dump(r).find(to_hex(result_.output_hash)), std::string::npos) << dump(r);
}

// A PNG damaged on disk (one flipped bit: its CRC no longer holds) is not the delivered file
// either: FAIL, not "could not check".
TEST_F(ReceiptCheck, ABitFlippedPngFails) {
  const fs::path png = dir_.path() / "img.png";
  std::string bytes = slurp(png.string());
  ASSERT_GT(bytes.size(), 100u);
  bytes[bytes.size() / 2] ^= 0x10;
  std::ofstream(png, std::ios::binary) << bytes;
  const ReceiptReport r = check_receipt(receipt_path(), with_model());
  EXPECT_EQ(r.exit_status(), 1) << dump(r);
  EXPECT_EQ(status_of(r, "image"), CheckStatus::fail) << dump(r);
  EXPECT_NE(dump(r).find("says nothing against the worker"), std::string::npos) << dump(r);
}

TEST_F(ReceiptCheck, ATamperedLatentFails) {
  json::value doc = json::parse(slurp(receipt_path()));
  protocol::JobResult tampered = result_;
  tampered.final_latent[0] += 0.25f;
  const std::string latent = json::value_to<std::string>(
      json::parse(to_json(receipt_of(job_, tampered, "img.png"))).at("result").at("final_latent"));
  doc.at("result").as_object()["final_latent"] = latent;
  std::ofstream(receipt_path()) << json::serialize(doc);
  const ReceiptReport r = check_receipt(receipt_path(), with_model());
  EXPECT_EQ(r.exit_status(), 1) << dump(r);
  EXPECT_EQ(status_of(r, "signature"), CheckStatus::fail);
  EXPECT_EQ(status_of(r, "decode"), CheckStatus::fail);  // x_N no longer opens the root
}

TEST_F(ReceiptCheck, ATamperedSignatureFails) {
  protocol::JobResult tampered = result_;
  tampered.signature[10] ^= 0x20;
  write(tampered, RgbImage{64, 64, result_.pixels});
  const ReceiptReport r = check_receipt(receipt_path(), with_model());
  EXPECT_EQ(r.exit_status(), 1) << dump(r);
  EXPECT_EQ(status_of(r, "signature"), CheckStatus::fail);
  EXPECT_EQ(status_of(r, "decode"), CheckStatus::pass);
}

TEST_F(ReceiptCheck, AResultSignedWithTheRestOfItsBatchPassesAndAForgedBatchProofFails) {
  // The worker signed three results of one render batch together; the receipt is the middle one's.
  std::vector<protocol::JobResult> batch(3, result_);
  batch[0].job_id = "req-1/0";
  batch[2].job_id = "req-1/3";
  protocol::sign_results(batch, worker_);
  ASSERT_EQ(batch[1].batch_proof.leaf_count, 3u);
  write(batch[1], RgbImage{64, 64, result_.pixels});
  const ReceiptReport r = check_receipt(receipt_path(), with_model());
  EXPECT_EQ(r.exit_status(), 0) << dump(r);
  EXPECT_EQ(status_of(r, "signature"), CheckStatus::pass);

  protocol::JobResult forged = batch[1];
  forged.batch_proof.siblings[0][3] ^= 1;
  write(forged, RgbImage{64, 64, result_.pixels});
  const ReceiptReport f = check_receipt(receipt_path(), with_model());
  EXPECT_EQ(f.exit_status(), 1) << dump(f);
  EXPECT_EQ(status_of(f, "signature"), CheckStatus::fail);
}

TEST_F(ReceiptCheck, AReceiptOfAnEarlierReleaseSignedOverTheResultAlonePasses) {
  protocol::JobResult older = result_;
  older.batch_proof = {};
  older.signature = worker_.sign(protocol::result_signing_bytes(older));
  write(older, RgbImage{64, 64, result_.pixels});
  // Earlier releases wrote no batch_proof key at all.
  json::value doc = json::parse(slurp(receipt_path()));
  ASSERT_TRUE(doc.at("result").as_object().erase("batch_proof"));
  std::ofstream(receipt_path()) << json::serialize(doc);
  const ReceiptReport r = check_receipt(receipt_path(), with_model());
  EXPECT_EQ(r.exit_status(), 0) << dump(r);
  EXPECT_EQ(status_of(r, "signature"), CheckStatus::pass);
}

TEST_F(ReceiptCheck, AWorkerThatSignedASwappedImageFailsTheDecodeAudit) {
  // Signature and pixel hash hold (the worker signed what it delivered), but x_N is not its image.
  protocol::JobResult swapped = result_;
  protocol::Job other = job_;
  other.spec.seed += 1;
  const protocol::JobResult other_result = honest_result(other, worker_);
  swapped.pixels = other_result.pixels;
  swapped.output_hash = other_result.output_hash;
  protocol::sign_result(swapped, worker_);
  write(swapped, RgbImage{64, 64, swapped.pixels});
  const ReceiptReport r = check_receipt(receipt_path(), with_model());
  EXPECT_EQ(r.exit_status(), 1) << dump(r);
  EXPECT_EQ(status_of(r, "signature"), CheckStatus::pass);
  EXPECT_EQ(status_of(r, "image"), CheckStatus::pass);
  EXPECT_EQ(status_of(r, "decode"), CheckStatus::fail);
}

TEST_F(ReceiptCheck, AMissingPngOrReceiptCannotBeChecked) {
  fs::remove(dir_.path() / "img.png");
  const ReceiptReport r = check_receipt(receipt_path(), with_model());
  EXPECT_EQ(r.exit_status(), 2) << dump(r);
  EXPECT_EQ(status_of(r, "image"), CheckStatus::not_checked);
  const ReceiptReport none = check_receipt((dir_.path() / "nope.json").string(), with_model());
  EXPECT_EQ(none.exit_status(), 2);
}

TEST_F(ReceiptCheck, ASignerOtherThanTheExpectedWorkerFails) {
  // Anyone can re-sign a receipt with a key of their own; --worker binds it to the real worker.
  ReceiptCheckOptions o = with_model();
  o.expected_worker = worker_.node_id();
  EXPECT_EQ(check_receipt(receipt_path(), o).exit_status(), 0);
  protocol::JobResult resigned = result_;
  protocol::sign_result(resigned, Identity::generate());
  write(resigned, RgbImage{64, 64, result_.pixels});
  const ReceiptReport r = check_receipt(receipt_path(), o);
  EXPECT_EQ(r.exit_status(), 1) << dump(r);
  EXPECT_EQ(status_of(r, "signature"), CheckStatus::pass);
  EXPECT_EQ(status_of(r, "worker"), CheckStatus::fail);
}

}  // namespace
}  // namespace seedgrid::verify
