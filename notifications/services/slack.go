package services

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/sluice-dev/sluice/notifications/config"
	"github.com/sluice-dev/sluice/notifications/render"
)

// sendSlack sends through the Web API when service.slack has a token, and
// through its incoming webhook otherwise.
//
// With the Web API each revision has one message per channel, the parent:
// the revision's summary and its latest event, updated in place. The first
// event of a revision posts it; each later event updates it and adds the
// event as a reply in its thread. The update comes before the reply, so a
// failed attempt repeats at most the update, which changes nothing visible,
// never a reply.
func sendSlack(ctx context.Context, req Request) (Response, error) {
	s := req.Config.Slack
	switch {
	case s == nil:
		return Response{}, permanent("slack: no service.slack in the configuration")
	case s.Token == "" && s.IncomingWebhookURL == "":
		return Response{}, permanent("slack: service.slack has neither a token nor an incomingWebhookURL")
	case req.Message.SlackText == "" && len(req.Message.SlackBlocks) == 0 && req.Message.SlackSummary == "":
		return Response{}, permanent("slack: nothing was rendered for Slack")
	case s.Token == "" || (req.Delivery.Recipient == "" && s.IncomingWebhookURL != ""):
		// A recipient of "slack" alone means the incoming webhook's channel.
		return Response{}, sendSlackIncoming(ctx, s, req.Message)
	case req.Delivery.Recipient == "":
		return Response{}, permanent("slack: the subscription names no channel, and service.slack has no incomingWebhookURL")
	}
	api := newSlackAPI(s)
	if req.ThreadTS == "" {
		return postParent(ctx, api, req.Delivery.Recipient, req.Message)
	}
	parent := parseThreadRef(req.ThreadTS, req.Delivery.Recipient)
	if reply, err := api.call(ctx, "chat.update", updateMessage{
		Channel: parent.channel, TS: parent.ts, Text: parentText(req.Message), Blocks: parentBlocks(req.Message, true),
	}); err != nil {
		if parentGone[reply.Error] {
			// Someone deleted the parent, or it can no longer be edited:
			// start the revision's message again rather than fail forever.
			return postParent(ctx, api, req.Delivery.Recipient, req.Message)
		}
		return Response{}, err
	}
	if _, err := api.call(ctx, "chat.postMessage", postMessage{
		Channel: parent.channel, ThreadTS: parent.ts, Text: eventText(req.Message), Blocks: nonEmpty(req.Message.SlackBlocks),
	}); err != nil {
		return Response{}, err
	}
	return Response{ThreadTS: req.ThreadTS}, nil
}

// postParent posts a revision's parent message and returns its reference.
func postParent(ctx context.Context, api slackAPI, channel string, msg render.Message) (Response, error) {
	reply, err := api.call(ctx, "chat.postMessage", postMessage{
		Channel: channel, Text: parentText(msg), Blocks: parentBlocks(msg, false),
	})
	if err != nil {
		return Response{}, err
	}
	return Response{ThreadTS: threadRef{channel: reply.Channel, ts: reply.TS}.String()}, nil
}

// parentGone holds the chat.update errors that no retry can cure on this
// parent: it was deleted, or may no longer be edited.
var parentGone = map[string]bool{"message_not_found": true, "cant_update_message": true, "edit_window_closed": true}

// parentText is the parent's text: the summary, then the event's text.
func parentText(msg render.Message) string {
	return joinLines(msg.SlackSummary, msg.SlackText)
}

// eventText is a reply's text (also the notification preview when it has
// blocks).
func eventText(msg render.Message) string {
	if msg.SlackText != "" {
		return msg.SlackText
	}
	return msg.SlackSummary
}

// parentBlocks puts the summary in a section above the event's blocks, so it
// shows (Slack shows blocks instead of text). Without event blocks the text
// alone is the message; an update then sends an empty list, which clears
// blocks an earlier event left.
func parentBlocks(msg render.Message, update bool) json.RawMessage {
	var blocks []json.RawMessage
	if len(msg.SlackBlocks) > 0 && json.Unmarshal(msg.SlackBlocks, &blocks) == nil && msg.SlackSummary != "" {
		section, _ := json.Marshal(map[string]any{
			"type": "section",
			"text": map[string]string{"type": "mrkdwn", "text": truncate(msg.SlackSummary, 3000)},
		})
		blocks = append([]json.RawMessage{section}, blocks...)
	}
	if len(blocks) == 0 {
		if update {
			return json.RawMessage("[]")
		}
		return nil
	}
	out, _ := json.Marshal(blocks)
	return out
}

func nonEmpty(raw []byte) json.RawMessage {
	if len(raw) == 0 {
		return nil
	}
	return raw
}

func joinLines(lines ...string) string {
	var kept []string
	for _, line := range lines {
		if line != "" {
			kept = append(kept, line)
		}
	}
	return strings.Join(kept, "\n")
}

// truncate cuts s to at most n bytes on a rune boundary (Slack limits a
// section's text to 3000 characters).
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// threadRef names a parent message: chat.update needs the channel's ID
// (names are refused), which only postMessage's answer tells.
type threadRef struct{ channel, ts string }

// String is the form kept in the ledger: "<channel ID>/<ts>".
func (r threadRef) String() string { return r.channel + "/" + r.ts }

// parseThreadRef reads a stored reference; a bare ts (no channel) is taken
// to be in the subscription's channel.
func parseThreadRef(stored, channel string) threadRef {
	if id, ts, ok := strings.Cut(stored, "/"); ok {
		return threadRef{channel: id, ts: ts}
	}
	return threadRef{channel: channel, ts: stored}
}

// sendSlackIncoming posts the event to service.slack's incoming webhook,
// which is bound to one channel and cannot thread or edit: each event is its
// own message.
func sendSlackIncoming(ctx context.Context, s *config.Slack, msg render.Message) error {
	body, err := json.Marshal(struct {
		Text   string          `json:"text"`
		Blocks json.RawMessage `json:"blocks,omitempty"`
	}{Text: joinLines(msg.SlackSummary, msg.SlackText), Blocks: parentBlocks(msg, false)})
	if err != nil {
		return permanent("slack incoming webhook: %v", err)
	}
	header := map[string][]string{"Content-Type": {"application/json"}}
	res, callErr := call(ctx, "POST", s.IncomingWebhookURL, header, body, s.Timeout)
	if callErr != nil {
		return prefixed("slack incoming webhook", callErr)
	}
	if !res.ok() {
		return prefixed("slack incoming webhook", statusError("POST "+redactURL(s.IncomingWebhookURL), res, time.Now()))
	}
	return nil
}
