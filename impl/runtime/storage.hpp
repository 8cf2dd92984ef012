// A node's durable storage, generic over the protocol P (model/core/protocol.hpp): each step's
// Persist effect (model/core/step.hpp) becomes one write-ahead log record (impl/runtime/wal.hpp),
// encoded with the reflection codec (model/core/codec.hpp); recovery replays the records through
// P::apply_persist, the same function the checker's disk model applies, onto the checkpoint.
//
// The rules it keeps:
//   - persist() is called with every Persist the node's steps produce, in step order, from one
//     thread; `after` is the node's Durable after that step. The owner lets nothing that depends
//     on the Persist leave the node before on_durable reports its ticket (the Persist contract).
//   - When the current WAL file exceeds WalOptions::checkpoint_bytes, `after` is checkpointed
//     (encoded whole) and the WAL starts over: the log does not grow without bound, and with the
//     protocols' own snapshots (which compact the Durable log) the checkpoint stays small too.
//   - A checkpoint or record that passes its checksum but does not decode is corruption as well
//     (e.g. written by another build): StorageError naming the file and the offset.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>

#include "impl/runtime/wal.hpp"
#include "model/core/codec.hpp"
#include "model/core/step.hpp"

namespace lockstep::runtime {

template <class P>
class Storage {
 public:
  using Durable = typename P::Durable;

  Storage(std::filesystem::path dir, WalOptions options, std::function<void(std::uint64_t)> on_durable,
          std::function<void(std::string)> on_error)
      : checkpoint_bytes_max_(options.checkpoint_bytes),
        wal_(std::move(dir), std::move(options), std::move(on_durable), std::move(on_error)) {}

  // The durable state found on disk: the checkpoint (or `initial` when there is none) with every
  // WAL record applied in order. Call once, before persist.
  Durable recover(const Durable& initial) {
    recovered_ = wal_.recover();
    Durable durable = initial;
    if (recovered_.checkpoint) {
      try {
        durable = decode_from<Durable>(*recovered_.checkpoint);
      } catch (const CodecError& e) {
        throw StorageError(recovered_.checkpoint_file.string() + ": the checkpoint passes its checksum but does not decode as " +
                           std::string(P::name) + "'s durable state (" + e.what() + ")");
      }
    }
    for (std::size_t i = 0; i < recovered_.records.size(); ++i) {
      PersistOf<P> persist;
      try {
        persist = decode_from<PersistOf<P>>(recovered_.records[i]);
      } catch (const CodecError& e) {
        throw StorageError(recovered_.wal_file.string() + ": record at offset " +
                           std::to_string(recovered_.record_offsets[i]) + " passes its checksum but does not decode as " +
                           std::string(P::name) + "'s Persist (" + e.what() + ")");
      }
      P::apply_persist(durable, persist);
    }
    return durable;
  }

  const Wal::Recovered& recovered() const { return recovered_; }

  // Appends the step's Persist and returns its ticket; checkpoints `after` (the Durable after
  // this Persist) when the WAL file has grown past checkpoint_bytes.
  std::uint64_t persist(const PersistOf<P>& persist, const Durable& after) {
    encoded_.clear();
    encode_to(encoded_, persist);
    const std::uint64_t ticket = wal_.append(std::string_view(encoded_.data(), encoded_.size()));
    if (wal_.wal_bytes() > checkpoint_bytes_max_) wal_.checkpoint(encode_string(after));
    return ticket;
  }

  Wal& wal() { return wal_; }

 private:
  std::uint64_t checkpoint_bytes_max_;
  Wal wal_;
  Wal::Recovered recovered_;
  Bytes encoded_;  // reused between persists
};

}  // namespace lockstep::runtime
