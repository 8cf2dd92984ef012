#include "traces/trace_file.hpp"

#include <optional>

#include "traces/show.hpp"

namespace lockstep {

ReplayedFile replay_file(const std::string& path, ReadProgress* progress) {
  std::optional<Replayer> replayer;
  ReplayedFile out;
  out.trace = stream_trace_file(
      path, [&](const LoadedTrace& head) { replayer.emplace(*head.model); },
      [&](std::size_t, ItfStep step) { replayer->add(std::move(step)); }, progress);
  out.steps = replayer->steps_added() - 1;
  out.result = replayer->result();
  return out;
}

std::optional<Divergence> show_text_file(const std::string& path, bool colour,
                                         const std::function<void(const std::string&)>& print, ReadProgress* checking,
                                         ReadProgress* showing) {
  const auto note = [](ReadProgress* progress, const char* pass) {
    if (progress != nullptr) progress->set_what(progress->what() + pass);
  };
  const std::string what = checking != nullptr ? checking->what() : "";
  note(checking, " (checking)");
  const ReplayedFile replayed = replay_file(path, checking);
  const std::optional<Divergence>& divergence = replayed.result.divergence;
  if (checking != nullptr) {
    checking->finish();
    checking->set_what(what);
  }
  note(showing, " (showing)");
  std::optional<ItfStep> previous;
  std::vector<std::string> decided;
  const AnyModel* model = nullptr;
  stream_trace_file(
      path,
      [&](const LoadedTrace& head) {
        model = head.model.get();
        print(show_text_header(head, replayed.steps, divergence, colour));
      },
      [&](std::size_t index, ItfStep step) {
        print(show_text_step(index, view_step(*model, previous ? &*previous : nullptr, step, index, decided, divergence),
                             colour));
        previous = std::move(step);
      },
      showing);
  return divergence;
}

ShrunkFile shrink_file(const std::string& path, const ShrinkOptions& options, ReadProgress* progress) {
  std::optional<Replayer> replayer;
  Json initial;
  PackedJsonList actions;
  ShrunkFile out;
  out.trace = stream_trace_file(
      path, [&](const LoadedTrace& head) { replayer.emplace(*head.model); },
      [&](std::size_t index, ItfStep step) {
        if (index == 0) {
          initial = step.state;
        } else {
          actions.push_back(step.action);
        }
        replayer->add(std::move(step));
      },
      progress);
  out.result = shrink_replayed(out.trace, initial, actions, replayer->result(), options);
  return out;
}

}  // namespace lockstep
