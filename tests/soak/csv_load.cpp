#include "workloads.hpp"

#include "support/auth.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <thread>

namespace soak {

using namespace std::chrono_literals;

namespace {

const std::string kUser = orchestra::testing::bearer({"csv"}, "soak-csv");
constexpr int kFiles = 12;
constexpr int kColumns = 20;

// Cents as the decimal the file holds: -1234 -> "-12.34".
std::string decimal(long long cents) {
  return fmt::format("{}{}.{:02}", cents < 0 ? "-" : "", std::llabs(cents) / 100,
                     std::llabs(cents) % 100);
}

}  // namespace

CsvLoad::CsvLoad(Api& api, const std::filesystem::path& blobs_root, unsigned seed)
    : api_(api), random_(seed) {
  std::uniform_int_distribution<long long> cell(-99'999, 99'999);
  std::uniform_int_distribution<int> rows(200, 3000);
  for (int f = 0; f < kFiles; ++f) {
    File file{fmt::format("soak-{}.csv", f), {}};
    std::map<int, long long> cents;  // exact, as the plugin sums
    std::ofstream out(blobs_root / file.name);
    for (int c = 1; c <= kColumns; ++c) out << (c > 1 ? "," : "") << "c" << c;
    out << "\n";
    for (int r = rows(random_); r > 0; --r) {
      for (int c = 1; c <= kColumns; ++c) {
        auto value = cell(random_);
        if (c % 10 == 0) cents[c] += value;
        out << (c > 1 ? "," : "") << decimal(value);
      }
      out << "\n";
    }
    // The nearest double to the exact sum, as parsing the plugin's answer gives.
    for (auto [column, total] : cents) file.sums[column] = std::strtod(decimal(total).c_str(), nullptr);
    files_.push_back(std::move(file));
  }
}

void CsvLoad::submit_next() {
  const auto& file = files_[random_() % files_.size()];
  // A retry after a lost answer may queue a second task; only acknowledged
  // ones are counted, and the other still runs harmlessly.
  auto answer = api_.send_until_answered("POST", "/api/v1/csv-summer/tasks", kUser,
                                         R"({"file":")" + file.name + R"("})");
  if (answer.status == 202) {
    jobs_.push_back({text_of(parse_json(answer.body), "task_id"), &file});
  } else {
    notes_.push_back(fmt::format("csv-summer: {} refused: {} {}", file.name, answer.status,
                                    answer.body));
  }
  std::this_thread::sleep_for(400ms);
}

Outcome CsvLoad::settle(Steady::time_point deadline) {
  Outcome outcome{.kind = "csv-summer sums"};
  outcome.submitted = static_cast<int>(jobs_.size());
  outcome.notes = notes_;
  std::vector<const Job*> pending;
  for (const auto& job : jobs_) pending.push_back(&job);
  while (!pending.empty() && Steady::now() < deadline) {
    std::vector<const Job*> still;
    for (const auto* job : pending) {
      auto answer = api_.send("GET", "/api/v1/csv-summer/tasks/" + job->id, kUser);
      auto task = parse_json(answer.body);
      std::string state = text_of(task, "state");
      if (state != "succeeded" && state != "dead" && state != "cancelled") {
        still.push_back(job);
        continue;
      }
      ++outcome.ended;
      if (state != "succeeded") {
        outcome.notes.push_back(fmt::format("csv-summer: {} ended {}: {}", job->file->name,
                                               state, answer.body));
        continue;
      }
      ++outcome.expected_state;
      std::map<int, double> sums;
      for (const auto& column : task["result"]["columns"].GetArray()) {
        sums[column["index"].GetInt()] = column["sum"].GetDouble();
      }
      if (sums != job->file->sums) {
        ++outcome.wrong;
        outcome.notes.push_back(fmt::format("csv-summer: wrong sums of {}: {}", job->file->name,
                                               answer.body));
      }
    }
    pending = std::move(still);
    if (!pending.empty()) std::this_thread::sleep_for(1s);
  }
  outcome.lost = static_cast<int>(pending.size());
  for (const auto* job : pending) {
    outcome.notes.push_back("csv-summer: never ended: " + job->id + " " + job->file->name);
  }
  return outcome;
}

}  // namespace soak
