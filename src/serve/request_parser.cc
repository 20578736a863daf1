// HTTP/1.1 request parsing (RFC 9112) restricted to what the API needs: origin-form targets,
// Content-Length or chunked bodies, and the headers that change how the request is read.
// Ambiguous framing (both Content-Length and Transfer-Encoding, differing lengths) is
// refused rather than guessed, so no proxy in front can be made to disagree with us.
#include "serve/request_parser.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace sentiment::serve {
namespace {

// Longest chunk-size line (hex size plus extensions) accepted.
constexpr size_t kMaxChunkLineBytes = 1024;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool icontains(std::string_view haystack, std::string_view needle) {
  for (size_t k = 0; k + needle.size() <= haystack.size(); ++k)
    if (iequals(haystack.substr(k, needle.size()), needle)) return true;
  return false;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

// Splits off the first line of `s` (without its CRLF or LF); false when there is none.
bool take_line(std::string_view& s, std::string_view& line) {
  const size_t end = s.find('\n');
  if (end == std::string_view::npos) return false;
  line = s.substr(0, end);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  s.remove_prefix(end + 1);
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The path of an origin-form target, percent-decoded; false when malformed.
bool decode_path(std::string_view target, std::string& path) {
  target = target.substr(0, target.find('?'));
  path.clear();
  for (size_t k = 0; k < target.size(); ++k) {
    if (target[k] != '%') {
      path += target[k];
      continue;
    }
    if (k + 2 >= target.size()) return false;
    const int hi = hex_value(target[k + 1]), lo = hex_value(target[k + 2]);
    if (hi < 0 || lo < 0) return false;
    path += static_cast<char>(hi * 16 + lo);
    k += 2;
  }
  return true;
}

}  // namespace

void RequestParser::reset() {
  const size_t max_body = max_body_;
  *this = RequestParser(max_body);
}

void RequestParser::fail(int status, std::string message) {
  state_ = State::kFailed;
  error_status_ = status;
  error_message_ = std::move(message);
  request_.keep_alive = false;
}

std::string RequestParser::over_limit() const {
  return "request body is over the limit of " + std::to_string(max_body_) + " bytes";
}

RequestParser::State RequestParser::parse(std::string& in) {
  if (state_ == State::kHeader) {
    // Blank lines before a request line are allowed (RFC 9112 2.2), e.g. a stray CRLF a
    // client sent after its previous body.
    if (!started_) {
      const size_t first = in.find_first_not_of("\r\n");
      in.erase(0, first == std::string::npos ? in.size() : first);
      if (in.empty()) return state_;
      started_ = true;
    }
    // Search only the new bytes (and the 3 before them) for the blank line that ends the
    // header block, so a client trickling bytes costs linear, not quadratic, time.
    size_t end = std::string::npos, after = 0;
    for (size_t k = scanned_ > 3 ? scanned_ - 3 : 0; k < in.size(); ++k) {
      if (in[k] != '\n') continue;
      if (k + 1 < in.size() && in[k + 1] == '\n') {
        end = k + 1, after = k + 2;
        break;
      }
      if (k + 2 < in.size() && in[k + 1] == '\r' && in[k + 2] == '\n') {
        end = k + 1, after = k + 3;
        break;
      }
    }
    scanned_ = in.size();
    if (end == std::string::npos) {
      const size_t line_end = in.find('\n');
      if (line_end == std::string::npos ? in.size() > kMaxRequestLineBytes
                                        : line_end > kMaxRequestLineBytes) {
        fail(414, "request line is over the limit of " + std::to_string(kMaxRequestLineBytes) +
                      " bytes");
      } else if (in.size() > kMaxHeaderBytes) {
        fail(431,
             "request headers are over the limit of " + std::to_string(kMaxHeaderBytes) + " bytes");
      }
      return state_;
    }
    if (end > kMaxHeaderBytes) {
      fail(431,
           "request headers are over the limit of " + std::to_string(kMaxHeaderBytes) + " bytes");
      return state_;
    }
    parse_head(std::string_view(in).substr(0, end));
    in.erase(0, after);
    if (state_ == State::kFailed) return state_;
  }
  if (state_ == State::kBody) parse_body(in);
  return state_;
}

void RequestParser::parse_head(std::string_view head) {
  std::string_view line;
  take_line(head, line);
  if (line.size() > kMaxRequestLineBytes)
    return fail(414, "request line is over the limit of " + std::to_string(kMaxRequestLineBytes) +
                         " bytes");
  const size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1)
    return fail(400, "malformed request line: expected METHOD /path HTTP/1.1");
  const std::string_view method = line.substr(0, sp1), target = line.substr(sp1 + 1, sp2 - sp1 - 1),
                         version = line.substr(sp2 + 1);
  if (!is_token(method) || target.empty() || target.find(' ') != std::string_view::npos)
    return fail(400, "malformed request line: expected METHOD /path HTTP/1.1");
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    if (version.substr(0, 5) == "HTTP/")
      return fail(505, "HTTP version " + std::string(version.substr(5)) +
                           " is not supported, expected 1.1 or 1.0");
    return fail(400, "malformed request line: expected METHOD /path HTTP/1.1");
  }
  if (target.front() != '/' || !decode_path(target, request_.path))
    return fail(400, "malformed request target: expected a path starting with /");
  request_.method = std::string(method);
  request_.keep_alive = version == "HTTP/1.1";

