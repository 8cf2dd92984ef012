#include "impl/runtime/connection.hpp"

namespace lockstep::runtime {

Connection::Connection(tcp::socket socket, std::uint32_t frame_limit)
    : socket_(std::move(socket)), frame_limit_(frame_limit) {
  boost::system::error_code ec;
  socket_.set_option(tcp::no_delay(true), ec);
  const auto endpoint = socket_.remote_endpoint(ec);
  remote_ = ec ? std::string("?") : endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

void Connection::start() { read_header(); }

void Connection::read_header() {
  auto self = shared_from_this();
  asio::async_read(socket_, asio::buffer(header_, sizeof header_),
                   [this, self](const boost::system::error_code& ec, std::size_t) {
                     if (!open_) return;
                     if (ec) {
                       close(ec == asio::error::eof ? "closed by the other side" : "read failed: " + ec.message());
                       return;
                     }
                     std::uint32_t length = 0;
                     try {
                       length = frame_body_length(header_, frame_limit_);
                     } catch (const WireError& e) {
                       close(e.what());
                       return;
                     }
                     read_body(length);
                   });
}

void Connection::read_body(std::uint32_t length) {
  body_.resize(length);
  auto self = shared_from_this();
  asio::async_read(socket_, asio::buffer(body_), [this, self](const boost::system::error_code& ec, std::size_t) {
    if (!open_) return;
    if (ec) {
      close(ec == asio::error::eof ? "truncated frame: the other side closed mid-frame" : "read failed: " + ec.message());
      return;
    }
    try {
      const FrameBody body = parse_body(body_.data(), body_.size());
      if (on_frame_) on_frame_(body);
    } catch (const WireError& e) {
      close(e.what());
      return;
    }
    if (open_) read_header();
  });
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
