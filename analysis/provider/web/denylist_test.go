package web

import (
	"context"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// loopback denies the addresses the test servers listen on.
var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// TestDeniedAddressIsRefused: a URL whose host is, or resolves to, a denied
// address is refused before anything is sent, and the message names the
// address; an address outside the list is reached as before.
func TestDeniedAddressIsRefused(t *testing.T) {
	tests := []struct {
		name string
		deny []netip.Prefix
		url  func(serverURL string) string
		want string // empty: the call succeeds
	}{
		{name: "IP literal", deny: loopback, url: func(s string) string { return s },
			want: "address 127.0.0.1 is denied: it is in 127.0.0.0/8"},
		{name: "a name resolving to a denied address, caught at dial time", deny: loopback, url: func(s string) string { return onLocalhostURL(s) },
			want: "is denied: it is in "},
		{name: "IPv4-mapped IPv6 literal", deny: loopback[:1], url: func(s string) string { return strings.Replace(s, "127.0.0.1", "[::ffff:127.0.0.1]", 1) },
			want: "address 127.0.0.1 is denied: it is in 127.0.0.0/8"},
		{name: "outside the list", deny: []netip.Prefix{netip.MustParsePrefix("169.254.0.0/16"), netip.MustParsePrefix("fe80::/10")}, url: func(s string) string { return s }},
		{name: "no list", url: func(s string) string { return s }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakeEndpoint{body: `{"ok":true}`}
			srv := serve(t, fake)
			p := NewWithOptions(Options{DenyCIDRs: tt.deny})
			_, err := p.Measure(context.Background(), nil, webMetric(v1alpha1.WebMetric{URL: tt.url(srv.URL) + "/check"}), nil)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Measure: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
			if fake.request().Method != "" {
				t.Errorf("the denied endpoint got a request")
			}
		})
	}
}

// onLocalhostURL is onLocalhost without a *testing.T, for table functions.
func onLocalhostURL(serverURL string) string {
	return strings.Replace(serverURL, "127.0.0.1", "localhost", 1)
}

// TestDenyListMatching checks the address forms a dial can see.
func TestDenyListMatching(t *testing.T) {
	deny := denyList(append([]netip.Prefix{netip.MustParsePrefix("169.254.0.0/16"), netip.MustParsePrefix("fe80::/10")}, loopback...))
	tests := []struct {
		addr string
		want string // the denying network, empty if allowed
	}{
		{"169.254.169.254", "169.254.0.0/16"},
		{"::ffff:169.254.169.254", "169.254.0.0/16"},
		{"fe80::1%eth0", "fe80::/10"},
		{"fd00:ec2::254", ""},
		{"0.0.0.0", "127.0.0.0/8"}, // the unspecified address reaches the host itself
		{"::", "::1/128"},
		{"10.0.0.1", ""},
	}
	for _, tt := range tests {
		got, _ := deny.match(netip.MustParseAddr(tt.addr))
		if got.String() != tt.want && !(tt.want == "" && !got.IsValid()) {
			t.Errorf("match(%s) = %v, want %q", tt.addr, got, tt.want)
		}
	}
}

// TestParseDenyCIDRs checks the flag's syntax.
func TestParseDenyCIDRs(t *testing.T) {
	got, err := ParseDenyCIDRs(" 169.254.0.0/16, fe80::/10,,10.1.2.3/8,192.0.2.7 ")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"169.254.0.0/16", "fe80::/10", "10.0.0.0/8", "192.0.2.7/32"}
	var gotText []string
	for _, p := range got {
		gotText = append(gotText, p.String())
	}
	if diff := cmp.Diff(want, gotText); diff != "" {
		t.Errorf("prefixes (-want +got):\n%s", diff)
	}
	if got, err := ParseDenyCIDRs(""); err != nil || len(got) != 0 {
		t.Errorf("empty: %v, %v", got, err)
	}
	if _, err := ParseDenyCIDRs("169.254.0.0/16,not-a-cidr"); err == nil || !strings.Contains(err.Error(), `"not-a-cidr"`) {
		t.Errorf("error = %v, want it to name the bad entry", err)
	}
}
