package framework

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// SignatureHeader carries the webhook body's HMAC-SHA256 as "sha256=<hex>"
// (docs/notifications.md, "Receiving webhooks").
const SignatureHeader = "X-Sluice-Signature"

// Receiver is a real HTTP server a test runs to receive sluice's webhook
// notifications, as a team's endpoint would. It records every request with
// the answer it gave, checks the HMAC signature, and can be told to fail (500),
// throttle (429 with Retry-After) or be down (connection refused) on demand.
type Receiver struct {
	// URL is where the webhook service should post (http://127.0.0.1:port/hook).
	URL    string
	addr   string
	secret []byte

	mu       sync.Mutex
	server   *http.Server
	answer   receiverAnswer
	requests []Received
}

type receiverAnswer struct {
	status     int
	retryAfter time.Duration
}

// Received is one request the receiver got.
type Received struct {
	At     time.Time
	Method string
	Header http.Header
	Body   []byte
	// Status is what the receiver answered.
	Status int
	// SignatureOK says the signature header matched the body under the
	// receiver's secret (false when it has none or the header is missing).
	SignatureOK bool
	// Event is the body decoded as a CloudEvent (zero if it was not JSON).
	Event CloudEvent
}

// CloudEvent is the envelope of a webhook body: id is the delivery key.
type CloudEvent struct {
	SpecVersion string          `json:"specversion"`
	ID          string          `json:"id"`
	Type        string          `json:"type"`
	Source      string          `json:"source"`
	Time        string          `json:"time"`
	Data        json.RawMessage `json:"data"`
}

// Accepted reports whether the receiver answered the request with a 2xx.
func (r Received) Accepted() bool { return r.Status/100 == 2 }

// StartReceiver starts a receiver on a free loopback port, answering 200 to
// everything until told otherwise; secret "" disables signature checks. It is
// closed when the test ends.
func StartReceiver(t testing.TB, secret string) *Receiver {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("receiver: %v", err)
	}
	r := &Receiver{addr: ln.Addr().String(), secret: []byte(secret), answer: receiverAnswer{status: http.StatusOK}}
	r.URL = "http://" + r.addr + "/hook"
	r.serve(ln)
	t.Cleanup(r.Close)
	return r
}

func (r *Receiver) serve(ln net.Listener) {
	srv := &http.Server{Handler: http.HandlerFunc(r.handle), ReadHeaderTimeout: 5 * time.Second}
	r.mu.Lock()
	r.server = srv
	r.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

func (r *Receiver) handle(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	got := Received{At: time.Now(), Method: req.Method, Header: req.Header.Clone(), Body: body}
	got.SignatureOK = r.signatureOK(req.Header.Get(SignatureHeader), body)
	_ = json.Unmarshal(body, &got.Event)

	r.mu.Lock()
	answer := r.answer
	got.Status = answer.status
	r.requests = append(r.requests, got)
	r.mu.Unlock()

	if answer.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((answer.retryAfter+time.Second-1)/time.Second)))
	}
	w.WriteHeader(answer.status)
}

func (r *Receiver) signatureOK(header string, body []byte) bool {
	if len(r.secret) == 0 || header == "" {
		return false
	}
	got, err := hex.DecodeString(strings.TrimPrefix(header, "sha256="))
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, r.secret)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// Succeed makes the receiver answer 200 again (and listen, if it was down).
func (r *Receiver) Succeed() { r.setAnswer(http.StatusOK, 0) }

// Fail makes the receiver answer 500 to every request.
func (r *Receiver) Fail() { r.setAnswer(http.StatusInternalServerError, 0) }

// Throttle makes the receiver answer 429 with a Retry-After of after.
func (r *Receiver) Throttle(after time.Duration) { r.setAnswer(http.StatusTooManyRequests, after) }

func (r *Receiver) setAnswer(status int, retryAfter time.Duration) {
	r.mu.Lock()
	r.answer = receiverAnswer{status: status, retryAfter: retryAfter}
	r.mu.Unlock()
}

// Down closes the listener: connections are refused until Up.
func (r *Receiver) Down() {
	r.mu.Lock()
	srv := r.server
	r.server = nil
	r.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// Up listens again on the same address after Down.
func (r *Receiver) Up() error {
	r.mu.Lock()
	running := r.server != nil
	r.mu.Unlock()
	if running {
		return nil
	}
	var ln net.Listener
	var err error
	// The port was ours a moment ago; a retry covers a socket still closing.
	for i := 0; i < 50; i++ {
		if ln, err = net.Listen("tcp", r.addr); err == nil {
			r.serve(ln)
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("receiver: listen again on %s: %w", r.addr, err)
}

// Close stops the receiver for good.
func (r *Receiver) Close() { r.Down() }

// Requests returns every request so far, in arrival order.
func (r *Receiver) Requests() []Received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Received(nil), r.requests...)
}

// Accepted returns the requests answered with a 2xx, in arrival order: the
// deliveries sluice may consider done.
func (r *Receiver) Accepted() []Received {
	var out []Received
	for _, got := range r.Requests() {
		if got.Accepted() {
			out = append(out, got)
		}
	}
	return out
}

// AcceptedIDs counts the accepted deliveries per CloudEvent id.
func (r *Receiver) AcceptedIDs() map[string]int {
	ids := map[string]int{}
	for _, got := range r.Accepted() {
		ids[got.Event.ID]++
	}
	return ids
}

// Repeats lists the ids accepted more than once, each with its count: a
// receiver that answered 2xx must never see its id again.
func (r *Receiver) Repeats() []string {
	var out []string
	for id, n := range r.AcceptedIDs() {
		if n > 1 {
			out = append(out, fmt.Sprintf("%s ×%d", id, n))
		}
	}
	return out
}

// Problems lists what is wrong with the requests themselves: a bad or missing
// signature (when the receiver has a secret), a body that is not a CloudEvent.
func (r *Receiver) Problems() []string {
	var out []string
	for i, got := range r.Requests() {
		switch {
		case got.Event.ID == "" || got.Event.Type == "" || got.Event.SpecVersion != "1.0":
			out = append(out, fmt.Sprintf("request %d is not a CloudEvent 1.0: %s", i, got.Body))
		case len(r.secret) > 0 && !got.SignatureOK:
			out = append(out, fmt.Sprintf("request %d (%s): signature %q does not match its body", i, got.Event.ID, got.Header.Get(SignatureHeader)))
		}
	}
	return out
}

// DecodeData decodes an event's data into v.
func (e CloudEvent) DecodeData(v any) error {
	if len(e.Data) == 0 {
		return errors.New("no data")
	}
	return json.Unmarshal(e.Data, v)
}
