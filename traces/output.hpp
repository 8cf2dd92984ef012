// Writing what the commands produce (traces, HTML pages) to a path the user names.
//
// A regular file (or a path that does not exist yet) is written atomically: the content goes to a
// fresh temporary file in the same folder (a unique name, so two processes writing one path never
// share it), which is flushed, synced and renamed over the path; on any failure the temporary file
// is removed and the path keeps its old content. A symbolic link is followed: its target is what
// gets written, and the link stays. Anything else that already exists (a device such as /dev/null
// or /dev/full, a FIFO, a socket) is written straight through, never replaced. "-" is standard
// output. A write that fails (a full disk, /dev/full) throws std::runtime_error naming the path
// and the reason.
#pragma once

#include <string>
#include <vector>

#include "model/core/json.hpp"

namespace lockstep {

void write_text_file(const std::string& path, const std::string& text);
void write_json_file(const std::string& path, const Json& json);

// Throws std::invalid_argument when `output` names the same file as one of `inputs` (after
// following links): a command never overwrites what it reads.
void refuse_overwriting_inputs(const std::string& output, const std::vector<std::string>& inputs);

// Flushes standard output; false (with errno set) when anything written to it was lost.
bool stdout_written();

}  // namespace lockstep
