#include "impl/runtime/connection.hpp"

#include <cstring>

namespace lockstep::runtime {

Connection::Connection(tcp::socket socket, std::uint32_t frame_limit)
    : socket_(std::move(socket)), frame_limit_(frame_limit) {
  boost::system::error_code ec;
  socket_.set_option(tcp::no_delay(true), ec);
  const auto endpoint = socket_.remote_endpoint(ec);
  remote_ = ec ? std::string("?") : endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

void Connection::start() {
  in_.resize(64u << 10);
  read_more();
}

void Connection::read_more() {
  // Keep the unread part at the front, with room for a whole frame when its length is known.
  if (in_start_ > 0) {
    std::memmove(in_.data(), in_.data() + in_start_, in_end_ - in_start_);
    in_end_ -= in_start_;
    in_start_ = 0;
  }
  if (in_end_ == in_.size()) in_.resize(in_.size() * 2);
  auto self = shared_from_this();
  socket_.async_read_some(asio::buffer(in_.data() + in_end_, in_.size() - in_end_),
                          [this, self](const boost::system::error_code& ec, std::size_t n) {
                            if (!open_) return;
                            if (ec) {
                              if (ec != asio::error::eof) {
                                close("read failed: " + ec.message());
                              } else if (in_end_ > in_start_) {
                                close("truncated frame: the other side closed mid-frame");
                              } else {
                                close("closed by the other side");
                              }
                              return;
                            }
                            in_end_ += n;
                            try {
                              take_frames();
                            } catch (const WireError& e) {
                              close(e.what());
                              return;
                            }
                            if (open_) read_more();
                          });
}

// Hands every whole frame read so far to the handler.
void Connection::take_frames() {
  while (open_ && in_end_ - in_start_ >= frame_header_bytes) {
    const std::uint32_t length = frame_body_length(in_.data() + in_start_, frame_limit_);
    const std::size_t whole = frame_header_bytes + length;
    if (in_end_ - in_start_ < whole) {
      if (in_.size() < whole) in_.resize(whole);
      return;
    }
    const FrameBody body = parse_body(in_.data() + in_start_ + frame_header_bytes, length);
    in_start_ += whole;
    if (const auto handler = on_frame_) (*handler)(body);
  }
}

void Connection::send(const Bytes& frames) {
  if (!open_) return;
  if (pending_.size() + frames.size() > backlog_limit) {
    close("more than " + std::to_string(backlog_limit >> 20) + " MiB waiting to be written");
    return;
  }
  pending_.append(frames.data(), frames.size());
  if (!write_active_) write_more();
}

void Connection::write_more() {
  if (pending_.size() == 0 || !open_) {
    write_active_ = false;
    return;
  }
  write_active_ = true;
  writing_.swap(pending_);
  pending_.clear();
  auto self = shared_from_this();
  asio::async_write(socket_, asio::buffer(writing_.data(), writing_.size()),
                    [this, self](const boost::system::error_code& ec, std::size_t n) {
                      bytes_written_ += n;
                      writing_.clear();
                      if (ec) {
                        write_active_ = false;
                        close("write failed: " + ec.message());
                        return;
                      }
                      write_more();
                    });
}

void Connection::close(const std::string& reason) {
  if (!open_) return;
  open_ = false;
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  if (on_close_) {
    auto handler = std::move(on_close_);
    on_close_ = nullptr;
    handler(reason);
  }
}

}  // namespace lockstep::runtime
