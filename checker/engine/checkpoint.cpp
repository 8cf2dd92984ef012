#include "checker/engine/checkpoint.hpp"

#include <boost/crc.hpp>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "traces/output.hpp"

namespace lockstep {

struct CheckpointCrc {
  boost::crc_32_type crc;
};

namespace {

constexpr std::size_t buffer_bytes = std::size_t{1} << 20;
constexpr char manifest_name[] = "checkpoint.json";

std::string error_text(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

void sync_folder(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

// ---- writing ----

CheckpointFileWriter::CheckpointFileWriter(const std::string& dir, const std::string& name)
    : path_(dir + "/" + name), name_(name), crc_(std::make_unique<CheckpointCrc>()) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error(error_text("cannot create the checkpoint file", path_));
  buffer_.reserve(buffer_bytes);
}

CheckpointFileWriter::~CheckpointFileWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void CheckpointFileWriter::write(const void* data, std::size_t size) {
  crc_->crc.process_bytes(data, size);
  bytes_ += size;
  const char* p = static_cast<const char*>(data);
  if (buffer_.size() + size > buffer_bytes) flush();
  if (size >= buffer_bytes) {
    buffer_.assign(p, size);
    flush();
    return;
  }
  buffer_.append(p, size);
}

void CheckpointFileWriter::flush() {
  std::size_t done = 0;
  while (done < buffer_.size()) {
    const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error(error_text("cannot write the checkpoint file", path_));
    done += static_cast<std::size_t>(n);
  }
  buffer_.clear();
}

Json CheckpointFileWriter::finish() {
  flush();
  if (::fsync(fd_) != 0) throw std::runtime_error(error_text("cannot sync the checkpoint file", path_));
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) throw std::runtime_error(error_text("cannot close the checkpoint file", path_));
  return Json{{"file", name_}, {"bytes", bytes_}, {"crc32", crc_->crc.checksum()}};
}

void prepare_checkpoint_dir(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT || ::mkdir(dir.c_str(), 0755) != 0) {
      throw std::runtime_error(error_text("cannot make the checkpoint folder", dir));
    }
  } else if (!S_ISDIR(st.st_mode)) {
    throw std::runtime_error("the checkpoint folder " + dir + " is not a folder");
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) throw std::runtime_error(error_text("cannot write into", dir));
}

void commit_checkpoint(const std::string& dir, const Json& manifest) {
  sync_folder(dir);  // the new files' names are durable before the manifest names them
  write_json_file(dir + "/" + manifest_name, manifest);
  std::set<std::string> kept;
  for (const auto& [role, entry] : manifest["files"].items()) kept.insert(entry["file"].get<std::string>());
  if (DIR* folder = ::opendir(dir.c_str())) {
    std::vector<std::string> stale;
    while (const dirent* e = ::readdir(folder)) {
      const std::string name = e->d_name;
      if (name.rfind("lockstep-", 0) == 0 && kept.count(name) == 0) stale.push_back(name);
    }
    ::closedir(folder);
    for (const std::string& name : stale) ::unlink((dir + "/" + name).c_str());
  }
}

// ---- reading ----

Json read_checkpoint_manifest(const std::string& dir) {
  const std::string path = dir + "/" + manifest_name;
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    throw CheckpointError("--resume: " + dir + " is not a folder");
  }
  std::ifstream in(path);
  if (!in) throw CheckpointError("--resume: no checkpoint in " + dir + " (" + path + " cannot be read)");
  std::stringstream text;
  text << in.rdbuf();
  Json manifest;
  try {
    manifest = Json::parse(text.str());
  } catch (const std::exception& e) {
    throw CheckpointError("--resume: " + path + " is not valid JSON: " + e.what());
  }
  if (!manifest.is_object() || manifest.value("kind", "") != "lockstep checkpoint") {
    throw CheckpointError("--resume: " + path + " is not a lockstep checkpoint");
  }
  if (manifest.value("format", 0) != checkpoint_format) {
    throw CheckpointError("--resume: " + path + " has format " + manifest.value("format", Json()).dump() +
                          "; this build reads format " + std::to_string(checkpoint_format));
  }
  for (const char* key : {"identity", "files", "search"}) {
    if (!manifest.contains(key) || !manifest[key].is_object()) {
      throw CheckpointError("--resume: " + path + ": missing or malformed \"" + key + "\"");
    }
  }
  return manifest;
}

