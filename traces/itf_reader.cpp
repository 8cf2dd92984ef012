#include "traces/itf_reader.hpp"

#include <fcntl.h>
#include <fmt/core.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <istream>
#include <optional>
#include <streambuf>

namespace lockstep {

ReadProgress::ReadProgress(Progress::Mode mode, std::string what, double after_seconds)
    : mode_(mode), what_(std::move(what)), after_seconds_(after_seconds), start_(std::chrono::steady_clock::now()),
      last_(start_) {}

void ReadProgress::update(std::uint64_t states, std::uint64_t bytes, std::uint64_t total_bytes) {
  if (mode_ == Progress::Mode::quiet) return;
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  if (elapsed < after_seconds_) return;
  const double interval = mode_ == Progress::Mode::terminal ? 0.25 : 10.0;
  if (printed_ && std::chrono::duration<double>(now - last_).count() < interval) return;
  last_ = now;
  const double megabytes = static_cast<double>(total_bytes) / 1e6;
  const std::string share =
      total_bytes == 0 ? fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6)
                       : fmt::format("{:.0f}% of {:.1f} MB", 100.0 * static_cast<double>(bytes) / static_cast<double>(total_bytes), megabytes);
  const std::string line = fmt::format("{}: {} states{}, {}, {:.1f}s", what_, states, pass_, share, elapsed);
  if (mode_ == Progress::Mode::terminal) {
    fmt::print(stderr, "\r{}\x1b[K", line);
  } else {
    fmt::print(stderr, "progress: {}\n", line);
  }
  std::fflush(stderr);
  printed_ = true;
}

void ReadProgress::finish() {
  if (mode_ == Progress::Mode::terminal && printed_) {
    fmt::print(stderr, "\r\x1b[K");  // the results go to stdout, often the same terminal
    std::fflush(stderr);
  }
  printed_ = false;
}

namespace {

[[noreturn]] void fail(const std::string& where, const std::string& message) { throw TraceError(where + ": " + message); }

// Where the reader's bytes come from: a stream buffer it can start again, that knows how far it is.
class Source : public std::streambuf {
 public:
  virtual void rewind() = 0;
  std::uint64_t offset() const { return consumed_ + static_cast<std::uint64_t>(gptr() - eback()); }
  std::uint64_t size() const { return size_; }

 protected:
  std::uint64_t consumed_ = 0;  // bytes before the buffer's
  std::uint64_t size_ = 0;      // 0: unknown
};

class TextSource final : public Source {
 public:
  explicit TextSource(std::string_view text) : text_(text) {
    size_ = text.size();
    rewind();
  }
  void rewind() override {
    char* begin = const_cast<char*>(text_.data());  // only read
    setg(begin, begin, begin + text_.size());
  }

 private:
  std::string_view text_;
};

// Not a TraceError about the trace: the file itself cannot be read (the message names it).
struct ReadFailure : TraceError {
  using TraceError::TraceError;
};

class FileSource final : public Source {
 public:
  explicit FileSource(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw ReadFailure("cannot read " + path + ": " + std::strerror(errno));
    struct stat status {};
    if (::fstat(fd_, &status) != 0) throw ReadFailure("cannot read " + path + ": " + std::strerror(errno));
    if (S_ISDIR(status.st_mode)) throw ReadFailure("cannot read " + path + ": it is a directory, not a trace file");
    if (S_ISREG(status.st_mode)) size_ = static_cast<std::uint64_t>(status.st_size);
    setg(buffer_.data(), buffer_.data(), buffer_.data());
  }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;
  ~FileSource() override { ::close(fd_); }

  void rewind() override {
    if (::lseek(fd_, 0, SEEK_SET) != 0) {
      throw ReadFailure("cannot read " + path_ + " twice (" + std::strerror(errno) +
                        "): give its \"#meta\" and \"vars\" before its \"states\"");
    }
    consumed_ = 0;
    setg(buffer_.data(), buffer_.data(), buffer_.data());
  }
  // Throws ReadFailure if a read failed (the parser saw only an early end).
  void check() const {
    if (error_ != 0) throw ReadFailure("cannot read " + path_ + ": " + std::strerror(error_));
  }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    consumed_ += static_cast<std::uint64_t>(egptr() - eback());
    ssize_t n = 0;
    do {
      n = ::read(fd_, buffer_.data(), buffer_.size());
    } while (n < 0 && errno == EINTR);
    if (n < 0) error_ = errno;
    setg(buffer_.data(), buffer_.data(), buffer_.data() + std::max<ssize_t>(n, 0));
    return n <= 0 ? traits_type::eof() : traits_type::to_int_type(*gptr());
  }

