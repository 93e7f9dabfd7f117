// libFuzzer target for the cron parser: any text is a schedule or an
// std::invalid_argument, and a schedule's next fire time is strictly after
// the time asked about and is itself a fire time (asking again from just
// before it gives it back).

#include "tasks/cron.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string spec(reinterpret_cast<const char*>(data), size);
  std::optional<orchestra::tasks::CronSchedule> schedule;
  try {
    schedule = orchestra::tasks::CronSchedule::parse(spec);
  } catch (const std::invalid_argument&) {
    return 0;
  }
  using namespace std::chrono;
  auto start = system_clock::time_point(seconds(1'780'000'000));
  auto next = schedule->next_after(start);
  if (!next) return 0;
  auto again = schedule->next_after(*next - seconds(1));
  if (*next <= start || again != next) {
    std::fprintf(stderr, "cron \"%s\": next fire time is not consistent\n", spec.c_str());
    std::abort();
  }
  return 0;
}
