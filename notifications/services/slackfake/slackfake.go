// Package slackfake is a stand-in for Slack's Web API in tests: an HTTP
// server speaking chat.postMessage and chat.update as Slack does (bearer
// token, JSON bodies, 200 with {"ok":false,"error":…} for failures, 429 with
// Retry-After when rate limiting, channel IDs in answers and required by
// chat.update), plus incoming webhooks. It records what a person in the
// workspace would see: each channel's messages, their edits and their thread
// replies.
//
// Unit tests use it in-process; end-to-end tests run it in the test process
// and point the controller's service.slack apiURL at URL.
package slackfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Message is a message as the channel shows it now.
type Message struct {
	// Channel is the channel's ID; ChannelName its name without "#".
	Channel, ChannelName string
	TS                   string
	// ThreadTS is the parent's ts for a thread reply, "" for a top-level message.
	ThreadTS string
	Text     string
	// Blocks is the message's blocks as JSON, nil when it has none.
	Blocks json.RawMessage
	// Edits counts the chat.update calls that changed this message.
	Edits int
	// Replies are the thread's replies, oldest first (top-level messages only).
	Replies []Message
}

// Call is one API request as the fake answered it.
type Call struct {
	Method  string // "chat.postMessage", "chat.update", "incoming-webhook"
	Channel string // as the request named it
	Error   string // "" when it succeeded; else Slack's error code
	Status  int
}

// Server is a fake Slack workspace with one bot token.
type Server struct {
	// URL is the Web API's base URL (service.slack apiURL).
	URL string
	srv *httptest.Server

	mu          sync.Mutex
	token       string
	channels    map[string]string // name → ID
	denied      map[string]bool   // names that answer channel_not_found
	messages    []*record         // every message, in order of posting
	calls       []Call
	limitMethod string
	limitNext   int
	limitFor    time.Duration
	nextTS      int64
	nextChannel int
}

type record struct {
	channel, threadTS, ts, text string
	blocks                      json.RawMessage
	edits                       int
}

// New starts a fake workspace accepting token. Close it when done.
func New(token string) *Server {
	s := &Server{
		token:    token,
		channels: map[string]string{},
		denied:   map[string]bool{},
		nextTS:   1_700_000_000_000_100,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /chat.postMessage", s.postMessage)
	mux.HandleFunc("POST /chat.update", s.update)
	mux.HandleFunc("POST /hooks/{channel}", s.incoming)
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// IncomingWebhookURL is an incoming webhook bound to channel (a name).
func (s *Server) IncomingWebhookURL(channel string) string {
	return s.URL + "/hooks/" + normalize(channel)
}

// RateLimit makes the next n calls answer 429 {"ok":false,"error":
// "ratelimited"} with Retry-After: after (whole seconds, at least 1).
func (s *Server) RateLimit(n int, after time.Duration) { s.RateLimitMethod("", n, after) }

// RateLimitMethod is RateLimit for the calls of one method only
// ("chat.postMessage", "chat.update", "incoming-webhook"; "" = any).
func (s *Server) RateLimitMethod(method string, n int, after time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limitMethod, s.limitNext, s.limitFor = method, n, after
}

// DenyChannel makes posts to channel answer channel_not_found, as for a
// channel that does not exist or the app cannot see.
func (s *Server) DenyChannel(channel string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.denied[normalize(channel)] = true
}

// DeleteMessage removes a message, as a person deleting it would (its
// replies stay reachable by nobody).
func (s *Server) DeleteMessage(channel, ts string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.channelID(channel)
	for i, m := range s.messages {
		if m.channel == id && m.ts == ts {
			s.messages = append(s.messages[:i], s.messages[i+1:]...)
			return
		}
	}
}

// Messages lists channel's top-level messages (channel by name or ID),
// oldest first, each with its replies.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.channelID(channel)
	var out []Message
	for _, m := range s.messages {
		if m.channel != id || m.threadTS != "" {
			continue
		}
		parent := s.export(m)
		for _, r := range s.messages {
			if r.channel == id && r.threadTS == m.ts {
				parent.Replies = append(parent.Replies, s.export(r))
			}
		}
		out = append(out, parent)
	}
	return out
}

// Calls lists every request answered, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

func (s *Server) export(m *record) Message {
	return Message{
		Channel: m.channel, ChannelName: s.channelName(m.channel), TS: m.ts, ThreadTS: m.threadTS,
		Text: m.text, Blocks: m.blocks, Edits: m.edits,
	}
}

// request is the union of the two methods' bodies.
type request struct {
	Channel  string          `json:"channel"`
	Text     string          `json:"text"`
	Blocks   json.RawMessage `json:"blocks"`
	ThreadTS string          `json:"thread_ts"`
	TS       string          `json:"ts"`
}

func (s *Server) postMessage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	req, ok := s.admit(w, r, "chat.postMessage")
	if !ok {
		return
	}
	if s.denied[normalize(req.Channel)] || (isID(req.Channel) && s.channelName(req.Channel) == "") {
		s.fail(w, "chat.postMessage", req.Channel, "channel_not_found")
		return
	}
	if req.Text == "" && len(blocksOf(req.Blocks)) == 0 {
		s.fail(w, "chat.postMessage", req.Channel, "no_text")
		return
	}
	id := s.ensureChannel(req.Channel)
	if req.ThreadTS != "" && s.find(id, req.ThreadTS) == nil {
		s.fail(w, "chat.postMessage", req.Channel, "thread_not_found")
		return
	}
	s.nextTS++
	ts := fmt.Sprintf("%d.%06d", s.nextTS/1_000_000, s.nextTS%1_000_000)
	s.messages = append(s.messages, &record{channel: id, threadTS: req.ThreadTS, ts: ts, text: req.Text, blocks: blocksOf(req.Blocks)})
	s.succeed(w, "chat.postMessage", req.Channel, id, ts)
}

