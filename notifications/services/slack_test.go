package services

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sluice-dev/sluice/notifications"
	"github.com/sluice-dev/sluice/notifications/config"
	"github.com/sluice-dev/sluice/notifications/render"
	"github.com/sluice-dev/sluice/notifications/services/slackfake"
)

const botToken = "xoxb-test-token"

func slackRequest(slack *config.Slack, channel, trigger string, msg render.Message, threadTS string) Request {
	return Request{
		Delivery: notifications.Delivery{
			Event:       notifications.Event{Trigger: trigger, Key: "uid/rev-3/" + trigger, Revision: 3},
			Destination: notifications.Destination{Service: "slack", Recipient: channel},
		},
		Message:  msg,
		Config:   &config.Config{Slack: slack},
		ThreadTS: threadTS,
	}
}

func TestSlackOneMessagePerRevisionUpdatedWithThreadReplies(t *testing.T) {
	fake := slackfake.New(botToken)
	defer fake.Close()
	slack := &config.Slack{Token: botToken, APIURL: fake.URL}
	ctx := context.Background()

	first, err := Send(ctx, slackRequest(slack, "#releases", notifications.OnRolloutUpdated, render.Message{
		SlackSummary: "checkout revision 3: canary 0%", SlackText: "checkout: revision 3 started",
	}, ""))
	if err != nil {
		t.Fatalf("first event: %v", err)
	}
	if first.ThreadTS == "" {
		t.Fatal("the first event of a revision returned no parent to thread on")
	}
	blocks := `[{"type":"section","text":{"type":"mrkdwn","text":"*step 1/4* done"}}]`
	second, err := Send(ctx, slackRequest(slack, "#releases", notifications.OnRolloutStepCompleted, render.Message{
		SlackSummary: "checkout revision 3: canary 20%", SlackText: "step 1/4 completed", SlackBlocks: []byte(blocks),
	}, first.ThreadTS))
	if err != nil {
		t.Fatalf("second event: %v", err)
	}
	third, err := Send(ctx, slackRequest(slack, "#releases", notifications.OnRolloutCompleted, render.Message{
		SlackSummary: "checkout revision 3: stable", SlackText: "revision 3 is stable",
	}, second.ThreadTS))
	if err != nil {
		t.Fatalf("third event: %v", err)
	}
	if second.ThreadTS != first.ThreadTS || third.ThreadTS != first.ThreadTS {
		t.Errorf("the revision's parent changed: %q, %q, %q", first.ThreadTS, second.ThreadTS, third.ThreadTS)
	}

	msgs := fake.Messages("releases")
	if len(msgs) != 1 {
		t.Fatalf("channel shows %d top-level messages, want one for the revision: %+v", len(msgs), msgs)
	}
	parent := msgs[0]
	if parent.Text != "checkout revision 3: stable\nrevision 3 is stable" || parent.Edits != 2 {
		t.Errorf("parent = %q after %d edits, want the latest summary and event after 2", parent.Text, parent.Edits)
	}
	if parent.Blocks != nil {
		t.Errorf("the last event had no blocks, but the parent still shows %s", parent.Blocks)
	}
	if len(parent.Replies) != 2 || parent.Replies[0].Text != "step 1/4 completed" || parent.Replies[1].Text != "revision 3 is stable" {
		t.Fatalf("thread replies = %+v, want the two later events in order", parent.Replies)
	}
	if string(parent.Replies[0].Blocks) != blocks {
		t.Errorf("reply blocks = %s, want %s", parent.Replies[0].Blocks, blocks)
	}
}

func TestSlackParentShowsTheSummaryAboveTheEventsBlocks(t *testing.T) {
	fake := slackfake.New(botToken)
	defer fake.Close()
	msg := render.Message{
		SlackSummary: "checkout revision 4: canary 0%", SlackText: "started",
		SlackBlocks: []byte(`[{"type":"divider"}]`),
	}
	if _, err := Send(context.Background(), slackRequest(&config.Slack{Token: botToken, APIURL: fake.URL}, "deploys", notifications.OnRolloutUpdated, msg, "")); err != nil {
		t.Fatal(err)
	}
	var blocks []map[string]any
	if err := json.Unmarshal(fake.Messages("deploys")[0].Blocks, &blocks); err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 2 || blocks[0]["type"] != "section" || blocks[1]["type"] != "divider" ||
		!strings.Contains(string(fake.Messages("deploys")[0].Blocks), "checkout revision 4: canary 0%") {
		t.Errorf("parent blocks = %v, want the summary's section then the event's blocks", blocks)
	}
}

