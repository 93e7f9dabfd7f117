// csv-summer benchmark: generates the standard file (3,000,000 rows x 30
// columns, mixed integers and decimals, fixed seed) unless it exists, then
// prints MB/s and seconds for the parser alone (one thread, file in
// memory), a whole task from local disk (page cache warm), and, as
// baselines in the same run, `wc -l` and `cat > /dev/null`; plus the peak
// memory of the whole-task run. With --task-only, just the whole task and
// its memory (scripts/bench.sh peers runs the baselines itself).
//
//   bench_csv [--rows 3000000] [--file /tmp/orchestra-bench.csv] [--task-only]

#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "csv_summer.hpp"
#include "support/auth.hpp"
#include "support/http_client.hpp"
#include "support/test_server.hpp"

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <chrono>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>

using namespace orchestra::testing;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

void generate(const fs::path& file, long rows) {
  std::mt19937_64 random(20261125);
  std::ofstream out(file, std::ios::binary);
  std::string line;
  for (int c = 1; c <= 30; ++c) line += fmt::format("{}col{}", c > 1 ? "," : "", c);
  out << line << '\n';
  for (long row = 0; row < rows; ++row) {
    line.clear();
    for (int c = 1; c <= 30; ++c) {
      if (c > 1) line += ',';
      auto value = random();
      if (c % 3 == 0) {
        fmt::format_to(std::back_inserter(line), "{}.{:02}", value % 100000, (value >> 20) % 100);
      } else {
        fmt::format_to(std::back_inserter(line), "{}", value % 1000000);
      }
    }
    line += '\n';
    out << line;
  }
}

double run_command(const std::string& command) {
  auto started = Steady::now();
  if (std::system(command.c_str()) != 0) throw std::runtime_error(command + " failed");
  return std::chrono::duration<double>(Steady::now() - started).count();
}

double parser_alone(const fs::path& file, std::string& sums) {
  std::ifstream in(file, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  csv_summer::CsvSummer summer({});
  auto started = Steady::now();
  constexpr std::size_t kPiece = 1 << 20;
  for (std::size_t at = 0; at < text.size(); at += kPiece) {
    summer.feed(std::string_view(text).substr(at, kPiece));
  }
  summer.finish();
  auto seconds = std::chrono::duration<double>(Steady::now() - started).count();
  for (const auto& column : summer.totals().columns) sums += column.sum.to_json() + " ";
  return seconds;
}

long status_kb(pid_t pid, const char* field) {
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with(field)) return std::stol(line.substr(std::strlen(field)));
  }
  return 0;
}

// Submits `name` to a server started with `env` and waits for the sums.
double timed_task(const Environment& env, const std::string& name, long& peak_kb, long& idle_kb);

double whole_task(const fs::path& file, long& peak_kb, long& idle_kb) {
  TempDir dir;
  fs::create_directories(dir.path() / "data");
  fs::create_symlink(file, dir.path() / "data" / "standard.csv");
  Environment env{{"ORCHESTRA_PLUGINS__DIR", ORCHESTRA_PLUGIN_DIR},
                  {"ORCHESTRA_PLUGINS__ENABLED", "[csv-summer]"},
                  {"ORCHESTRA_LOG__ACCESS", "false"},
                  {"ORCHESTRA_BLOBS__LOCAL__ROOTS", "[" + file.parent_path().string() + "]"}};
  return timed_task(env, file.filename().string(), peak_kb, idle_kb);
}

