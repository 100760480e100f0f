// Market data: Bar (one interval of trading in one symbol), Quote (best bid and offer), Trade.
#pragma once

#include <cstdint>
#include <optional>

#include "core/decimal.hpp"
#include "core/timestamp.hpp"
#include "core/types.hpp"

namespace meridian::engine {

/// OHLCV of one interval. `ts` is the start of the interval (a daily bar: midnight New York
/// time of its date, as Alpaca stamps them). Invariants (checked by the loaders): 0 < low <= open,
/// close <= high; volume >= 0.
struct Bar {
    core::Symbol symbol;
    core::Timestamp ts;
    core::Price open;
    core::Price high;
    core::Price low;
    core::Price close;
    core::Quantity volume;
    std::optional<core::Price> vwap;
    std::optional<core::Price> adj_close;
    std::uint64_t trade_count = 0;
};

/// A best bid and offer.
struct Quote {
    core::Symbol symbol;
    core::Timestamp ts;
    core::Price bid;
    core::Price ask;
    core::Quantity bid_size;
    core::Quantity ask_size;
};

/// One trade printed on the tape.
struct Trade {
    core::Symbol symbol;
    core::Timestamp ts;
    core::Price price;
    core::Quantity size;
};

}  // namespace meridian::engine
