// Metrics: the registry and its Prometheus rendering.
#include "services/common/metrics.hpp"

#include <cmath>
#include <cstdio>

#include "core/assert.hpp"

namespace meridian::services {

namespace {

std::string number(double v) {
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

std::string escape(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"') out.push_back('\\');
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out.push_back(c);
    }
    return out;
}

std::string label_text(const std::vector<std::string>& names, const Labels& values,
                       const std::string& extra = {}) {
    std::string out;
    for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
        out += out.empty() ? "{" : ",";
        out += names[i] + "=\"" + escape(values[i]) + "\"";
    }
    if (!extra.empty()) out += (out.empty() ? "{" : ",") + extra;
    if (!out.empty()) out += "}";
    return out;
}

}  // namespace

void Metrics::counter(const std::string& name, const std::string& help,
                      std::vector<std::string> label_names) {
    std::lock_guard lock{mutex_};
    auto& f = families_[name];
    f.kind = Kind::Counter;
    f.help = help;
    f.label_names = std::move(label_names);
}

void Metrics::gauge(const std::string& name, const std::string& help,
                    std::vector<std::string> label_names) {
    std::lock_guard lock{mutex_};
    auto& f = families_[name];
    f.kind = Kind::Gauge;
    f.help = help;
    f.label_names = std::move(label_names);
}

void Metrics::histogram(const std::string& name, const std::string& help,
                        std::vector<std::string> label_names, std::vector<double> bounds) {
    std::lock_guard lock{mutex_};
    auto& f = families_[name];
    f.kind = Kind::Histogram;
    f.help = help;
    f.label_names = std::move(label_names);
    f.bounds = std::move(bounds);
}

Metrics::Family& Metrics::family(const std::string& name, Kind kind) {
    auto it = families_.find(name);
    MERIDIAN_ASSERT(it != families_.end(), "a metric is used before it is declared");
    MERIDIAN_ASSERT(it->second.kind == kind, "a metric is used as another kind");
    return it->second;
}

void Metrics::inc(const std::string& name, const Labels& labels, double by) {
    std::lock_guard lock{mutex_};
    family(name, Kind::Counter).series[labels].value += by;
}

void Metrics::set(const std::string& name, const Labels& labels, double value) {
    std::lock_guard lock{mutex_};
    family(name, Kind::Gauge).series[labels].value = value;
}

void Metrics::clear(const std::string& name) {
    std::lock_guard lock{mutex_};
    family(name, Kind::Gauge).series.clear();
}

void Metrics::observe(const std::string& name, const Labels& labels, double value) {
    std::lock_guard lock{mutex_};
    auto& f = family(name, Kind::Histogram);
    auto& s = f.series[labels];
    if (s.buckets.empty()) s.buckets.assign(f.bounds.size(), 0);
    for (std::size_t i = 0; i < f.bounds.size(); ++i) {
        if (value <= f.bounds[i]) ++s.buckets[i];
    }
    s.sum += value;
    ++s.count;
}

void Metrics::collector(std::function<void(Metrics&)> f) {
    std::lock_guard lock{mutex_};
    collectors_.push_back(std::move(f));
}

double Metrics::value(const std::string& name, const Labels& labels) const {
    std::lock_guard lock{mutex_};
    auto it = families_.find(name);
    if (it == families_.end()) return 0;
    auto s = it->second.series.find(labels);
    return s == it->second.series.end() ? 0 : s->second.value;
}

std::string Metrics::render() {
    std::vector<std::function<void(Metrics&)>> collectors;
    {
        std::lock_guard lock{mutex_};
        collectors = collectors_;
    }
    for (auto& c : collectors) {
        c(*this);
    }
    std::lock_guard lock{mutex_};
    std::string out;
    for (const auto& [name, f] : families_) {
        out += "# HELP " + name + " " + f.help + "\n";
        out += "# TYPE " + name + " " +
               (f.kind == Kind::Counter ? "counter"
                : f.kind == Kind::Gauge ? "gauge"
                                        : "histogram") +
               "\n";
        for (const auto& [labels, s] : f.series) {
            if (f.kind != Kind::Histogram) {
                out += name + label_text(f.label_names, labels) + " " + number(s.value) + "\n";
                continue;
            }
            for (std::size_t i = 0; i < f.bounds.size(); ++i) {
                out += name + "_bucket" +
                       label_text(f.label_names, labels, "le=\"" + number(f.bounds[i]) + "\"") +
                       " " + std::to_string(s.buckets[i]) + "\n";
            }
            out += name + "_bucket" + label_text(f.label_names, labels, "le=\"+Inf\"") + " " +
                   std::to_string(s.count) + "\n";
            out += name + "_sum" + label_text(f.label_names, labels) + " " + number(s.sum) + "\n";
            out += name + "_count" + label_text(f.label_names, labels) + " " +
                   std::to_string(s.count) + "\n";
        }
    }
    return out;
}

}  // namespace meridian::services
