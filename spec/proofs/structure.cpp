#include "spec/proofs/structure.hpp"

#include <stdexcept>

namespace lockstep::proofs {

Structure::Structure(const Vocabulary& vocabulary, std::vector<int> sizes) : vocabulary_(&vocabulary), sizes_(std::move(sizes)) {
  if (sizes_.size() != vocabulary.sorts().size()) throw std::logic_error("Structure: one size per sort");
  for (std::size_t r = 0; r < vocabulary.relations().size(); ++r) {
    before_.emplace_back(tuple_count(static_cast<int>(r)), 0);
    after_.emplace_back(tuple_count(static_cast<int>(r)), 0);
  }
}

void Structure::name(int sort, int element, std::string name) {
  if (names_.empty()) names_.resize(sizes_.size());  // (names are made only when asked for: alpha runs on every step)
  auto& names = names_.at(static_cast<std::size_t>(sort));
  if (names.size() < static_cast<std::size_t>(sizes_[static_cast<std::size_t>(sort)])) names.resize(static_cast<std::size_t>(sizes_[static_cast<std::size_t>(sort)]));
  names.at(static_cast<std::size_t>(element)) = std::move(name);
}

std::string Structure::element_name(int sort, int element) const {
  if (!names_.empty() && !names_[static_cast<std::size_t>(sort)].empty() &&
      !names_[static_cast<std::size_t>(sort)][static_cast<std::size_t>(element)].empty()) {
    return names_[static_cast<std::size_t>(sort)][static_cast<std::size_t>(element)];
  }
  const std::string& sort_name = vocabulary_->sorts()[static_cast<std::size_t>(sort)].name;
  return std::string(1, sort_name.empty() ? 'e' : sort_name[0]) + std::to_string(element + 1);
}

std::size_t Structure::tuple_count(int relation) const {
  std::size_t n = 1;
  for (int s : vocabulary_->relations()[static_cast<std::size_t>(relation)].sorts) n *= static_cast<std::size_t>(sizes_[static_cast<std::size_t>(s)]);
  return n;
}

std::size_t Structure::index(int relation, const std::vector<int>& tuple) const {
  const auto& sorts = vocabulary_->relations()[static_cast<std::size_t>(relation)].sorts;
  std::size_t i = 0;
  for (std::size_t k = 0; k < sorts.size(); ++k) {
    const int size = sizes_[static_cast<std::size_t>(sorts[k])];
    if (tuple[k] < 0 || tuple[k] >= size) throw std::out_of_range("Structure: element out of its universe");
    i = i * static_cast<std::size_t>(size) + static_cast<std::size_t>(tuple[k]);
  }
  return i;
}

void Structure::set(int relation, const std::vector<int>& tuple, bool value, bool after) {
  const bool fixed = vocabulary_->relations()[static_cast<std::size_t>(relation)].fixed;
  const std::size_t i = index(relation, tuple);
  if (!after || fixed) before_[static_cast<std::size_t>(relation)][i] = value;
  if (after || fixed) after_[static_cast<std::size_t>(relation)][i] = value;
}

bool Structure::get(int relation, const std::vector<int>& tuple, bool after) const {
  return (after ? after_ : before_)[static_cast<std::size_t>(relation)][index(relation, tuple)] != 0;
}

void Structure::copy_before_to_after() { after_ = before_; }

Structure Structure::after_as_before() const {
  Structure out = *this;
  out.before_ = after_;
  return out;
}

std::vector<int> Structure::changed_relations() const {
  std::vector<int> out;
  for (std::size_t r = 0; r < before_.size(); ++r) {
    if (before_[r] != after_[r]) out.push_back(static_cast<int>(r));
  }
  return out;
}

Structure Structure::split(const std::vector<int>& first, bool second_part) const {
  Structure out = *this;
  auto middle = before_;
  for (const int r : first) middle[static_cast<std::size_t>(r)] = after_[static_cast<std::size_t>(r)];
  (second_part ? out.before_ : out.after_) = std::move(middle);
  return out;
}

bool Structure::quantify(const Node& n, std::size_t i, std::vector<int>& env) const {
  if (i == n.args.size()) return eval(*n.children[0], env);
  const Var& v = n.args[i];
  const int size = sizes_[static_cast<std::size_t>(v.sort)];
  const bool all = n.kind == Node::forall;
  for (int e = 0; e < size; ++e) {
    env[static_cast<std::size_t>(v.id)] = e;
    if (quantify(n, i + 1, env) != all) return !all;
  }
  return all;
}

bool Structure::eval(const Node& n, std::vector<int>& env) const {
  switch (n.kind) {
    case Node::truth: return true;
    case Node::falsity: return false;
    case Node::rel: {
      const auto& sorts = vocabulary_->relations()[static_cast<std::size_t>(n.relation)].sorts;
      std::size_t i = 0;
      for (std::size_t k = 0; k < sorts.size(); ++k) {
        i = i * static_cast<std::size_t>(sizes_[static_cast<std::size_t>(sorts[k])]) +
            static_cast<std::size_t>(env[static_cast<std::size_t>(n.args[k].id)]);
      }
      return (n.primed ? after_ : before_)[static_cast<std::size_t>(n.relation)][i] != 0;
    }
    case Node::eq: return env[static_cast<std::size_t>(n.args[0].id)] == env[static_cast<std::size_t>(n.args[1].id)];
    case Node::lt: return env[static_cast<std::size_t>(n.args[0].id)] < env[static_cast<std::size_t>(n.args[1].id)];
    case Node::negation: return !eval(*n.children[0], env);
    case Node::conjunction: return eval(*n.children[0], env) && eval(*n.children[1], env);
    case Node::disjunction: return eval(*n.children[0], env) || eval(*n.children[1], env);
    case Node::implication: return !eval(*n.children[0], env) || eval(*n.children[1], env);
    case Node::equivalence: return eval(*n.children[0], env) == eval(*n.children[1], env);
    case Node::forall:
    case Node::exists: return quantify(n, 0, env);
  }
  return false;
}

bool Structure::holds(const F& f, std::vector<int>& env) const {
  if (env.size() < static_cast<std::size_t>(vocabulary_->variable_count())) env.resize(static_cast<std::size_t>(vocabulary_->variable_count()), 0);
  return eval(*f, env);
}

bool Structure::satisfiable(const std::vector<Var>& params, const F& f, std::vector<int>& env) const {
  if (env.size() < static_cast<std::size_t>(vocabulary_->variable_count())) env.resize(static_cast<std::size_t>(vocabulary_->variable_count()), 0);
  Node n;
  n.kind = Node::exists;
  n.args = params;
  n.children = {f};
  if (params.empty()) return eval(*f, env);
  // (quantify leaves the satisfying assignment in env: it stops at the first.)
  return quantify(n, 0, env);
}

std::string Structure::tuple_text(int relation, std::size_t index) const {
  const auto& sorts = vocabulary_->relations()[static_cast<std::size_t>(relation)].sorts;
  std::vector<int> tuple(sorts.size());
  for (std::size_t k = sorts.size(); k-- > 0;) {
    const auto size = static_cast<std::size_t>(sizes_[static_cast<std::size_t>(sorts[k])]);
    tuple[k] = static_cast<int>(index % size);
    index /= size;
  }
  std::string out = "(";
  for (std::size_t k = 0; k < tuple.size(); ++k) out += (k ? ", " : "") + element_name(sorts[k], tuple[k]);
  return out + ")";
}

std::string Structure::describe(bool step) const {
  std::string out;
  for (std::size_t r = 0; r < before_.size(); ++r) {
    const Relation& relation = vocabulary_->relations()[r];
    std::string tuples, added, removed;
    for (std::size_t i = 0; i < before_[r].size(); ++i) {
      if (before_[r][i]) tuples += (tuples.empty() ? "" : ", ") + tuple_text(static_cast<int>(r), i);
      if (step && after_[r][i] && !before_[r][i]) added += (added.empty() ? "" : ", ") + tuple_text(static_cast<int>(r), i);
      if (step && !after_[r][i] && before_[r][i]) removed += (removed.empty() ? "" : ", ") + tuple_text(static_cast<int>(r), i);
    }
    out += "  " + relation.name + (relation.fixed ? " (fixed)" : "") + ": " + (tuples.empty() ? "none" : tuples) + "\n";
    if (!added.empty()) out += "    after the step, added: " + added + "\n";
    if (!removed.empty()) out += "    after the step, removed: " + removed + "\n";
  }
  return out;
}

std::string Structure::key(bool step) const {
  std::string out;
  for (int size : sizes_) out += std::to_string(size) + ",";
  const auto pack = [&](const std::vector<std::vector<char>>& tables) {
    for (const auto& table : tables) {
      char byte = 0;
      for (std::size_t i = 0; i < table.size(); ++i) {
        byte = static_cast<char>(byte | ((table[i] != 0) << (i % 8)));
        if (i % 8 == 7) out += byte, byte = 0;
      }
      out += byte;
    }
  };
  pack(before_);
  if (step) pack(after_);
  return out;
}

}  // namespace lockstep::proofs
