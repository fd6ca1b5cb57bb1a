package services

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluice-dev/sluice/notifications"
	"github.com/sluice-dev/sluice/notifications/config"
	"github.com/sluice-dev/sluice/notifications/render"
)

// received is what a test receiver saw.
type received struct {
	method, path string
	header       http.Header
	body         []byte
}

// receiver is an httptest webhook receiver answering with answer.
func receiver(t *testing.T, answer func(w http.ResponseWriter)) (*httptest.Server, func() []received) {
	t.Helper()
	var mu sync.Mutex
	var got []received
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, received{method: r.Method, path: r.URL.Path, header: r.Header.Clone(), body: body})
		mu.Unlock()
		answer(w)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []received {
		mu.Lock()
		defer mu.Unlock()
		return append([]received(nil), got...)
	}
}

func answerStatus(code int, header ...string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
		io.WriteString(w, http.StatusText(code))
	}
}

func webhookRequest(hook config.Webhook, msg render.Message) Request {
	return Request{
		Delivery: notifications.Delivery{
			Event:       notifications.Event{Trigger: notifications.OnRolloutUpdated, Key: "uid/rev-2/on-rollout-updated"},
			Destination: notifications.Destination{Service: "webhook.ops"},
		},
		Message: msg,
		Config:  &config.Config{Webhooks: map[string]config.Webhook{"ops": hook}},
	}
}

const cloudEvent = `{"specversion":"1.0","id":"uid/rev-2/on-rollout-updated/webhook.ops/","type":"dev.sluice.on-rollout-updated","data":{"note":"it's \"quoted\""}}`

func TestWebhookSendsTheSignedCloudEventWithHeadersAndBasicAuth(t *testing.T) {
	srv, got := receiver(t, answerStatus(http.StatusAccepted))
	hook := config.Webhook{
		URL:        srv.URL,
		Headers:    map[string]string{"X-Team": "payments", "Authorization": "overridden by basic auth"},
		BasicAuth:  &config.BasicAuth{Username: "sluice", Password: "s3cret"},
		HMACSecret: "shared-secret",
	}
	if _, err := Send(context.Background(), webhookRequest(hook, render.Message{Webhook: []byte(cloudEvent)})); err != nil {
		t.Fatalf("Send: %v", err)
	}
	reqs := got()
	if len(reqs) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.method != http.MethodPost || string(r.body) != cloudEvent {
		t.Errorf("got %s %q, want POST with the rendered event as it is", r.method, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/cloudevents+json" {
		t.Errorf("Content-Type = %q", ct)
	}
	if r.header.Get("X-Team") != "payments" {
		t.Errorf("configured header missing: %v", r.header)
	}
	probe := http.Request{Header: r.header}
	if user, pass, ok := probe.BasicAuth(); !ok || user != "sluice" || pass != "s3cret" {
		t.Errorf("basic auth = %q %q %v", user, pass, ok)
	}
	if !verifySignature("shared-secret", r.header.Get("X-Sluice-Signature"), r.body) {
		t.Errorf("signature %q does not verify over the received body", r.header.Get("X-Sluice-Signature"))
	}
	if verifySignature("another-secret", r.header.Get("X-Sluice-Signature"), r.body) {
		t.Errorf("signature verifies under the wrong secret")
	}
}

func TestWebhookMethodAndPath(t *testing.T) {
	srv, got := receiver(t, answerStatus(http.StatusOK))
	cases := []struct {
		name           string
		hookMethod     string
		msgMethod      string
		path, wantPath string
		wantMethod     string
	}{
		{name: "defaults", wantMethod: "POST", wantPath: "/hooks"},
		{name: "service method", hookMethod: "put", wantMethod: "PUT", wantPath: "/hooks"},
		{name: "template overrides", hookMethod: "PUT", msgMethod: "PATCH", path: "/releases/checkout", wantMethod: "PATCH", wantPath: "/hooks/releases/checkout"},
	}
	for i, c := range cases {
		hook := config.Webhook{URL: srv.URL + "/hooks/", Method: c.hookMethod}
		msg := render.Message{Webhook: []byte(cloudEvent), WebhookMethod: c.msgMethod, WebhookPath: c.path}
		if _, err := Send(context.Background(), webhookRequest(hook, msg)); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		r := got()[i]
		if r.method != c.wantMethod || strings.TrimSuffix(r.path, "/") != c.wantPath {
			t.Errorf("%s: got %s %s, want %s %s", c.name, r.method, r.path, c.wantMethod, c.wantPath)
		}
	}
}

func TestWebhookWithoutSecretIsUnsigned(t *testing.T) {
	srv, got := receiver(t, answerStatus(http.StatusNoContent))
	if _, err := Send(context.Background(), webhookRequest(config.Webhook{URL: srv.URL}, render.Message{Webhook: []byte(cloudEvent)})); err != nil {
		t.Fatal(err)
	}
	if sig := got()[0].header.Get(SignatureHeader); sig != "" {
		t.Errorf("unsigned webhook sent %s: %q", SignatureHeader, sig)
	}
}

func TestWebhookClassifiesFailures(t *testing.T) {
	httpDate := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	cases := []struct {
		name          string
		answer        func(http.ResponseWriter)
		wantRetryable bool
		wantAfterMin  time.Duration
		wantAfterMax  time.Duration
		wantIn        string
	}{
		{name: "500", answer: answerStatus(500), wantRetryable: true, wantIn: "500 Internal Server Error"},
		{name: "503 with Retry-After seconds", answer: answerStatus(503, "Retry-After", "7"), wantRetryable: true, wantAfterMin: 7 * time.Second, wantAfterMax: 7 * time.Second},
		{name: "429 with Retry-After seconds", answer: answerStatus(429, "Retry-After", "30"), wantRetryable: true, wantAfterMin: 30 * time.Second, wantAfterMax: 30 * time.Second},
		{name: "429 with Retry-After date", answer: answerStatus(429, "Retry-After", httpDate), wantRetryable: true, wantAfterMin: 80 * time.Second, wantAfterMax: 91 * time.Second},
		{name: "429 without Retry-After", answer: answerStatus(429), wantRetryable: true},
		{name: "408", answer: answerStatus(408), wantRetryable: true},
		{name: "400", answer: answerStatus(400), wantIn: "400 Bad Request"},
		{name: "401", answer: answerStatus(401)},
		{name: "404", answer: answerStatus(404)},
		{name: "redirect", answer: answerStatus(302, "Location", "https://elsewhere.example/"), wantIn: "redirects are not followed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, got := receiver(t, c.answer)
			_, err := Send(context.Background(), webhookRequest(config.Webhook{URL: srv.URL}, render.Message{Webhook: []byte(cloudEvent)}))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Send = %v, want an *Error", err)
			}
			if e.Retryable != c.wantRetryable || IsRetryable(err) != c.wantRetryable {
				t.Errorf("retryable = %v, want %v (%v)", e.Retryable, c.wantRetryable, err)
			}
			if e.RetryAfter < c.wantAfterMin || e.RetryAfter > c.wantAfterMax {
				t.Errorf("RetryAfter = %s, want %s..%s", e.RetryAfter, c.wantAfterMin, c.wantAfterMax)
			}
			if !strings.HasPrefix(err.Error(), "webhook.ops: POST http://127.0.0.1:") || !strings.Contains(err.Error(), c.wantIn) {
				t.Errorf("error %q should name the service and the receiver and contain %q", err, c.wantIn)
			}
			if len(got()) != 1 {
				t.Errorf("%d requests for one Send, want 1 (Send never retries itself)", len(got()))
			}
		})
	}
}

