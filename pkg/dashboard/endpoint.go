package dashboard

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/url"
	"strconv"
)

// Endpoint is where the dashboard listens and the secret that opens it.
type Endpoint struct {
	// Address is the address bound, as given to --address.
	Address string
	// Port is the port bound (the real one when 0 was asked for).
	Port int
	// Token is the secret every request must carry (see token.go).
	Token string
}

// NewToken returns a random 256-bit token, hex encoded.
func NewToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// URL is the address to open in a browser, with the token. An address bound to
// every interface is opened on the loopback one.
func (e Endpoint) URL() string {
	host := e.Address
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	u := url.URL{Scheme: "http", Host: net.JoinHostPort(host, strconv.Itoa(e.Port)), Path: "/"}
	u.RawQuery = url.Values{tokenParam: {e.Token}}.Encode()
	return u.String()
}

// IsLoopback reports whether an --address value only accepts connections from
// this machine: "localhost" or a loopback IP.
func IsLoopback(address string) bool {
	if address == "localhost" {
		return true
	}
	ip := net.ParseIP(address)
	return ip != nil && ip.IsLoopback()
}
