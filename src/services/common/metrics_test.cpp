#include "services/common/metrics.hpp"

#include <gtest/gtest.h>

namespace meridian::services {
namespace {

TEST(Metrics, RendersPrometheusTextWithHelpTypeAndLabels) {
    Metrics m;
    m.counter("meridian_orders_total", "Orders by status.", {"status"});
    m.histogram("meridian_http_request_duration_seconds", "Latency.", {"route"}, {0.001, 0.01});
    m.gauge("meridian_equity_dollars", "Equity.");
    m.inc("meridian_orders_total", {"filled"});
    m.inc("meridian_orders_total", {"filled"});
    m.observe("meridian_http_request_duration_seconds", {"/orders"}, 0.005);
    m.set("meridian_equity_dollars", {}, 100000.5);
    const std::string text = m.render();
    EXPECT_NE(text.find("# HELP meridian_orders_total Orders by status.\n"), std::string::npos);
    EXPECT_NE(text.find("# TYPE meridian_orders_total counter\n"), std::string::npos);
    EXPECT_NE(text.find("meridian_orders_total{status=\"filled\"} 2\n"), std::string::npos);
    EXPECT_NE(
        text.find(
            "meridian_http_request_duration_seconds_bucket{route=\"/orders\",le=\"0.001\"} 0\n"),
        std::string::npos);
    EXPECT_NE(
        text.find(
            "meridian_http_request_duration_seconds_bucket{route=\"/orders\",le=\"0.01\"} 1\n"),
        std::string::npos);
    EXPECT_NE(text.find("meridian_http_request_duration_seconds_count{route=\"/orders\"} 1\n"),
              std::string::npos);
    EXPECT_NE(text.find("meridian_equity_dollars 100000.5\n"), std::string::npos);
    EXPECT_EQ(m.value("meridian_orders_total", {"filled"}), 2);
}

}  // namespace
}  // namespace meridian::services
