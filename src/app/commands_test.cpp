// Tests of the subcommand table: what a user sees from --help, version and a typo.
#include "app/commands.hpp"

#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "app/version.hpp"

namespace meridian::app {
namespace {

struct Run {
    int code;
    std::string out;
    std::string err;
};

Run run(std::vector<std::string_view> argv) {
    std::ostringstream out;
    std::ostringstream err;
    argv.insert(argv.begin(), "meridian");
    const int code = dispatch(argv, out, err);
    return {code, out.str(), err.str()};
}

TEST(Commands, HelpListsEveryCommand) {
    const auto r = run({"--help"});
    EXPECT_EQ(r.code, 0);
    for (const auto& c : commands()) {
        EXPECT_NE(r.out.find(std::string{c.name}), std::string::npos) << c.name;
    }
}

TEST(Commands, VersionPrintsVersionAndCommit) {
    const auto r = run({"version"});
    EXPECT_EQ(r.code, 0);
    EXPECT_NE(r.out.find(std::string{version()}), std::string::npos);
    EXPECT_NE(r.out.find("commit " + std::string{git_commit()}), std::string::npos);
    EXPECT_FALSE(git_commit().empty());
}

TEST(Commands, UnknownCommandIsAUsageErrorNamingIt) {
    const auto r = run({"bakctest"});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("unknown command 'bakctest'"), std::string::npos);
}

TEST(Commands, NoCommandPrintsUsageToStderr) {
    const auto r = run({});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("usage: meridian"), std::string::npos);
}

}  // namespace
}  // namespace meridian::app