func TestSlackRevisionsAndChannelsHaveTheirOwnParents(t *testing.T) {
	fake := slackfake.New(botToken)
	defer fake.Close()
	slack := &config.Slack{Token: botToken, APIURL: fake.URL}
	msg := render.Message{SlackText: "started"}
	a, errA := Send(context.Background(), slackRequest(slack, "#a", notifications.OnRolloutUpdated, msg, ""))
	b, errB := Send(context.Background(), slackRequest(slack, "#b", notifications.OnRolloutUpdated, msg, ""))
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if a.ThreadTS == b.ThreadTS {
		t.Errorf("two channels share the parent reference %q", a.ThreadTS)
	}
	if len(fake.Messages("a")) != 1 || len(fake.Messages("b")) != 1 {
		t.Errorf("want one message in each channel")
	}
}

func TestSlackStartsANewParentWhenTheOldOneWasDeleted(t *testing.T) {
	fake := slackfake.New(botToken)
	defer fake.Close()
	slack := &config.Slack{Token: botToken, APIURL: fake.URL}
	first, err := Send(context.Background(), slackRequest(slack, "#releases", notifications.OnRolloutUpdated, render.Message{SlackText: "started"}, ""))
	if err != nil {
		t.Fatal(err)
	}
	fake.DeleteMessage("releases", fake.Messages("releases")[0].TS)

	next, err := Send(context.Background(), slackRequest(slack, "#releases", notifications.OnRolloutPaused, render.Message{SlackText: "paused"}, first.ThreadTS))
	if err != nil {
		t.Fatalf("after the parent was deleted: %v", err)
	}
	msgs := fake.Messages("releases")
	if next.ThreadTS == first.ThreadTS || len(msgs) != 1 || msgs[0].Text != "paused" {
		t.Errorf("want a new parent showing the event; got ThreadTS %q (was %q), messages %+v", next.ThreadTS, first.ThreadTS, msgs)
	}
}

func TestSlackRateLimitIsRetryableWithRetryAfter(t *testing.T) {
	fake := slackfake.New(botToken)
	defer fake.Close()
	slack := &config.Slack{Token: botToken, APIURL: fake.URL}
	fake.RateLimit(1, 20*time.Second)
	req := slackRequest(slack, "#releases", notifications.OnRolloutUpdated, render.Message{SlackText: "started"}, "")
	_, err := Send(context.Background(), req)
	e, ok := err.(*Error)
	if !ok || !e.Retryable || e.RetryAfter != 20*time.Second || !strings.Contains(err.Error(), "ratelimited") {
		t.Fatalf("Send while rate limited = %#v, want retryable after 20s naming ratelimited", err)
	}
	if len(fake.Messages("releases")) != 0 {
		t.Fatal("a rate-limited call posted a message")
	}
	if _, err := Send(context.Background(), req); err != nil {
		t.Fatalf("retry after the limit lifted: %v", err)
	}
	if len(fake.Messages("releases")) != 1 {
		t.Errorf("want the message posted once by the retry")
	}
}

func TestSlackRetryOfALaterEventAddsItsReplyOnce(t *testing.T) {
	// A later event is two calls, update then reply; whichever is rate
	// limited, the retry leaves exactly one reply.
	for _, limited := range []string{"chat.update", "chat.postMessage"} {
		fake := slackfake.New(botToken)
		slack := &config.Slack{Token: botToken, APIURL: fake.URL}
		first, err := Send(context.Background(), slackRequest(slack, "#releases", notifications.OnRolloutUpdated, render.Message{SlackText: "started"}, ""))
		if err != nil {
			t.Fatal(err)
		}
		req := slackRequest(slack, "#releases", notifications.OnRolloutPaused, render.Message{SlackText: "paused"}, first.ThreadTS)
		fake.RateLimitMethod(limited, 1, time.Second)
		if _, err := Send(context.Background(), req); !IsRetryable(err) {
			t.Fatalf("%s rate limited: Send = %v, want retryable", limited, err)
		}
		if _, err := Send(context.Background(), req); err != nil {
			t.Fatalf("%s rate limited: retry: %v", limited, err)
		}
		msgs := fake.Messages("releases")
		if len(msgs) != 1 || len(msgs[0].Replies) != 1 || msgs[0].Text != "paused" {
			t.Errorf("%s rate limited: want one parent showing the event with one reply, got %+v", limited, msgs)
		}
		fake.Close()
	}
}

