#pragma once
// The mixed workload, one class per plugin, each used only through the
// public REST API: it submits work while the soak runs, then waits for
// everything it submitted to end and checks the outcome.

#include "api.hpp"
#include "expression.hpp"
#include "faults.hpp"

#include "support/fake_steam.hpp"
#include "support/webhook_receiver.hpp"

#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace soak {

// One row of the final table.
struct Outcome {
  std::string kind;
  int submitted = 0;       // acknowledged by the api
  int ended = 0;           // reached a final state
  int expected_state = 0;  // ... the one expected
  int wrong = 0;           // ended with a wrong result
  int lost = 0;            // never ended
  int duplicates = 0;      // side effects beyond those expected
  // Webhook messages sent again under their webhook-id after an attempt
  // the product recorded as interrupted (its worker died mid-send): the
  // at-least-once of Standard Webhooks, which receivers deduplicate.
  int resent_after_crash = 0;
  std::vector<std::string> notes{};  // one line each, under the table
};

class Workload {
 public:
  virtual ~Workload() = default;
  // Submits one piece of work (and paces itself); called over and over on
  // the workload's own thread until the soak stops submitting.
  virtual void submit_next() = 0;
  // Waits until `deadline` for everything submitted to end, then checks it.
  virtual Outcome settle(Steady::time_point deadline) = 0;
};

// Random expressions, each checked against soak::evaluate.
class CalculatorLoad : public Workload {
 public:
  CalculatorLoad(Api& api, unsigned seed);
  void submit_next() override;
  Outcome settle(Steady::time_point deadline) override;

 private:
  struct Job {
    std::string id;
    std::string expression;
    Expected expected;
  };
  Api& api_;
  std::mt19937 random_;
  std::vector<Job> jobs_;
  std::vector<std::string> notes_;
};

// Sums of CSV files written under the blobs root with known answers.
class CsvLoad : public Workload {
 public:
  CsvLoad(Api& api, const std::filesystem::path& blobs_root, unsigned seed);
  void submit_next() override;
  Outcome settle(Steady::time_point deadline) override;

 private:
  struct File {
    std::string name;
    std::map<int, double> sums;  // 1-based column -> exact sum
  };
  struct Job {
    std::string id;
    const File* file;
  };
  Api& api_;
  std::mt19937 random_;
  std::vector<File> files_;
  std::vector<Job> jobs_;
  std::vector<std::string> notes_;
};

// New apps appear in the fake Steam and an app-list refresh is queued;
// steam-sync's schedule fetches them. Every app must be fetched, each
// requested from the store once, plus what the faults interrupted.
class SteamLoad : public Workload {
 public:
  SteamLoad(Api& api, orchestra::testing::FakeSteam& steam, const FaultLog& faults,
            int initial_apps);
  void submit_next() override;
  Outcome settle(Steady::time_point deadline) override;

 private:
  Api& api_;
  orchestra::testing::FakeSteam& steam_;
  const FaultLog& faults_;
  int apps_;
  std::vector<std::string> tasks_;
  std::vector<std::string> notes_;
};

// Matches of a followed team go live, score and end; every fan gets each
// event once in the inbox and once (one webhook-id) at the webhook.
class NotificationsLoad : public Workload {
 public:
  NotificationsLoad(Api& api, orchestra::testing::WebhookReceiver& receiver);
  void submit_next() override;
  Outcome settle(Steady::time_point deadline) override;

 private:
  // Of each webhook-id wanted: how many of its attempts the product
  // recorded as interrupted, from the fan's deliveries list; a list that
  // cannot be read leaves a note and counts none.
  std::map<std::string, int> interrupted_attempts(int fan,
                                                  const std::set<std::string>& wanted,
                                                  Steady::time_point deadline,
                                                  std::vector<std::string>& notes);
  // Counts each webhook-id delivered more than once as resent after a
  // crash as far as interrupted attempts explain it, else as duplicates.
  void check_repeats(const std::map<std::string, int>& deliveries_per_id,
                     const std::map<std::string, int>& fan_of_id, Steady::time_point deadline,
                     Outcome& outcome);

  Api& api_;
  orchestra::testing::WebhookReceiver& receiver_;
  std::vector<std::string> webhooks_;  // each fan's endpoint
  std::int64_t home_ = 0;
  std::int64_t away_ = 0;
  std::vector<std::int64_t> matches_;  // every one went live, scored 1-0 and ended
  std::vector<std::string> notes_;
};

// Searches, which must answer 200 throughout, except while an api process
// is down (the balancer's request to it fails) or PostgreSQL is (503).
class SearchLoad : public Workload {
 public:
  SearchLoad(Api& api, const FaultLog& faults) : api_(api), faults_(faults) {}
  void submit_next() override;
  Outcome settle(Steady::time_point deadline) override;

 private:
  Api& api_;
  const FaultLog& faults_;
  int queries_ = 0;
  int answered_ = 0;
  int excused_ = 0;             // not 200, during one of the faults above
  std::map<int, int> refused_;  // status (0: no answer) -> count, at other times
};

}  // namespace soak