func TestWebhookUnreachableOrSlowIsRetryable(t *testing.T) {
	// A port nobody listens on: connection refused.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()

	// A receiver that never answers (until the client gives up).
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)

	cases := []struct {
		name   string
		hook   config.Webhook
		wantIn string
	}{
		{name: "refused", hook: config.Webhook{URL: closed + "/token-in-path?key=hush"}, wantIn: "refused"},
		{name: "timeout", hook: config.Webhook{URL: slow.URL, Timeout: 100 * time.Millisecond}, wantIn: "no answer within 100ms"},
	}
	for _, c := range cases {
		_, err := Send(context.Background(), webhookRequest(c.hook, render.Message{Webhook: []byte(cloudEvent)}))
		if !IsRetryable(err) || !strings.Contains(err.Error(), c.wantIn) {
			t.Errorf("%s: Send = %v, want a retryable error containing %q", c.name, err, c.wantIn)
		}
		if err != nil && (strings.Contains(err.Error(), "token-in-path") || strings.Contains(err.Error(), "hush")) {
			t.Errorf("%s: the error repeats the URL's path or query, which may be a secret: %v", c.name, err)
		}
	}
}

func TestSendRefusesWhatItCannotSend(t *testing.T) {
	msg := render.Message{Webhook: []byte(cloudEvent)}
	cases := []struct {
		name    string
		req     Request
		wantErr string
	}{
		{name: "unknown webhook", req: func() Request {
			r := webhookRequest(config.Webhook{URL: "http://127.0.0.1:1"}, msg)
			r.Delivery.Service = "webhook.nope"
			return r
		}(), wantErr: "webhook.nope: no service.webhook.nope in the configuration"},
		{name: "unknown service", req: func() Request {
			r := webhookRequest(config.Webhook{}, msg)
			r.Delivery.Service = "teams"
			return r
		}(), wantErr: `teams: unknown service`},
		{name: "no config", req: Request{Delivery: notifications.Delivery{Destination: notifications.Destination{Service: "slack"}}}, wantErr: "slack: no notification configuration"},
		{name: "nothing rendered", req: webhookRequest(config.Webhook{URL: "http://127.0.0.1:1"}, render.Message{}), wantErr: "webhook.ops: nothing was rendered"},
		{name: "bad URL", req: webhookRequest(config.Webhook{URL: "http://bad host/"}, msg), wantErr: "webhook.ops: POST"},
		{name: "no slack", req: Request{Delivery: notifications.Delivery{Destination: notifications.Destination{Service: "slack", Recipient: "x"}}, Config: &config.Config{}}, wantErr: "slack: no service.slack"},
	}
	for _, c := range cases {
		_, err := Send(context.Background(), c.req)
		if err == nil || IsRetryable(err) || !strings.HasPrefix(err.Error(), c.wantErr) {
			t.Errorf("%s: Send = %v, want a permanent error starting %q", c.name, err, c.wantErr)
		}
	}
}
