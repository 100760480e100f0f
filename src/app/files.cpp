// Reading and writing whole files; loading bars.
#include "app/files.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include <fcntl.h>
#include <malloc.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace meridian::app {

core::Result<std::string> read_file(const std::string& path) {
    auto file = MappedFile::open(path);
    if (!file) return file.error();
    return std::string{file->text()};
}

core::Result<void> write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out{path, std::ios::binary | std::ios::trunc};
    out << text;
    out.close();
    if (!out) return core::invalid("cannot write " + path.string() + ": " + std::strerror(errno));
    return {};
}

core::Result<MappedFile> MappedFile::open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return core::invalid("cannot read " + path + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int e = errno;
        ::close(fd);
        return core::invalid("cannot read " + path + ": " + std::strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        ::close(fd);
        return core::invalid("cannot read " + path + ": " + std::strerror(EISDIR));
    }
    if (!S_ISREG(st.st_mode)) {
        // A pipe or a device: no size to map, read it to its end.
        std::string text;
        char chunk[1 << 16];
        for (;;) {
            const ssize_t n = ::read(fd, chunk, sizeof chunk);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                const int e = errno;
                ::close(fd);
                return core::invalid("cannot read " + path + ": " + std::strerror(e));
            }
            if (n == 0) break;
            text.append(chunk, static_cast<std::size_t>(n));
        }
        ::close(fd);
        return MappedFile{std::move(text)};
    }
    const auto size = static_cast<std::size_t>(st.st_size);
    if (size == 0) {
        ::close(fd);
        return MappedFile{nullptr, 0};
    }
    void* data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    const int e = errno;
    ::close(fd);
    if (data == MAP_FAILED) return core::invalid("cannot read " + path + ": " + std::strerror(e));
    ::madvise(data, size, MADV_SEQUENTIAL);
    return MappedFile{static_cast<const char*>(data), size};
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : data_{std::exchange(other.data_, nullptr)},
      size_{std::exchange(other.size_, 0)},
      read_{std::move(other.read_)} {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
    if (this != &other) {
        if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
        data_ = std::exchange(other.data_, nullptr);
        size_ = std::exchange(other.size_, 0);
        read_ = std::move(other.read_);
    }
    return *this;
}

MappedFile::~MappedFile() {
    if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
}

core::Result<OutputFile> OutputFile::create(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return core::invalid("cannot write " + path.string() + ": " + std::strerror(errno));
    return OutputFile{fd, path.string()};
}

OutputFile::OutputFile(OutputFile&& other) noexcept
    : fd_{std::exchange(other.fd_, -1)},
      path_{std::move(other.path_)},
      buffer_{std::move(other.buffer_)},
      error_{other.error_} {}

OutputFile& OutputFile::operator=(OutputFile&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
        path_ = std::move(other.path_);
        buffer_ = std::move(other.buffer_);
        error_ = other.error_;
    }
    return *this;
}

OutputFile::~OutputFile() {
    if (fd_ >= 0) ::close(fd_);
}

void OutputFile::flush(std::size_t at_least) {
    if (buffer_.size() < at_least || buffer_.empty()) return;
    const char* p = buffer_.data();
    std::size_t left = buffer_.size();
    while (left > 0 && error_ == 0) {
        const ssize_t n = ::write(fd_, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            error_ = errno;
            break;
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    buffer_.clear();
}

core::Result<void> OutputFile::close() {
    flush();
    if (fd_ >= 0 && ::close(fd_) != 0 && error_ == 0) error_ = errno;
    fd_ = -1;
    if (error_ != 0) return core::invalid("cannot write " + path_ + ": " + std::strerror(error_));
    return {};
}

void prefer_huge_pages(std::size_t bytes) {
#if defined(__linux__) && defined(__GLIBC__)
    // Grow the heap by `bytes` at once (top pad), never give it back during the run (trim
    // threshold), then mark the whole heap for huge pages.
    mallopt(M_TOP_PAD, static_cast<int>(std::min<std::size_t>(bytes, INT32_MAX)));
    mallopt(M_TRIM_THRESHOLD, INT32_MAX);
    // Allocate until the heap grows (by the pad), then give it all back.
    const void* const before = sbrk(0);
    std::vector<void*> blocks;
    std::uintptr_t start = 0;
    while (sbrk(0) == before && blocks.size() < 64) {
        void* block = std::malloc(std::size_t{64} * 1024);
        if (block == nullptr) break;
        if (start == 0) start = reinterpret_cast<std::uintptr_t>(block);
        blocks.push_back(block);
    }
    for (void* block : blocks) {
        std::free(block);
    }
    mallopt(M_TOP_PAD, 128 * 1024);  // glibc's default, for what comes after
    constexpr std::uintptr_t huge = std::uintptr_t{2} << 20;
    const auto top = reinterpret_cast<std::uintptr_t>(sbrk(0));
    const std::uintptr_t from = (start + huge - 1) & ~(huge - 1);
    const std::uintptr_t to = top & ~(huge - 1);
    if (to > from) {
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the heap's own range, computed above
        ::madvise(reinterpret_cast<void*>(from), to - from, MADV_HUGEPAGE);
    }
#else
    (void)bytes;
#endif
}

core::Result<std::vector<engine::Bar>> load_bars(const std::vector<std::string>& paths,
                                                 const engine::BarsCsvOptions& options) {
    std::vector<engine::Bar> bars;
    for (const auto& path : paths) {
        auto file = MappedFile::open(path);
        if (!file) return file.error();
        auto loaded = engine::parse_bars_csv(file->text(), path, options);
        if (!loaded) return loaded.error();
        if (bars.empty()) {
            bars = std::move(*loaded);
        } else {
            bars.insert(bars.end(), loaded->begin(), loaded->end());
        }
    }
    if (paths.size() > 1) {
        std::stable_sort(bars.begin(), bars.end(),
                         [](const engine::Bar& a, const engine::Bar& b) { return a.ts < b.ts; });
    }
    return bars;
}

}  // namespace meridian::app
