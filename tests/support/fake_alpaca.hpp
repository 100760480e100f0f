// FakeAlpaca: a local server that speaks Alpaca's wire format exactly (the Trading API v2, the
// trade_updates stream and the market data API v2 and stream, per
// ../shared/reference/alpaca-api.md section 8), with a simple market and scripted faults, for
// tests and for trying Meridian's Alpaca adapters without an account.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace meridian::testing {

struct FakeAlpacaOptions {
    std::string key_id = "fake-key";
    std::string secret_key = "fake-secret";
    std::uint16_t port = 0;  // 0: any free port
    int requests_per_minute = 200;
    std::string cash = "100000";
    /// Positions the account holds from the start (bought elsewhere): symbol -> signed qty and
    /// average entry price, as decimal text.
    std::map<std::string, std::pair<std::string, std::string>> positions;
    /// Market orders and marketable limits fill in this many executions (partial fills first).
    int fills_per_order = 1;
    /// Quotes and trades per second per symbol on the data stream, and a minute bar each
    /// `bar_seconds` (a fast clock for tests).
    int ticks_per_second = 4;
    int bar_seconds = 60;
    std::uint64_t seed = 7;
};

/// Faults to script, each for the next `n` occasions.
struct FakeAlpacaFaults {
    int drop_submit_answers = 0;  // POST /v2/orders accepted, then the connection closes unanswered
    int fail_submits = 0;         // POST /v2/orders answered `fail_status`, nothing created
    int fail_status = 504;
    int throttle = 0;               // any request answered 429 (window resets in a second)
    bool duplicate_events = false;  // every trade update sent twice
    bool reorder_events = false;    // trade updates sent in swapped pairs
    bool silent = false;            // trade updates (and market data) not sent: lost, as on Alpaca
};

/// What the fake did, for assertions.
struct FakeAlpacaStats {
    std::uint64_t orders_created = 0;
    std::uint64_t submit_requests = 0;
    std::uint64_t cancel_requests = 0;       // DELETE /v2/orders/{id}
    std::uint64_t cancel_all_requests = 0;   // DELETE /v2/orders
    std::uint64_t duplicate_client_ids = 0;  // 422 "client_order_id must be unique" answered
    std::uint64_t throttled = 0;
    std::uint64_t requests = 0;
    std::uint64_t stream_connections = 0;
    std::uint64_t data_connections = 0;
    std::uint64_t events_sent = 0;
};

/// Runs on its own thread; every method may be called from any thread.
class FakeAlpaca {
public:
    explicit FakeAlpaca(FakeAlpacaOptions options = {});
    ~FakeAlpaca();
    FakeAlpaca(const FakeAlpaca&) = delete;
    FakeAlpaca& operator=(const FakeAlpaca&) = delete;

    std::uint16_t port() const;
    /// http://127.0.0.1:<port>: the trading and data REST base.
    std::string url() const;
    /// The environment that points Alpaca's SDKs (and Meridian) here.
    std::map<std::string, std::string> env() const;

    /// The price a symbol trades at (market orders fill there; limits when it crosses them).
    void set_price(const std::string& symbol, const std::string& price);
    void set_faults(FakeAlpacaFaults faults);
    FakeAlpacaFaults faults() const;
    /// Closes every stream connection (trade_updates and market data) at once.
    void drop_streams();
    FakeAlpacaStats stats() const;
    /// Positions as Alpaca would list them: symbol -> signed qty (decimal text).
    std::map<std::string, std::string> positions() const;
    /// The account's cash, to the cent.
    std::string cash() const;
    /// Every order's client_order_id, in creation order (duplicates would show here).
    std::vector<std::string> client_order_ids() const;

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace meridian::testing
