#pragma once
// What the soak does to the deployment, and when: each fault is a window
// from its start until the deployment is whole again plus a grace for the
// work it interrupted to move elsewhere (a task lease), so requests can be
// told apart by whether they met a fault.

#include "api.hpp"

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace soak {

struct FaultWindow {
  std::string kind;
  Steady::time_point begin;
  Steady::time_point end;  // Steady::time_point::max() while it lasts
};

class FaultLog {
 public:
  explicit FaultLog(std::chrono::milliseconds grace) : grace_(grace) {}
  // Returns the fault's index for end().
  std::size_t begin(const std::string& kind);
  void end(std::size_t index);

  bool during_fault(Steady::time_point at) const;
  bool during_fault_of(const std::string& kind, Steady::time_point at) const;
  std::map<std::string, int> counts() const;
  std::vector<FaultWindow> windows() const;

 private:
  std::chrono::milliseconds grace_;
  Steady::time_point started_ = Steady::now();
  mutable std::mutex mutex_;
  std::vector<FaultWindow> windows_;
};

}  // namespace soak