func (s *Server) update(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	req, ok := s.admit(w, r, "chat.update")
	if !ok {
		return
	}
	// Like Slack, chat.update takes a channel ID only.
	if !isID(req.Channel) || s.channelName(req.Channel) == "" {
		s.fail(w, "chat.update", req.Channel, "channel_not_found")
		return
	}
	m := s.find(req.Channel, req.TS)
	if m == nil {
		s.fail(w, "chat.update", req.Channel, "message_not_found")
		return
	}
	if req.Text == "" && len(blocksOf(req.Blocks)) == 0 {
		s.fail(w, "chat.update", req.Channel, "no_text")
		return
	}
	m.text = req.Text
	if req.Blocks != nil { // left out, Slack keeps the old blocks; [] clears them
		m.blocks = blocksOf(req.Blocks)
	}
	m.edits++
	s.succeed(w, "chat.update", req.Channel, m.channel, m.ts)
}

// incoming answers like an incoming webhook: plain "ok", or an error word
// with a 4xx status.
func (s *Server) incoming(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	channel := r.PathValue("channel")
	if s.limited(w, "incoming-webhook", channel) {
		return
	}
	var req request
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || (req.Text == "" && len(blocksOf(req.Blocks)) == 0) {
		s.calls = append(s.calls, Call{Method: "incoming-webhook", Channel: channel, Error: "invalid_payload", Status: http.StatusBadRequest})
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	id := s.ensureChannel(channel)
	s.nextTS++
	ts := fmt.Sprintf("%d.%06d", s.nextTS/1_000_000, s.nextTS%1_000_000)
	s.messages = append(s.messages, &record{channel: id, ts: ts, text: req.Text, blocks: blocksOf(req.Blocks)})
	s.calls = append(s.calls, Call{Method: "incoming-webhook", Channel: channel, Status: http.StatusOK})
	fmt.Fprint(w, "ok")
}

// admit checks the rate limit, the token and the body, answering any
// failure itself.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, method string) (request, bool) {
	if s.limited(w, method, "") {
		return request{}, false
	}
	auth := r.Header.Get("Authorization")
	token, bearer := strings.CutPrefix(auth, "Bearer ")
	switch {
	case !bearer || token == "":
		s.fail(w, method, "", "not_authed")
		return request{}, false
	case token != s.token:
		s.fail(w, method, "", "invalid_auth")
		return request{}, false
	}
	var req request
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		s.fail(w, method, "", "invalid_form_data")
		return request{}, false
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		s.fail(w, method, "", "invalid_json")
		return request{}, false
	}
	if req.Channel == "" {
		s.fail(w, method, "", "channel_not_found")
		return request{}, false
	}
	return req, true
}

func (s *Server) limited(w http.ResponseWriter, method, channel string) bool {
	if s.limitNext <= 0 || (s.limitMethod != "" && s.limitMethod != method) {
		return false
	}
	s.limitNext--
	seconds := max(1, int((s.limitFor+time.Second-1)/time.Second))
	w.Header().Set("Retry-After", strconv.Itoa(seconds))
	s.calls = append(s.calls, Call{Method: method, Channel: channel, Error: "ratelimited", Status: http.StatusTooManyRequests})
	writeJSON(w, http.StatusTooManyRequests, map[string]any{"ok": false, "error": "ratelimited"})
	return true
}

func (s *Server) fail(w http.ResponseWriter, method, channel, code string) {
	s.calls = append(s.calls, Call{Method: method, Channel: channel, Error: code, Status: http.StatusOK})
	writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": code})
}

func (s *Server) succeed(w http.ResponseWriter, method, channel, id, ts string) {
	s.calls = append(s.calls, Call{Method: method, Channel: channel, Status: http.StatusOK})
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "channel": id, "ts": ts})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) find(channelID, ts string) *record {
	for _, m := range s.messages {
		if m.channel == channelID && m.ts == ts {
			return m
		}
	}
	return nil
}

// ensureChannel returns the ID of a channel named by name or ID, creating
// a named one on first use (the fake has every channel the app can see).
func (s *Server) ensureChannel(channel string) string {
	if isID(channel) {
		return channel
	}
	name := normalize(channel)
	if id, ok := s.channels[name]; ok {
		return id
	}
	s.nextChannel++
	id := fmt.Sprintf("C%08d", s.nextChannel)
	s.channels[name] = id
	return id
}

// channelID resolves a name or ID without creating anything.
func (s *Server) channelID(channel string) string {
	if isID(channel) {
		return channel
	}
	return s.channels[normalize(channel)]
}

func (s *Server) channelName(id string) string {
	for name, known := range s.channels {
		if known == id {
			return name
		}
	}
	return ""
}

// isID tells the fake's channel IDs ("C" and eight digits) from names.
func isID(channel string) bool {
	if len(channel) != 9 || channel[0] != 'C' {
		return false
	}
	_, err := strconv.Atoi(channel[1:])
	return err == nil
}

func normalize(channel string) string { return strings.TrimPrefix(channel, "#") }

// blocksOf is nil for absent, null or empty blocks.
func blocksOf(raw json.RawMessage) json.RawMessage {
	var blocks []json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &blocks) != nil || len(blocks) == 0 {
		return nil
	}
	return raw
}
