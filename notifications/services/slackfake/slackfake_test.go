package slackfake

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// call posts body to method as a client with token would.
func call(t *testing.T, s *Server, token, method string, body map[string]any) (int, http.Header, map[string]any) {
	t.Helper()
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/"+method, bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var reply map[string]any
	json.NewDecoder(res.Body).Decode(&reply)
	return res.StatusCode, res.Header, reply
}

func TestFakeAnswersLikeSlack(t *testing.T) {
	s := New("xoxb-good")
	defer s.Close()

	if _, _, r := call(t, s, "", "chat.postMessage", map[string]any{"channel": "#a", "text": "x"}); r["error"] != "not_authed" {
		t.Errorf("no token: %v", r)
	}
	if _, _, r := call(t, s, "xoxb-bad", "chat.postMessage", map[string]any{"channel": "#a", "text": "x"}); r["error"] != "invalid_auth" {
		t.Errorf("bad token: %v", r)
	}
	_, _, posted := call(t, s, "xoxb-good", "chat.postMessage", map[string]any{
		"channel": "#a", "text": "hello", "blocks": []any{map[string]any{"type": "divider"}},
	})
	id, ts := posted["channel"].(string), posted["ts"].(string)
	if posted["ok"] != true || !isID(id) || ts == "" {
		t.Fatalf("postMessage answered %v, want ok with a channel ID and ts", posted)
	}
	if _, _, r := call(t, s, "xoxb-good", "chat.update", map[string]any{"channel": "#a", "ts": ts, "text": "x"}); r["error"] != "channel_not_found" {
		t.Errorf("chat.update by channel name: %v, want channel_not_found (Slack wants the ID)", r)
	}
	if _, _, r := call(t, s, "xoxb-good", "chat.update", map[string]any{"channel": id, "ts": "1.2", "text": "x"}); r["error"] != "message_not_found" {
		t.Errorf("chat.update of an unknown ts: %v", r)
	}
	call(t, s, "xoxb-good", "chat.update", map[string]any{"channel": id, "ts": ts, "text": "edited"})
	if m := s.Messages("a")[0]; m.Text != "edited" || m.Blocks == nil || m.Edits != 1 {
		t.Errorf("an update without blocks keeps them: %+v", m)
	}
	call(t, s, "xoxb-good", "chat.update", map[string]any{"channel": id, "ts": ts, "text": "again", "blocks": []any{}})
	if m := s.Messages("#a")[0]; m.Blocks != nil || m.Edits != 2 {
		t.Errorf("an update with [] clears the blocks: %+v", m)
	}
	call(t, s, "xoxb-good", "chat.postMessage", map[string]any{"channel": id, "text": "reply", "thread_ts": ts})
	if m := s.Messages(id); len(m) != 1 || len(m[0].Replies) != 1 || m[0].Replies[0].ThreadTS != ts {
		t.Errorf("thread reply: %+v", m)
	}

	s.RateLimitMethod("chat.update", 1, 1500*time.Millisecond)
	if code, _, r := call(t, s, "xoxb-good", "chat.postMessage", map[string]any{"channel": "#a", "text": "not limited"}); code != 200 || r["ok"] != true {
		t.Errorf("a method not rate limited answered %d %v", code, r)
	}
	if code, h, r := call(t, s, "xoxb-good", "chat.update", map[string]any{"channel": id, "ts": ts, "text": "x"}); code != 429 || h.Get("Retry-After") != "2" || r["error"] != "ratelimited" {
		t.Errorf("rate limited: %d Retry-After %q %v", code, h.Get("Retry-After"), r)
	}
	if _, _, r := call(t, s, "xoxb-good", "chat.update", map[string]any{"channel": id, "ts": ts, "text": "x"}); r["ok"] != true {
		t.Errorf("after the limit: %v", r)
	}
}
