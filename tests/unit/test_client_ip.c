/* test_client_ip.c: TRUSTED_PROXIES parsing and the X-Forwarded-For walk. */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "check.h"
#include "http/client_ip.h"

static struct trusted_proxies tp;

static const char *pick(const char *peer, const char *xff) {
  static char out[CLIENT_IP_MAX];
  client_ip_pick(peer, xff, &tp, out);
  return out;
}

static void parse(const char *spec) {
  char err[128];
  CHECK(trusted_proxies_parse(spec, &tp, err, sizeof err));
}

static void without_trusted_proxies_the_peer_is_the_client(void) {
  parse("");
  CHECK_STR(pick("203.0.113.9", "198.51.100.1"), "203.0.113.9");
  CHECK_STR(pick("203.0.113.9", NULL), "203.0.113.9");
}

static void a_trusted_peer_yields_the_rightmost_untrusted_entry(void) {
  parse("10.0.0.0/8, 127.0.0.1");
  CHECK_STR(pick("127.0.0.1", "198.51.100.1"), "198.51.100.1");
  /* the client may prepend anything; only what our proxies appended counts */
  CHECK_STR(pick("10.1.2.3", "1.2.3.4, 198.51.100.1, 10.0.0.7"), "198.51.100.1");
  CHECK_STR(pick("10.1.2.3", " 198.51.100.1 ,10.0.0.7 "), "198.51.100.1");
}

static void an_untrusted_peer_cannot_claim_another_ip(void) {
  parse("10.0.0.0/8");
  CHECK_STR(pick("203.0.113.9", "10.0.0.1, 198.51.100.1"), "203.0.113.9");
}

static void all_trusted_or_malformed_stops_at_the_last_trusted_hop(void) {
  parse("10.0.0.0/8");
  CHECK_STR(pick("10.0.0.1", "10.0.0.2, 10.0.0.3"), "10.0.0.2");
  CHECK_STR(pick("10.0.0.1", "garbage, 10.0.0.3"), "10.0.0.3");
  CHECK_STR(pick("10.0.0.1", ""), "10.0.0.1");
}

static void cidr_prefixes_match_bit_by_bit(void) {
  parse("192.168.4.0/23, 2001:db8::/32");
  CHECK_STR(pick("192.168.5.200", "198.51.100.1"), "198.51.100.1");
  CHECK_STR(pick("192.168.6.1", "198.51.100.1"), "192.168.6.1");
  CHECK_STR(pick("2001:db8::5", "198.51.100.1"), "198.51.100.1");
}

static void bad_specs_are_refused_with_the_variable_named(void) {
  char err[128] = "";
  CHECK(!trusted_proxies_parse("10.0.0.0/33", &tp, err, sizeof err));
  CHECK(strstr(err, "TRUSTED_PROXIES") != NULL);
  CHECK(!trusted_proxies_parse("not-an-ip", &tp, err, sizeof err));
  CHECK(!trusted_proxies_parse("10.0.0.0/", &tp, err, sizeof err));
}

static void forwarded_lines_join_in_order_and_keep_the_right_end(void) {
  char joined[32] = "";
  client_ip_join_forwarded(joined, sizeof joined, "6.6.6.6");
  client_ip_join_forwarded(joined, sizeof joined, "7.7.7.7");
  CHECK_STR(joined, "6.6.6.6, 7.7.7.7");
  client_ip_join_forwarded(joined, sizeof joined, "10.0.0.1, 10.0.0.2");
  /* 34 bytes would not fit in 32: the left-most entry goes, the proxies' end stays. */
  CHECK_STR(joined, "7.7.7.7, 10.0.0.1, 10.0.0.2");
  client_ip_join_forwarded(joined, sizeof joined, "2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff");
  CHECK_STR(joined, ""); /* one entry longer than the room: nothing is believed */
}

static void a_dual_stack_peer_reads_as_ipv4_and_ipv6_as_itself(void) {
  struct sockaddr_in6 six = {.sin6_family = AF_INET6};
  char out[CLIENT_IP_MAX];
  inet_pton(AF_INET6, "::ffff:203.0.113.9", &six.sin6_addr);
  client_ip_of_peer((const struct sockaddr *)&six, out);
  CHECK_STR(out, "203.0.113.9");
  inet_pton(AF_INET6, "2001:db8::1", &six.sin6_addr);
  client_ip_of_peer((const struct sockaddr *)&six, out);
  CHECK_STR(out, "2001:db8::1");
  struct sockaddr_in four = {.sin_family = AF_INET};
  inet_pton(AF_INET, "198.51.100.7", &four.sin_addr);
  client_ip_of_peer((const struct sockaddr *)&four, out);
  CHECK_STR(out, "198.51.100.7");
}

static void ipv6_clients_are_counted_by_their_network(void) {
  char out[CLIENT_IP_SUBJECT_MAX];
  client_ip_limit_subject("2001:db8:1:2:aaaa:bbbb:cccc:dddd", 64, out);
  CHECK_STR(out, "2001:db8:1:2::/64");
  client_ip_limit_subject("2001:db8:1:2::1", 64, out);
  CHECK_STR(out, "2001:db8:1:2::/64");
  client_ip_limit_subject("2001:db8:1:2:ffff::", 56, out);
  CHECK_STR(out, "2001:db8:1::/56");
  client_ip_limit_subject("2001:db8::1", 128, out);
  CHECK_STR(out, "2001:db8::1"); /* a /128 is the address itself */
  client_ip_limit_subject("198.51.100.7", 64, out);
  CHECK_STR(out, "198.51.100.7");
}

static void sessions_show_a_network_never_the_address(void) {
  char out[CLIENT_IP_SUBJECT_MAX];
  client_ip_network("203.0.113.77", out);
  CHECK_STR(out, "203.0.113.0/24");
  client_ip_network("2001:db8:4a1c:12:34::7", out);
  CHECK_STR(out, "2001:db8:4a1c::/48");
  client_ip_network("", out);
  CHECK_STR(out, "");
  client_ip_network("not-an-address", out);
  CHECK_STR(out, "");
}

int main(void) {
  RUN(without_trusted_proxies_the_peer_is_the_client);
  RUN(a_trusted_peer_yields_the_rightmost_untrusted_entry);
  RUN(an_untrusted_peer_cannot_claim_another_ip);
  RUN(all_trusted_or_malformed_stops_at_the_last_trusted_hop);
  RUN(cidr_prefixes_match_bit_by_bit);
  RUN(bad_specs_are_refused_with_the_variable_named);
  RUN(forwarded_lines_join_in_order_and_keep_the_right_end);
  RUN(a_dual_stack_peer_reads_as_ipv4_and_ipv6_as_itself);
  RUN(ipv6_clients_are_counted_by_their_network);
  RUN(sessions_show_a_network_never_the_address);
  return check_done();
}
