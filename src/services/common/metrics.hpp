// Metrics: counters, gauges and histograms with labels, rendered in Prometheus text format.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace meridian::services {

/// Label values in the family's label order, e.g. {"GET", "/orders/{id}", "200"}.
using Labels = std::vector<std::string>;

/// A process-wide registry, passed to each service (never a global). Thread-safe. Names follow
/// Prometheus conventions: base units (seconds, dollars), counters end in _total.
class Metrics {
public:
    /// Declares a family; declaring one twice with the same shape is harmless.
    void counter(const std::string& name, const std::string& help,
                 std::vector<std::string> label_names = {});
    void gauge(const std::string& name, const std::string& help,
               std::vector<std::string> label_names = {});
    void histogram(const std::string& name, const std::string& help,
                   std::vector<std::string> label_names, std::vector<double> bounds);

    void inc(const std::string& name, const Labels& labels = {}, double by = 1);
    void set(const std::string& name, const Labels& labels, double value);
    /// Drops every series of a gauge: a collector then sets those that still exist, so that a
    /// series whose subject is gone (a cancelled subscription) leaves the exposition.
    void clear(const std::string& name);
    void observe(const std::string& name, const Labels& labels, double value);
    /// A gauge computed when scraped (bus queue depths): called under no lock of ours.
    void collector(std::function<void(Metrics&)> f);

    /// The exposition text (version 0.0.4).
    std::string render();
    /// A counter's or gauge's value (0 when never set): for tests.
    double value(const std::string& name, const Labels& labels = {}) const;

private:
    enum class Kind { Counter, Gauge, Histogram };
    struct Series {
        double value = 0;
        std::vector<std::uint64_t> buckets;  // histograms: cumulative counts per bound
        double sum = 0;
        std::uint64_t count = 0;
    };
    struct Family {
        Kind kind;
        std::string help;
        std::vector<std::string> label_names;
        std::vector<double> bounds;
        std::map<Labels, Series> series;
    };
    Family& family(const std::string& name, Kind kind);

    mutable std::mutex mutex_;
    std::map<std::string, Family> families_;
    std::vector<std::function<void(Metrics&)>> collectors_;
};

}  // namespace meridian::services
