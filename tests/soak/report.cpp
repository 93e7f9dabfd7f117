#include "report.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace soak {
namespace {

struct Figures {
  std::size_t requests = 0;
  std::size_t errors = 0;
  double p99_ms = 0;

  std::string rate() const {
    return requests == 0 ? "-" : fmt::format("{:.2f} %", 100.0 * static_cast<double>(errors) /
                                                             static_cast<double>(requests));
  }
};

Figures figures_of(const std::vector<Sample>& samples) {
  Figures figures;
  figures.requests = samples.size();
  std::vector<std::int64_t> latencies;
  for (const auto& sample : samples) {
    if (!sample.ok) ++figures.errors;
    latencies.push_back(sample.latency.count());
  }
  if (!latencies.empty()) {
    auto rank = std::min(latencies.size() - 1, latencies.size() * 99 / 100);
    std::nth_element(latencies.begin(), latencies.begin() + static_cast<std::ptrdiff_t>(rank),
                     latencies.end());
    figures.p99_ms = static_cast<double>(latencies[rank]) / 1000.0;
  }
  return figures;
}

}  // namespace

bool Report::passed() const {
  return unexpected_exits.empty() &&
         std::all_of(outcomes.begin(), outcomes.end(), [](const Outcome& o) {
           return o.lost == 0 && o.wrong == 0 && o.duplicates == 0 && o.ended == o.submitted &&
                  o.expected_state == o.ended;
         });
}

void Report::print(std::ostream& out) const {
  out << "\n## " << title << "\n\n"
      << "| | submitted | ended | expected state | wrong | lost | duplicates | resent after a "
         "crash |\n"
      << "|---|--:|--:|--:|--:|--:|--:|--:|\n";
  for (const auto& o : outcomes) {
    out << fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", o.kind, o.submitted,
                       o.ended, o.expected_state, o.wrong, o.lost, o.duplicates,
                       o.resent_after_crash);
  }
  for (const auto& [kind, count] : faults) {
    out << fmt::format("| fault: {} | {} | | | | | | |\n", kind, count);
  }
  std::vector<Sample> during;
  std::vector<Sample> outside;
  for (const auto& sample : samples) {
    (fault_log->during_fault(sample.started) ? during : outside).push_back(sample);
  }
  for (const auto& [name, figures] : {std::pair{"overall", figures_of(samples)},
                                      std::pair{"during faults", figures_of(during)},
                                      std::pair{"outside faults", figures_of(outside)}}) {
    out << fmt::format("| api requests {} | {} | errors {} | error rate {} | p99 {:.1f} ms | | | |\n",
                       name, figures.requests, figures.errors, figures.rate(), figures.p99_ms);
  }
  out << fmt::format("| processes that exited on their own | {} | | | | | | |\n\n",
                     unexpected_exits.size());
  for (const auto& exit : unexpected_exits) out << "- " << exit << "\n";
  // The first notes of each kind say what happened; hundreds would bury it.
  constexpr std::size_t kNotesPerKind = 20;
  for (const auto& o : outcomes) {
    for (std::size_t i = 0; i < o.notes.size() && i < kNotesPerKind; ++i) {
      out << "- " << o.notes[i] << "\n";
    }
    if (o.notes.size() > kNotesPerKind) {
      out << "- " << o.kind << ": " << o.notes.size() - kNotesPerKind << " more like these\n";
    }
  }
  out << "\nsoak: " << (passed() ? "PASSED" : "FAILED") << "\n";
}

}  // namespace soak
