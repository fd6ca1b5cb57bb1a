package framework

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"
	"time"
)

func post(t *testing.T, url string, body []byte, sig string) (*http.Response, error) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if sig != "" {
		req.Header.Set(SignatureHeader, sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
	}
	return resp, err
}

func sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// The receiver the notification tests rely on: it answers as told, is really
// unreachable when down, and tells a good signature from a bad one.
func TestReceiverAnswersAsToldAndChecksSignatures(t *testing.T) {
	r := StartReceiver(t, "s3cret")
	body := []byte(`{"specversion":"1.0","id":"k1","type":"dev.sluice.on-rollout-updated","source":"/namespaces/a/rollouts/b","data":{}}`)

	if resp, err := post(t, r.URL, body, sign("s3cret", body)); err != nil || resp.StatusCode != 200 {
		t.Fatalf("first post: %v %v", resp, err)
	}
	r.Throttle(3 * time.Second)
	resp, err := post(t, r.URL, body, sign("wrong", body))
	if err != nil || resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "3" {
		t.Fatalf("throttled post: %v %v", resp, err)
	}
	r.Down()
	if _, err := post(t, r.URL, body, ""); err == nil {
		t.Fatal("a post reached a receiver that is down")
	}
	if err := r.Up(); err != nil {
		t.Fatal(err)
	}
	r.Succeed()
	if resp, err := post(t, r.URL, body, sign("s3cret", body)); err != nil || resp.StatusCode != 200 {
		t.Fatalf("post after up: %v %v", resp, err)
	}

	got := r.Requests()
	if len(got) != 3 || !got[0].SignatureOK || got[1].SignatureOK || got[1].Accepted() {
		t.Fatalf("requests: %+v", got)
	}
	if reps := r.Repeats(); len(reps) != 1 || reps[0] != "k1 ×2" {
		t.Errorf("repeats: %v", reps)
	}
	if probs := r.Problems(); len(probs) != 1 {
		t.Errorf("problems: %v", probs)
	}
}