double timed_task(const Environment& env, const std::string& name, long& peak_kb, long& idle_kb) {
  TempDir dir;
  TestServer server(dir, "all", test_config(), env);
  auto token = bearer({"csv"});
  HttpClient client(server.port(), 120s);
  idle_kb = status_kb(server.pid(), "VmRSS:");
  auto started = Steady::now();
  auto created = client.request("POST", "/api/v1/csv-summer/tasks",
                                R"({"file":")" + name + R"("})",
                                {{"Authorization", token}, {"Content-Type", "application/json"}});
  rapidjson::Document document;
  document.Parse(created.body.c_str());
  if (created.status != 202) throw std::runtime_error("submit: " + created.body);
  std::string id = document["task_id"].GetString();
  for (;;) {
    auto body = client.request("GET", "/api/v1/csv-summer/tasks/" + id, {},
                               {{"Authorization", token}}).body;
    document.Parse(body.c_str());
    std::string state = document["state"].GetString();
    if (state == "succeeded") break;
    if (state == "dead" || state == "cancelled") throw std::runtime_error("task: " + body);
    std::this_thread::sleep_for(5ms);
  }
  auto seconds = std::chrono::duration<double>(Steady::now() - started).count();
  peak_kb = status_kb(server.pid(), "VmHWM:");
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  long rows = 3'000'000;
  fs::path file = "/tmp/orchestra-bench/standard.csv";
  bool task_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--task-only") {
      task_only = true;
    } else if (flag == "--rows" && i + 1 < argc) {
      rows = std::stol(argv[++i]);
    } else if (flag == "--file" && i + 1 < argc) {
      file = argv[++i];
    }
  }
  try {
    fs::create_directories(file.parent_path());
    if (!fs::exists(file)) generate(file, rows);
    double megabytes = static_cast<double>(fs::file_size(file)) / 1e6;
    run_command("cat '" + file.string() + "' > /dev/null");  // warm the page cache
    if (task_only) {
      long peak_kb = 0, idle_kb = 0;
      auto task = whole_task(file, peak_kb, idle_kb);
      std::cout << fmt::format("whole task from local disk {:.3f} s\nserver memory: idle {:.1f} MB, "
                               "peak {:.1f} MB\n",
                               task, idle_kb / 1024.0, peak_kb / 1024.0);
      return 0;
    }
    auto cat = run_command("cat '" + file.string() + "' > /dev/null");
    auto wc = run_command("wc -l '" + file.string() + "' > /dev/null");
    std::string sums;
    auto parser = parser_alone(file, sums);
    long peak_kb = 0, idle_kb = 0;
    auto task = whole_task(file, peak_kb, idle_kb);
    auto line = [&](const char* what, double seconds) {
      std::cout << fmt::format("{:<34} {:7.3f} s {:8.0f} MB/s\n", what, seconds,
                               megabytes / seconds);
    };
    std::cout << fmt::format("file: {} ({:.0f} MB)\n", file.string(), megabytes);
    line("cat > /dev/null", cat);
    line("wc -l", wc);
    line("parser alone (1 thread, in memory)", parser);
    line("whole task from local disk", task);
    if (const char* s3 = std::getenv("ORCHESTRA_TEST_S3_ENDPOINT")) {
      auto upload = fmt::format(
          "curl -sf -X PUT --aws-sigv4 aws:amz:us-east-1:s3 --user S3RVER:S3RVER -H "
          "'x-amz-content-sha256: UNSIGNED-PAYLOAD' -T '{}' '{}/orchestra-test/standard.csv' "
          ">/dev/null",
          file.string(), s3);
      run_command(upload);
      Environment env{{"ORCHESTRA_PLUGINS__DIR", ORCHESTRA_PLUGIN_DIR},
                      {"ORCHESTRA_PLUGINS__ENABLED", "[csv-summer]"},
                      {"ORCHESTRA_LOG__ACCESS", "false"},
                      {"ORCHESTRA_BLOBS__S3__ENDPOINT", s3},
                      {"ORCHESTRA_BLOBS__S3__PATH_STYLE", "true"},
                      {"ORCHESTRA_BLOBS__S3__ALLOWED", "[orchestra-test]"},
                      {"AWS_ACCESS_KEY_ID", "S3RVER"},
                      {"AWS_SECRET_ACCESS_KEY", "S3RVER"}};
      line("curl GET from S3 > /dev/null (baseline)",
           run_command(fmt::format(
               "curl -sf --aws-sigv4 aws:amz:us-east-1:s3 --user S3RVER:S3RVER -H "
               "'x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' "
               "'{}/orchestra-test/standard.csv' >/dev/null",
               s3)));
      long s3_peak = 0, s3_idle = 0;
      line("whole task from S3 (s3rver, loopback)",
           timed_task(env, "s3://orchestra-test/standard.csv", s3_peak, s3_idle));
      std::cout << fmt::format("  S3 task server peak memory {} MB ({} MB resident before)\n",
                               s3_peak / 1024, s3_idle / 1024);
    }
    std::cout << fmt::format("whole task / wc -l: {:.2f}x (target <= 3x); parser: {:.2f} GB/s "
                             "(target >= 1); server peak memory {} MB, {} MB resident before the task: "
                             "at most {} MB for the task (target <= 64 MB)\n",
                             task / wc, megabytes / parser / 1e3, peak_kb / 1024, idle_kb / 1024,
                             (peak_kb - idle_kb) / 1024);
  } catch (const std::exception& error) {
    std::cerr << "bench_csv: " << error.what() << '\n';
    return 1;
  }
  return 0;
}
