package config

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/sluice-dev/sluice/notifications"
)

// webhookName is what may follow service.webhook.: no dots, so the name
// ends a subscribe annotation's key unambiguously.
var webhookName = regexp.MustCompile(`^[A-Za-z0-9]([-_A-Za-z0-9]*[A-Za-z0-9])?$`)

// parseRecipient reads one entry of a subscription's recipients:
// "slack:<channel>", "slack" (the incoming webhook), "webhook.<name>" or
// "webhook:<name>".
func parseRecipient(recipient string) (notifications.Destination, error) {
	recipient = strings.TrimSpace(recipient)
	switch {
	case recipient == ServiceSlack:
		return notifications.Destination{Service: ServiceSlack}, nil
	case strings.HasPrefix(recipient, ServiceSlack+":"):
		channel := strings.TrimSpace(strings.TrimPrefix(recipient, ServiceSlack+":"))
		if channel == "" {
			return notifications.Destination{}, fmt.Errorf("recipient %q names no channel", recipient)
		}
		return notifications.Destination{Service: ServiceSlack, Recipient: channel}, nil
	case strings.HasPrefix(recipient, "webhook.") || strings.HasPrefix(recipient, "webhook:"):
		name := recipient[len("webhook."):]
		if !webhookName.MatchString(name) {
			return notifications.Destination{}, fmt.Errorf("recipient %q does not name a webhook (webhook.<name>)", recipient)
		}
		return notifications.Destination{Service: ServiceWebhookPrefix + name}, nil
	}
	return notifications.Destination{}, fmt.Errorf("recipient %q is not slack:<channel> or webhook.<name>", recipient)
}

// checkDestination wants a destination whose service this config has.
func (c *Config) checkDestination(d notifications.Destination) error {
	if d.Service == ServiceSlack {
		switch {
		case c.Slack == nil:
			return fmt.Errorf("sends to slack, but service.slack is not configured")
		case d.Recipient == "" && c.Slack.IncomingWebhookURL == "":
			return fmt.Errorf("sends to slack with no channel, but service.slack has no incomingWebhookURL")
		}
		return nil
	}
	if name, ok := strings.CutPrefix(d.Service, ServiceWebhookPrefix); ok {
		if _, known := c.Webhooks[name]; !known {
			return fmt.Errorf("sends to webhook %q, but service.webhook.%s is not configured", name, name)
		}
		return nil
	}
	return fmt.Errorf("unknown service %q (use slack or webhook.<name>)", d.Service)
}