 private:
  std::string path_;
  int fd_ = -1;
  int error_ = 0;
  std::array<char, 1 << 16> buffer_{};
};

// The SAX handler. It builds the values it keeps (the trace's "#meta" and "vars", the state
// being read) and skips everything else, counting the states.
class TraceSax {
 public:
  enum class Pass {
    first,   // "#meta" and "vars"; the states too, if both came before them (else skipped)
    states,  // the states only (the header is known)
  };
  TraceSax(Pass pass, const ItfVisitor& visitor, const Source& source, ReadProgress* progress,
           const ItfHeader* header)
      : pass_(pass), visitor_(visitor), source_(source), progress_(progress), header_(header) {}

  // Once parsing is over: the header (the first pass), the states seen and whether they were read.
  ItfHeader header() const {
    return {parse_itf_meta(seen_meta_ ? &meta_ : nullptr), parse_itf_vars(seen_vars_ ? &vars_ : nullptr)};
  }
  bool states_seen() const { return seen_states_; }
  bool states_read() const { return streaming_; }
  std::size_t states() const { return states_; }

  bool null() { return scalar(Json(nullptr)); }
  bool boolean(bool value) { return scalar(Json(value)); }
  bool number_integer(std::int64_t value) { return scalar(Json(value)); }
  bool number_unsigned(std::uint64_t value) { return scalar(Json(value)); }
  bool number_float(double value, const std::string&) { return scalar(Json(value)); }
  bool string(std::string& value) { return scalar(Json(std::move(value))); }
  bool binary(Json::binary_t& value) { return scalar(Json(std::move(value))); }
  bool start_object(std::size_t) { return open(Json::object()); }
  bool start_array(std::size_t) { return open(Json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(std::string& key) {
    if (depth_ == 1) {
      section_ = key == "#meta" ? Section::meta : key == "vars" ? Section::vars : key == "states" ? Section::states : Section::other;
      if (section_ != Section::other && pass_ == Pass::first) {
        bool& seen = section_ == Section::meta ? seen_meta_ : section_ == Section::vars ? seen_vars_ : seen_states_;
        if (seen) fail("trace", "\"" + key + "\" is given twice");
      }
    } else {
      key_ = std::move(key);
    }
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& error) {
    std::string reason = error.what();  // "[json.exception.parse_error.101] parse error at line 1, ..."
    if (const auto end = reason.find("] "); end != std::string::npos) reason = reason.substr(end + 2);
    throw TraceError("not JSON (" + reason + ")");
  }

 private:
  enum class Section { none, meta, vars, states, other };

  // What a value at `level` belongs to (level 1: the trace's members; level 2: "states"' elements).
  std::string where(std::size_t level) const {
    if (level >= 2 && section_ == Section::states && seen_states_array_) return "step " + std::to_string(states_);
    if (level >= 1 && section_ == Section::meta) return "#meta";
    if (level >= 1 && section_ == Section::vars) return "vars";
    if (level >= 1 && section_ == Section::states) return "states";
    return "trace";
  }

  bool open(Json empty) {
    const std::size_t level = depth_;
    if (++depth_ > itf_depth_max) {
      fail(where(level), "a value nested deeper than " + std::to_string(itf_depth_max) + " levels");
    }
    begin(level, std::move(empty), true);
    return true;
  }
  bool close() {
    --depth_;
    if (!building_.empty()) building_.pop_back();
    end(depth_);
    return true;
  }
  bool scalar(Json value) {
    begin(depth_, std::move(value), false);
    end(depth_);
    return true;
  }

  // A value begins at `level` (`value`: the scalar, or the empty container that opens).
  void begin(std::size_t level, Json value, bool container) {
    if (!building_.empty()) {  // inside a value being kept
      Json& parent = *building_.back();
      Json* slot = nullptr;
      if (parent.is_array()) {
        parent.push_back(std::move(value));
        slot = &parent.back();
      } else {
        slot = &(parent[key_] = std::move(value));
      }
      if (container) building_.push_back(slot);
      return;
    }
    Json* root = nullptr;
    if (level == 0) {
      if (!value.is_object()) {
        fail("trace", "expected a JSON object with \"vars\" and \"states\", found " +
                          (container ? std::string("a list") : json_kind(value)));
      }
    } else if (level == 1 && pass_ == Pass::first && section_ == Section::meta) {
      root = &meta_;
      seen_meta_ = true;
    } else if (level == 1 && pass_ == Pass::first && section_ == Section::vars) {
      root = &vars_;
      seen_vars_ = true;
    } else if (level == 1 && section_ == Section::states) {
      seen_states_ = true;
      if (!value.is_array()) {
        fail("states", "expected a list of states, found " + (container ? std::string("an object") : json_kind(value)));
      }
      seen_states_array_ = true;
      if (pass_ == Pass::states) {
        streaming_ = true;
      } else if (seen_meta_ && seen_vars_) {  // the header is complete: read the states now
        header_kept_ = header();
        header_ = &*header_kept_;
        visitor_.header(*header_);
        streaming_ = true;
      }
    } else if (level == 2 && section_ == Section::states && streaming_) {
      root = &state_;
    }
    if (root == nullptr) return;
    *root = std::move(value);
    if (container) building_.push_back(root);
  }

  // The value at `level` is complete.
  void end(std::size_t level) {
    if (level != 2 || section_ != Section::states) return;
    if (streaming_) visitor_.step(parse_itf_state(std::move(state_), states_, header_->vars));
    state_ = Json();
    ++states_;
    if (progress_ != nullptr) progress_->update(states_, source_.offset(), source_.size());
  }

  Pass pass_;
  const ItfVisitor& visitor_;
  const Source& source_;
  ReadProgress* progress_;
  const ItfHeader* header_;
  std::optional<ItfHeader> header_kept_;
  std::size_t depth_ = 0;  // containers open
  Section section_ = Section::none;
  std::string key_;
  std::vector<Json*> building_;  // the containers open in the value being kept
  Json meta_;
  Json vars_;
  Json state_;
  bool seen_meta_ = false;
  bool seen_vars_ = false;
  bool seen_states_ = false;
  bool seen_states_array_ = false;
  bool streaming_ = false;
  std::size_t states_ = 0;
};

void parse(Source& source, TraceSax& sax) {
  std::istream in(&source);
  Json::sax_parse(in, &sax);
}

std::size_t read_itf(Source& source, const ItfVisitor& visitor, ReadProgress* progress) {
  if (progress != nullptr) progress->set_pass("");
  TraceSax first(TraceSax::Pass::first, visitor, source, progress, nullptr);
  parse(source, first);
  if (first.states_read()) {
    if (first.states() == 0) fail("states", "a trace has at least its initial state");
    return first.states();
  }
  const ItfHeader header = first.header();
  if (!first.states_seen()) fail("states", "missing (expected a list of states)");
  if (first.states() == 0) fail("states", "a trace has at least its initial state");
  visitor.header(header);
  source.rewind();
  if (progress != nullptr) progress->set_pass(" (second pass: the states came before \"#meta\" or \"vars\")");
  TraceSax second(TraceSax::Pass::states, visitor, source, progress, &header);
  parse(source, second);
  return second.states();
}

}  // namespace

std::size_t read_itf_file(const std::string& path, const ItfVisitor& visitor, ReadProgress* progress) {
  std::optional<FileSource> source;
  try {
    source.emplace(path);
    const std::size_t states = read_itf(*source, visitor, progress);
    source->check();
    return states;
  } catch (const ReadFailure&) {
    throw;
  } catch (const TraceError& e) {
    source->check();  // a read error, rather than what the parser made of it
    throw TraceError(path + ": " + e.what());
  }
}

std::size_t read_itf_text(std::string_view text, const ItfVisitor& visitor) {
  TextSource source(text);
  return read_itf(source, visitor, nullptr);
}

namespace {

ItfVisitor collect_into(ItfTrace& trace) {
  return {[&](const ItfHeader& header) {
            trace.meta = header.meta;
            trace.vars = header.vars;
          },
          [&](ItfStep step) { trace.steps.push_back(std::move(step)); }};
}

}  // namespace

ItfTrace read_itf_file(const std::string& path) {
  ItfTrace trace;
  read_itf_file(path, collect_into(trace));
  return trace;
}

ItfTrace read_itf_text(std::string_view text) {
  ItfTrace trace;
  read_itf_text(text, collect_into(trace));
  return trace;
}

}  // namespace lockstep
