package services

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/sluice-dev/sluice/notifications/config"
)

// slackAPI calls Slack's Web API methods with a bot token.
type slackAPI struct {
	baseURL, token string
	timeout        time.Duration
}

func newSlackAPI(s *config.Slack) slackAPI {
	base := s.APIURL
	if base == "" {
		base = config.DefaultSlackAPIURL
	}
	return slackAPI{baseURL: strings.TrimRight(base, "/"), token: s.Token, timeout: s.Timeout}
}

// slackReply is the part of a Web API answer sluice reads.
type slackReply struct {
	OK      bool   `json:"ok"`
	Error   string `json:"error"`
	Channel string `json:"channel"` // the channel's ID, also when it was named
	TS      string `json:"ts"`
}

// postMessage is chat.postMessage's request: a new message, or a reply in
// the thread of ThreadTS. Channel may be a name or an ID.
type postMessage struct {
	Channel  string          `json:"channel"`
	Text     string          `json:"text,omitempty"`
	Blocks   json.RawMessage `json:"blocks,omitempty"`
	ThreadTS string          `json:"thread_ts,omitempty"`
}

// updateMessage is chat.update's request. Channel must be the ID. Blocks is
// always sent: left out, Slack would keep the old message's blocks.
type updateMessage struct {
	Channel string          `json:"channel"`
	TS      string          `json:"ts"`
	Text    string          `json:"text"`
	Blocks  json.RawMessage `json:"blocks"`
}

// retryableSlackErrors are the "error" values of an ok:false answer that
// say Slack could not take the call now rather than that the call is wrong.
var retryableSlackErrors = map[string]bool{
	"ratelimited": true, "rate_limited": true,
	"internal_error": true, "fatal_error": true, "service_unavailable": true, "request_timeout": true,
}

// call invokes one Web API method with a JSON body. Slack answers most
// failures with 200 and {"ok":false,"error":"…"}, and rate limits with 429
// and Retry-After; both are classified here.
func (api slackAPI) call(ctx context.Context, method string, payload any) (slackReply, *Error) {
	target := "slack " + method
	body, err := json.Marshal(payload)
	if err != nil {
		return slackReply{}, permanent("%s: %v", target, err)
	}
	header := http.Header{}
	header.Set("Content-Type", "application/json; charset=utf-8")
	header.Set("Authorization", "Bearer "+api.token)
	header.Set("User-Agent", "sluice-notifications")
	res, callErr := call(ctx, http.MethodPost, api.baseURL+"/"+method, header, body, api.timeout)
	if callErr != nil {
		return slackReply{}, callErr
	}
	now := time.Now()
	if !res.ok() {
		return slackReply{}, statusError(target, res, now)
	}
	var reply slackReply
	if err := json.Unmarshal(res.body, &reply); err != nil {
		return slackReply{}, permanent("%s: the answer is not Slack's JSON (is apiURL right?): %s", target, res.excerpt())
	}
	if !reply.OK {
		if retryableSlackErrors[reply.Error] {
			return reply, retryable(parseRetryAfter(res.header.Get("Retry-After"), now), "%s: %s", target, reply.Error)
		}
		return reply, permanent("%s: %s%s", target, reply.Error, slackHint(reply.Error))
	}
	return reply, nil
}

// slackHint says what to do about the errors a configuration causes.
func slackHint(code string) string {
	switch code {
	case "not_authed", "invalid_auth", "token_revoked", "token_expired", "account_inactive":
		return " (check service.slack's token)"
	case "channel_not_found":
		return " (check the channel's name, and that the app can see it)"
	case "not_in_channel":
		return " (invite the app to the channel)"
	case "missing_scope":
		return " (the app needs the chat:write scope)"
	}
	return ""
}
