#include "graph.hpp"

#include <algorithm>
#include <cmath>

namespace calculator {
namespace {

struct Term {
  const Ast* node;
  bool inverted;  // subtracted (sums) or divided by (products)
  std::size_t position;
};

class Compiler {
 public:
  explicit Compiler(Graph& graph) : graph_(graph) {}

  Operand operand(const Ast& node, bool negated) {
    switch (node.kind) {
      case Ast::Kind::number: return Operand{std::nullopt, negated ? -node.value : node.value, {}};
      case Ast::Kind::negate: return operand(*node.left, !negated);
      case Ast::Kind::binary: break;
    }
    bool additive = node.op == '+' || node.op == '-';
    std::vector<Term> terms;
    bool flip = false;  // products: an odd number of unary minuses among the factors
    collect(node, additive, false, node.position, terms, flip);
    std::vector<Operand> kept, inverted;
    std::size_t first_inverted_at = node.position;
    for (const auto& term : terms) {
      auto compiled = operand(*term.node, false);
      if (term.inverted) {
        if (inverted.empty()) first_inverted_at = term.position;
        if (!additive) compiled.divides_at = term.position;
        inverted.push_back(compiled);
      } else {
        kept.push_back(compiled);
      }
    }
    char combine = additive ? '+' : '*';
    char inverse = additive ? '-' : '/';
    bool negate_result = negated != flip;
    if (kept.empty()) {
      // Only in sums: -(a) - b... the first term of a chain is never inverted,
      // but a negated chain flips every sign.
      auto result = balanced(inverted, combine, node.position);
      return negate_operand(result, !negate_result);
    }
    auto left = balanced(kept, combine, node.position);
    if (inverted.empty()) return negate_operand(left, negate_result);
    auto right = balanced(inverted, combine, first_inverted_at);
    return add(Operation{inverse, left, right, negate_result, first_inverted_at});
  }

 private:
  // Flattens a chain of one precedence level; unary minus in a sum flips
  // the sign of the terms below it, in a product the sign of the result.
  // A divisor is never flattened: x / (y / 0) must stay a division by zero,
  // not become x * 0 / y.
  void collect(const Ast& node, bool additive, bool inverted, std::size_t position,
               std::vector<Term>& terms, bool& flip) {
    if (!additive && inverted) {
      terms.push_back(Term{&node, inverted, position});
      return;
    }
    if (node.kind == Ast::Kind::binary && (node.op == '+' || node.op == '-') == additive) {
      collect(*node.left, additive, inverted, position, terms, flip);
      bool right_inverted = (node.op == '-' || node.op == '/') ? !inverted : inverted;
      collect(*node.right, additive, right_inverted, node.position, terms, flip);
      return;
    }
    if (node.kind == Ast::Kind::negate) {
      const Ast* inner = node.left.get();
      bool negations = true;
      while (inner->kind == Ast::Kind::negate) {
        negations = !negations;
        inner = inner->left.get();
      }
      bool chain = inner->kind == Ast::Kind::binary &&
                   (inner->op == '+' || inner->op == '-') == additive;
      if (chain) {
        if (additive) {
          collect(*inner, additive, negations ? !inverted : inverted, position, terms, flip);
        } else {
          if (negations) flip = !flip;
          collect(*inner, additive, inverted, position, terms, flip);
        }
        return;
      }
    }
    terms.push_back(Term{&node, inverted, position});
  }

  Operand balanced(const std::vector<Operand>& items, char op, std::size_t position) {
    return balanced(items, 0, items.size(), op, position);
  }

  Operand balanced(const std::vector<Operand>& items, std::size_t begin, std::size_t end, char op,
                   std::size_t position) {
    if (end - begin == 1) return items[begin];
    auto middle = begin + (end - begin + 1) / 2;
    return add(Operation{op, balanced(items, begin, middle, op, position),
                         balanced(items, middle, end, op, position), false, position});
  }

  Operand negate_operand(Operand operand, bool negate) {
    if (!negate) return operand;
    if (!operand.operation) {
      operand.value = -operand.value;
      return operand;
    }
    auto& operation = graph_.operations[*operand.operation];
    operation.negate = !operation.negate;
    return operand;
  }

  Operand add(Operation operation) {
    graph_.operations.push_back(operation);
    return Operand{graph_.operations.size() - 1, 0, {}};
  }

  Graph& graph_;
};

}  // namespace

std::size_t Graph::depth() const {
  std::vector<std::size_t> levels(operations.size(), 0);
  std::size_t deepest = 0;
  for (std::size_t i = 0; i < operations.size(); ++i) {
    std::size_t below = 0;
    for (const auto* side : {&operations[i].left, &operations[i].right}) {
      if (side->operation) below = std::max(below, levels[*side->operation]);
    }
    levels[i] = below + 1;
    deepest = std::max(deepest, levels[i]);
  }
  return deepest;
}

Graph compile(const Ast& tree) {
  Graph graph;
  graph.result = Compiler(graph).operand(tree, false);
  return graph;
}

Value input(const Operand& operand, const Value& produced) {
  Value value = operand.operation ? produced : Value{operand.value, std::nullopt};
  if (value.value == 0 && !value.zero_divisor && operand.divides_at) {
    value.zero_divisor = operand.divides_at;
  }
  return value;
}

std::variant<Value, EvaluationError> apply(const Operation& operation, const Value& left,
                                           const Value& right) {
  Value out;
  switch (operation.op) {
    case '+': out.value = left.value + right.value; break;
    case '-': out.value = left.value - right.value; break;
    case '*':
      out.value = left.value * right.value;
      if (left.value == 0 && left.zero_divisor) {
        out.zero_divisor = left.zero_divisor;
      } else if (right.value == 0 && right.zero_divisor) {
        out.zero_divisor = right.zero_divisor;
      }
      break;
    case '/':
      if (right.value == 0) {
        return EvaluationError{"division by zero", right.zero_divisor.value_or(operation.position)};
      }
      out.value = left.value / right.value;
      break;
    default: return EvaluationError{"unknown operation", operation.position};
  }
  if (operation.negate) out.value = -out.value;
  if (!std::isfinite(out.value)) {
    return EvaluationError{"the result is too large", operation.position};
  }
  return out;
}

std::variant<double, EvaluationError> evaluate(const Graph& graph) {
  std::vector<Value> results(graph.operations.size());
  for (std::size_t i = 0; i < graph.operations.size(); ++i) {
    const auto& operation = graph.operations[i];
    auto produced = [&](const Operand& operand) {
      return input(operand, operand.operation ? results[*operand.operation] : Value{});
    };
    auto outcome = apply(operation, produced(operation.left), produced(operation.right));
    if (auto* error = std::get_if<EvaluationError>(&outcome)) return *error;
    results[i] = std::get<Value>(outcome);
  }
  return input(graph.result, graph.result.operation ? results[*graph.result.operation] : Value{})
      .value;
}

}  // namespace calculator