func TestSlackPermanentErrors(t *testing.T) {
	fake := slackfake.New(botToken)
	defer fake.Close()
	fake.DenyChannel("#secret")
	notSlack := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<html>a portal</html>")
	}))
	defer notSlack.Close()
	cases := []struct {
		name, channel string
		slack         *config.Slack
		msg           render.Message
		wantIn        string
	}{
		{name: "bad token", channel: "#releases", slack: &config.Slack{Token: "xoxb-wrong", APIURL: fake.URL}, wantIn: "invalid_auth (check service.slack's token)"},
		{name: "unknown channel", channel: "#secret", slack: &config.Slack{Token: botToken, APIURL: fake.URL}, wantIn: "channel_not_found"},
		{name: "no channel", channel: "", slack: &config.Slack{Token: botToken, APIURL: fake.URL}, wantIn: "no channel"},
		{name: "no token nor webhook", channel: "#releases", slack: &config.Slack{APIURL: fake.URL}, wantIn: "neither a token nor an incomingWebhookURL"},
		{name: "nothing rendered", channel: "#releases", slack: &config.Slack{Token: botToken, APIURL: fake.URL}, msg: render.Message{Webhook: []byte("{}")}, wantIn: "nothing was rendered"},
		{name: "not Slack", channel: "#releases", slack: &config.Slack{Token: botToken, APIURL: notSlack.URL}, wantIn: "not Slack's JSON"},
	}
	for _, c := range cases {
		msg := c.msg
		if msg.Webhook == nil {
			msg.SlackText = "hello"
		}
		_, err := Send(context.Background(), slackRequest(c.slack, c.channel, notifications.OnRolloutUpdated, msg, ""))
		if err == nil || IsRetryable(err) || !strings.Contains(err.Error(), c.wantIn) {
			t.Errorf("%s: Send = %v, want a permanent error containing %q", c.name, err, c.wantIn)
		}
		if err != nil && strings.Contains(err.Error(), "xoxb-") {
			t.Errorf("%s: the error shows the token: %v", c.name, err)
		}
	}
	if n := len(fake.Messages("releases")) + len(fake.Messages("secret")); n != 0 {
		t.Errorf("%d messages posted by failing sends", n)
	}
}

func TestSlackIncomingWebhookFallback(t *testing.T) {
	fake := slackfake.New(botToken)
	defer fake.Close()
	slack := &config.Slack{IncomingWebhookURL: fake.IncomingWebhookURL("#alerts")}
	for _, text := range []string{"started", "paused"} {
		resp, err := Send(context.Background(), slackRequest(slack, "ignored", notifications.OnRolloutUpdated, render.Message{SlackText: text}, ""))
		if err != nil || resp.ThreadTS != "" {
			t.Fatalf("incoming webhook: %v, ThreadTS %q (an incoming webhook cannot thread)", err, resp.ThreadTS)
		}
	}
	// With a token too, a recipient of "slack" alone still means the webhook.
	both := &config.Slack{Token: botToken, APIURL: fake.URL, IncomingWebhookURL: slack.IncomingWebhookURL}
	if _, err := Send(context.Background(), slackRequest(both, "", notifications.OnRolloutUpdated, render.Message{SlackText: "resumed"}, "")); err != nil {
		t.Fatal(err)
	}
	msgs := fake.Messages("alerts")
	if len(msgs) != 3 || msgs[2].Text != "resumed" || msgs[0].Text != "started" || msgs[1].Text != "paused" {
		t.Errorf("incoming webhook messages = %+v", msgs)
	}

	fake.RateLimit(1, 5*time.Second)
	_, err := Send(context.Background(), slackRequest(slack, "", notifications.OnRolloutUpdated, render.Message{SlackText: "x"}, ""))
	if e, ok := err.(*Error); !ok || !e.Retryable || e.RetryAfter != 5*time.Second {
		t.Errorf("rate-limited incoming webhook = %v, want retryable after 5s", err)
	}
	if err != nil && strings.Contains(err.Error(), "/hooks/") {
		t.Errorf("the error shows the incoming webhook's secret path: %v", err)
	}
}
