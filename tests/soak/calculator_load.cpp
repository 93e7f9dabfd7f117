#include "workloads.hpp"

#include "support/auth.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <thread>

namespace soak {

using namespace std::chrono_literals;

namespace {

const std::string kUser = orchestra::testing::bearer({}, "soak-calculator");
const std::string kAdmin = orchestra::testing::bearer({"admin"}, "soak-admin");

}  // namespace

CalculatorLoad::CalculatorLoad(Api& api, unsigned seed) : api_(api), random_(seed) {
  // Operations take milliseconds, not the default seconds: many
  // expressions, each many tasks, finish within the soak.
  auto answer = api_.send_until_answered("PUT", "/api/v1/calculator/durations", kAdmin,
                                         R"({"+":20,"-":20,"*":30,"/":40})");
  if (answer.status != 200) {
    throw std::runtime_error("calculator: PUT /durations answered " +
                             std::to_string(answer.status) + ": " + answer.body);
  }
}

void CalculatorLoad::submit_next() {
  auto expression = random_expression(random_);
  auto expected = evaluate(expression);
  if (!expected) throw std::logic_error("the soak's evaluator cannot read " + expression);
  // The same req_uid on every attempt: a retry after a lost answer finds
  // the expression the first attempt created rather than making another.
  auto body = fmt::format(R"({{"req_uid":"soak-{}","expression":"{}"}})", jobs_.size() + 1,
                          expression);
  auto answer = api_.send_until_answered("POST", "/api/v1/calculator/expressions", kUser, body);
  if (answer.status == 201 || answer.status == 200) {
    jobs_.push_back({text_of(parse_json(answer.body), "id"), expression, *expected});
  } else {
    notes_.push_back(fmt::format("calculator: {} refused: {} {}", expression, answer.status,
                                    answer.body));
  }
  std::this_thread::sleep_for(100ms);
}

Outcome CalculatorLoad::settle(Steady::time_point deadline) {
  Outcome outcome{.kind = "calculator expressions"};
  outcome.submitted = static_cast<int>(jobs_.size());
  outcome.notes = notes_;
  std::vector<const Job*> pending;
  for (const auto& job : jobs_) pending.push_back(&job);
  while (!pending.empty() && Steady::now() < deadline) {
    std::vector<const Job*> still;
    for (const auto* job : pending) {
      auto answer = api_.send("GET", "/api/v1/calculator/expressions/" + job->id, kUser);
      auto record = parse_json(answer.body);
      std::string status = text_of(record, "status");
      if (status != "ok" && status != "error") {
        still.push_back(job);
        continue;
      }
      ++outcome.ended;
      bool right = job->expected.division_by_zero
                       ? status == "error" && record.HasMember("error") &&
                             text_of(record["error"], "message") ==
                                                  "division by zero"
                       : status == "ok" && job->expected.matches(record["result"].GetDouble());
      if (right) {
        ++outcome.expected_state;
      } else {
        ++outcome.wrong;
        outcome.notes.push_back(fmt::format("calculator: {} = {}{}, got {}", job->expression,
                                               job->expected.value,
                                               job->expected.division_by_zero
                                                   ? " (division by zero)"
                                                   : "",
                                               answer.body));
      }
    }
    pending = std::move(still);
    if (!pending.empty()) std::this_thread::sleep_for(1s);
  }
  outcome.lost = static_cast<int>(pending.size());
  for (const auto* job : pending) {
    outcome.notes.push_back("calculator: never ended: " + job->id + " " + job->expression);
  }
  return outcome;
}

}  // namespace soak