  while (!head.empty()) {
    take_line(head, line);
    if (line.empty()) continue;
    if (line.front() == ' ' || line.front() == '\t')
      return fail(400, "folded header lines are not accepted");
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || !is_token(line.substr(0, colon)))
      return fail(400, "malformed header line: expected Name: value");
    parse_header(line.substr(0, colon), trim(line.substr(colon + 1)));
    if (state_ == State::kFailed) return;
  }

  if (chunked_ && has_length_)
    return fail(400, "both Content-Length and Transfer-Encoding: expected one of them");
  // Without a length the body would run to the end of the connection, which HTTP/1.1 does
  // not allow for requests; answering at once frees the connection instead of waiting.
  if (request_.method == "POST" && !chunked_ && !has_length_)
    return fail(411, "POST needs a Content-Length or Transfer-Encoding: chunked");
  if (has_length_ && body_left_ > max_body_) return fail(413, over_limit());
  state_ = (chunked_ || body_left_ > 0) ? State::kBody : State::kDone;
  if (state_ == State::kDone) expect_continue_ = false;
}

void RequestParser::parse_header(std::string_view name, std::string_view value) {
  if (iequals(name, "Content-Length")) {
    size_t n = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (value.empty() || ec != std::errc() || end != value.data() + value.size()) {
      if (ec == std::errc::result_out_of_range) return fail(413, over_limit());
      return fail(400, "Content-Length: got \"" + std::string(value) + "\", expected a number");
    }
    if (has_length_ && n != body_left_) return fail(400, "conflicting Content-Length headers");
    has_length_ = true;
    body_left_ = n;
  } else if (iequals(name, "Transfer-Encoding")) {
    if (!iequals(value, "chunked"))
      return fail(501, "Transfer-Encoding: got \"" + std::string(value) +
                           "\", expected chunked (no other coding is supported)");
    chunked_ = true;
  } else if (iequals(name, "Connection")) {
    if (icontains(value, "close")) request_.keep_alive = false;
    if (icontains(value, "keep-alive")) request_.keep_alive = true;
  } else if (iequals(name, "Expect")) {
    expect_continue_ = iequals(value, "100-continue");
  } else if (iequals(name, "Content-Type")) {
    request_.multipart = icontains(value, "multipart/");
  }
}

bool RequestParser::parse_chunk_size(std::string_view line) {
  line = trim(line.substr(0, line.find(';')));
  if (line.empty()) return false;
  size_t n = 0;
  for (const char c : line) {
    const int v = hex_value(c);
    if (v < 0) return false;
    if (n > (max_body_ >> 4)) {  // already past any size the limit allows
      fail(413, over_limit());
      return true;
    }
    n = n * 16 + static_cast<size_t>(v);
  }
  if (n > max_body_ - request_.body.size()) {
    fail(413, over_limit());
    return true;
  }
  body_left_ = n;
  chunk_ = n == 0 ? Chunk::kTrailer : Chunk::kData;
  return true;
}

void RequestParser::parse_body(std::string& in) {
  if (!chunked_) {
    const size_t n = std::min(body_left_, in.size());
    request_.body.append(in, 0, n);
    in.erase(0, n);
    body_left_ -= n;
    if (body_left_ == 0) state_ = State::kDone;
    return;
  }
  // Chunked: size line, data, CRLF, ..., a zero size line, optional trailers, a blank line.
  size_t used = 0;
  std::string_view rest(in);
  while (state_ == State::kBody) {
    if (chunk_ == Chunk::kData) {
      const size_t n = std::min(body_left_, rest.size());
      request_.body.append(rest.substr(0, n));
      rest.remove_prefix(n), used += n;
      body_left_ -= n;
      if (body_left_ > 0) break;
      chunk_ = Chunk::kDataEnd;
      continue;
    }
    std::string_view line;
    const size_t before = rest.size();
    if (!take_line(rest, line)) {
      const size_t limit = chunk_ == Chunk::kTrailer ? kMaxHeaderBytes : kMaxChunkLineBytes;
      if (rest.size() > limit) fail(400, "chunked body: a size or trailer line is too long");
      break;
    }
    used += before - rest.size();
    if (chunk_ == Chunk::kDataEnd) {
      if (!line.empty()) fail(400, "chunked body: expected CRLF after the chunk data");
      chunk_ = Chunk::kSize;
    } else if (chunk_ == Chunk::kSize) {
      if (!parse_chunk_size(line)) fail(400, "chunked body: malformed chunk size");
    } else if (line.empty()) {
      state_ = State::kDone;
    } else if ((trailer_bytes_ += line.size()) > kMaxHeaderBytes) {
      fail(431, "chunked body: trailers are over the limit of " + std::to_string(kMaxHeaderBytes) +
                    " bytes");
    }
  }
  in.erase(0, used);
}

}  // namespace sentiment::serve
