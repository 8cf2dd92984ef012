#include "traces/output.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace lockstep {

namespace {

[[noreturn]] void fail(const std::string& path, int error) {
  throw std::runtime_error("cannot write " + path + ": " + std::strerror(error));
}

std::string parent_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// The file a path names once its symbolic links are followed (the last target may not exist).
std::string follow_links(const std::string& path) {
  std::string current = path;
  for (int hops = 0; hops < 40; ++hops) {
    struct stat st {};
    if (lstat(current.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return current;
    std::string target(PATH_MAX, '\0');
    const ssize_t length = readlink(current.c_str(), target.data(), target.size());
    if (length < 0) fail(path, errno);
    target.resize(static_cast<std::size_t>(length));
    current = target.front() == '/' ? target : parent_of(current) + "/" + target;
  }
  fail(path, ELOOP);
}

// Writes every byte; false (errno set) on failure.
bool write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// A device, FIFO or socket: written in place, never replaced.
void write_through(const std::string& path, const std::string& target, const std::string& text) {
  const int fd = ::open(target.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) fail(path, errno);
  if (!write_all(fd, text)) {
    const int error = errno;
    ::close(fd);
    fail(path, error);
  }
  if (::close(fd) != 0) fail(path, errno);
}

mode_t new_file_mode() {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return 0666 & ~mask;
}

// A regular file: a unique temporary file beside it, synced, renamed over it.
void write_atomically(const std::string& path, const std::string& target, const struct stat* existing,
                      const std::string& text) {
  const auto slash = target.find_last_of('/');
  const std::string base = slash == std::string::npos ? target : target.substr(slash + 1);
  const std::string folder = slash == std::string::npos ? "" : target.substr(0, slash + 1);
  std::string temporary = folder + "." + base + ".XXXXXX";
  const int fd = ::mkostemp(temporary.data(), O_CLOEXEC);
  if (fd < 0) fail(path, errno);
  const mode_t mode = existing != nullptr ? (existing->st_mode & 07777) : new_file_mode();
  if (::fchmod(fd, mode) != 0 || !write_all(fd, text) || ::fsync(fd) != 0) {
    const int error = errno;
    ::close(fd);
    ::unlink(temporary.c_str());
    fail(path, error);
  }
  if (::close(fd) != 0 || std::rename(temporary.c_str(), target.c_str()) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    fail(path, error);
  }
  // The rename itself made durable (best effort: some file systems refuse to sync a folder).
  const int dir = ::open(parent_of(target).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

}  // namespace

void write_text_file(const std::string& path, const std::string& text) {
  if (path.empty()) throw std::runtime_error("cannot write an output with an empty path");
  if (path == "-") {
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0) {
      fail("standard output", errno);
    }
    return;
  }
  const std::string target = follow_links(path);
  struct stat st {};
  if (::stat(target.c_str(), &st) != 0) {
    if (errno != ENOENT) fail(path, errno);
    write_atomically(path, target, nullptr, text);
  } else if (S_ISDIR(st.st_mode)) {
    fail(path, EISDIR);
  } else if (S_ISREG(st.st_mode)) {
    write_atomically(path, target, &st, text);
  } else {
    write_through(path, target, text);
  }
}

void write_json_file(const std::string& path, const Json& json) { write_text_file(path, json.dump(1) + "\n"); }

void refuse_overwriting_inputs(const std::string& output, const std::vector<std::string>& inputs) {
  if (output == "-") return;
  struct stat out {};
  if (::stat(output.c_str(), &out) != 0 || !S_ISREG(out.st_mode)) return;
  for (const std::string& input : inputs) {
    struct stat in {};
    if (::stat(input.c_str(), &in) == 0 && in.st_dev == out.st_dev && in.st_ino == out.st_ino) {
      throw std::invalid_argument("the output " + output + " is the input " + input +
                                  ", which would be overwritten; choose another output path");
    }
  }
}

bool stdout_written() {
  errno = 0;
  const bool flushed = std::fflush(stdout) == 0;
  const int error = errno;
  if (flushed && !std::ferror(stdout)) return true;
  errno = error != 0 ? error : EIO;
  return false;
}

}  // namespace lockstep
