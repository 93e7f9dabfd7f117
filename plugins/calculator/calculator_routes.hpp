#pragma once
// REST under /api/v1/calculator: expressions, durations, agents.

#include "expression_store.hpp"
#include "finish_signal.hpp"
#include "parser.hpp"

#include <orchestra/host.hpp>

#include <chrono>
#include <memory>
#include <semaphore>
#include <string>

namespace calculator {

struct RouteSettings {
  Limits limits;
  std::string required_scope;  // empty: any authenticated user
  std::chrono::milliseconds max_wait{60'000};
  int max_waiting = 4;  // long-polls holding a handler thread at once
  std::chrono::milliseconds agent_timeout{10'000};
};

class CalculatorRoutes {
 public:
  // `store` is filled when the plugin starts, before any request.
  CalculatorRoutes(orchestra::Host& host, const std::unique_ptr<ExpressionStore>& store,
                   FinishSignal& finished, RouteSettings settings);
  void add(orchestra::http::Routes& routes);

 private:
  using Request = orchestra::http::Request;
  using Response = orchestra::http::Response;

  Response submit(const Request& request);
  Response list(const Request& request);
  Response get(const Request& request);
  Response operations(const Request& request);
  Response get_durations(const Request& request);
  Response put_durations(const Request& request);
  Response agents(const Request& request);
  Expression own_expression(const Request& request);

  orchestra::Host& host_;
  const std::unique_ptr<ExpressionStore>& store_;
  FinishSignal& finished_;
  RouteSettings settings_;
  std::counting_semaphore<1024> waiting_slots_;
};

std::string expression_json(const Expression& expression);

}  // namespace calculator
