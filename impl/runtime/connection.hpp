// One TCP connection carrying frames (impl/runtime/wire.hpp), either way: it reads what the
// socket has (up to 64 KiB a call), cuts it into frames and hands each body to on_frame, and
// writes frames queued with send(), coalescing everything
// queued while a write is in flight into the next write (so a burst of messages to one peer
// costs one system call). A malformed, oversized or truncated frame, or a handler that throws
// WireError, closes the connection with one reason, given to on_close once.
#pragma once

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it
#include <boost/asio.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "impl/runtime/wire.hpp"

namespace lockstep::runtime {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using FrameHandler = std::function<void(const FrameBody&)>;
  using CloseHandler = std::function<void(const std::string& reason)>;

  Connection(tcp::socket socket, std::uint32_t frame_limit);
  // May be called from inside a frame handler (the handler in use stays alive until it returns).
  void on_frame(FrameHandler handler) { on_frame_ = std::make_shared<FrameHandler>(std::move(handler)); }
  void on_close(CloseHandler handler) { on_close_ = std::move(handler); }

  // Starts reading frames (call once, after the handlers are set).
  void start();
  // Queues whole frames (one or more, as append_frame writes them). Dropped when closed, or
  // when more than `backlog_limit` bytes wait (a peer that does not read): then it closes.
  void send(const Bytes& frames);
  template <class T>
  void send_frame(FrameKind kind, const T& payload) {
    Bytes frame;
    append_frame(frame, kind, payload);
    send(frame);
  }
  void close(const std::string& reason);
  bool open() const { return open_; }
  std::string remote() const { return remote_; }
  std::uint64_t bytes_written() const { return bytes_written_; }

  static constexpr std::size_t backlog_limit = 64u << 20;

 private:
  void read_more();
  void take_frames();
  void write_more();

  tcp::socket socket_;
  std::uint32_t frame_limit_;
  std::string remote_;
  std::shared_ptr<FrameHandler> on_frame_;
  CloseHandler on_close_;
  // What was read and not yet cut into frames: in_[in_start_, in_end_).
  std::vector<char> in_;
  std::size_t in_start_ = 0;
  std::size_t in_end_ = 0;
  Bytes pending_;
  Bytes writing_;
  bool write_active_ = false;
  bool open_ = true;
  std::uint64_t bytes_written_ = 0;
};

}  // namespace lockstep::runtime