void check_checkpoint_identity(const Json& saved, const Json& wanted, const std::string& dir) {
  if (saved == wanted) return;
  std::string differences;
  std::set<std::string> keys;
  for (const auto& [key, value] : saved.items()) keys.insert(key);
  for (const auto& [key, value] : wanted.items()) keys.insert(key);
  for (const std::string& key : keys) {
    const Json before = saved.contains(key) ? saved[key] : Json(nullptr);
    const Json now = wanted.contains(key) ? wanted[key] : Json(nullptr);
    if (before == now) continue;
    if (!differences.empty()) differences += "; ";
    differences += key + " was " + before.dump() + ", now " + now.dump();
  }
  throw CheckpointError("--resume: the checkpoint in " + dir + " is of another run (" + differences +
                        "); resume with the options it was made with");
}

CheckpointFileReader::CheckpointFileReader(const std::string& dir, const Json& entry)
    : crc_(std::make_unique<CheckpointCrc>()) {
  if (!entry.is_object() || !entry.contains("file") || !entry["file"].is_string() || !entry.contains("bytes") ||
      !entry["bytes"].is_number_unsigned() || !entry.contains("crc32") || !entry["crc32"].is_number_unsigned()) {
    throw CheckpointError("--resume: the checkpoint in " + dir + " names a file badly: " + entry.dump());
  }
  const std::string name = entry["file"].get<std::string>();
  if (name.find('/') != std::string::npos) throw CheckpointError("--resume: bad file name in the checkpoint: " + name);
  path_ = dir + "/" + name;
  bytes_ = entry["bytes"].get<std::size_t>();
  crc_expected_ = entry["crc32"].get<std::uint32_t>();
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw CheckpointError(error_text("--resume: cannot open", path_));
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || static_cast<std::size_t>(st.st_size) != bytes_) {
    throw CheckpointError("--resume: " + path_ + " has " + std::to_string(st.st_size) + " bytes, the checkpoint says " +
                          std::to_string(bytes_) + " (truncated or replaced)");
  }
}

CheckpointFileReader::~CheckpointFileReader() {
  if (fd_ >= 0) ::close(fd_);
}

void CheckpointFileReader::read(void* data, std::size_t size) {
  if (size > bytes_ - done_) throw CheckpointError("--resume: " + path_ + " ends early (its content is not what the manifest describes)");
  char* out = static_cast<char*>(data);
  std::size_t copied = 0;
  while (copied < size) {
    if (buffer_at_ == buffer_.size()) {
      buffer_.resize(std::min(buffer_bytes, bytes_ - done_ - copied));  // (everything buffered is used)
      std::size_t got = 0;
      while (got < buffer_.size()) {
        const ssize_t n = ::read(fd_, buffer_.data() + got, buffer_.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw CheckpointError(error_text("--resume: cannot read", path_));
        got += static_cast<std::size_t>(n);
      }
      buffer_at_ = 0;
    }
    const std::size_t n = std::min(size - copied, buffer_.size() - buffer_at_);
    std::memcpy(out + copied, buffer_.data() + buffer_at_, n);
    buffer_at_ += n;
    copied += n;
  }
  crc_->crc.process_bytes(data, size);
  done_ += size;
}

void CheckpointFileReader::finish() {
  if (done_ != bytes_) throw CheckpointError("--resume: " + path_ + " has bytes the checkpoint does not describe");
  if (crc_->crc.checksum() != crc_expected_) {
    throw CheckpointError("--resume: " + path_ + " is corrupt (its CRC-32 is not the one the checkpoint recorded)");
  }
}

}  // namespace lockstep
